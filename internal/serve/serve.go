// Package serve runs the project's HTTP services: listening, health endpoints and
// graceful shutdown, the same way for the gateway and both subgraphs.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Health adds GET /healthz (the process is alive) and GET /readyz (ready reports that
// the service's dependencies answer) to mux.
func Health(mux *http.ServeMux, ready func(ctx context.Context) error, logger *slog.Logger) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			logger.WarnContext(ctx, "not ready", "err", err)
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
}

// ShutdownTimeout is how long in-flight requests get to finish after a stop signal.
const ShutdownTimeout = 10 * time.Second

// stoppingKey holds, in every request's context, a context that is done once the
// server has begun to shut down.
type stoppingKey struct{}

// Stopping returns a context that is done once the server serving ctx's request (one
// that Run runs) has begun to shut down, or nil outside Run. A stream (a subscription)
// ends on it: graceful shutdown waits for requests to finish, and a stream never would.
func Stopping(ctx context.Context) context.Context {
	s, _ := ctx.Value(stoppingKey{}).(context.Context)
	return s
}

// Run serves srv on ln until ctx is done, then shuts down gracefully: it stops
// accepting, ends the streams (Stopping), lets in-flight requests finish for up to
// ShutdownTimeout and returns.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, logger *slog.Logger) error {
	stopping, stop := context.WithCancel(context.Background())
	defer stop()
	base := srv.BaseContext
	srv.BaseContext = func(l net.Listener) context.Context {
		parent := context.Background()
		if base != nil {
			parent = base(l)
		}
		return context.WithValue(parent, stoppingKey{}, stopping)
	}
	srv.RegisterOnShutdown(stop)
	errCh := make(chan error, 1)
	go func() { errCh <- srv.Serve(ln) }()
	select {
	case err := <-errCh:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown %s: %w", ln.Addr(), err)
	}
	if err := <-errCh; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// NewServer returns an http.Server for h with timeouts that keep slow or idle clients
// from holding connections forever.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}
