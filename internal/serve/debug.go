package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Debug serves Go's profiler (/debug/pprof/) on its own listener at addr until ctx is
// done, so that it never shares the public port; an empty addr serves nothing. It
// prints "debug on http://ADDR/debug/pprof/" once the listener is bound, which lets a
// benchmark read the goroutine count (/debug/pprof/goroutine?debug=1) and profiles.
func Debug(ctx context.Context, addr string, logger *slog.Logger, stdout io.Writer) error {
	if addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return Aside(ctx, "debug", addr, "/debug/pprof/", mux, logger, stdout)
}

// Aside serves h on a listener of its own at addr until ctx is done: an operator's
// endpoint beside the public port, such as metrics or pprof. It prints
// "NAME on http://ADDR/PATH…" once the listener is bound, the line benchmarks and
// tests read the address from, and logs a server that stops by itself.
func Aside(ctx context.Context, name, addr, path string, h http.Handler, logger *slog.Logger, stdout io.Writer) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%s listener: %w", name, err)
	}
	fmt.Fprintf(stdout, "%s on http://%s%s\n", name, ln.Addr(), path)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			logger.Warn(name+" listener stopped", "err", err)
		}
	}()
	return nil
}
