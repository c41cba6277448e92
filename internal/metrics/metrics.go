// Package metrics is what the services share to expose Prometheus metrics: a registry
// with the Go runtime's and the process's collectors, a listener of its own for
// /metrics (never the public port), and a bound on the operation names used as label
// values, so that clients cannot grow a series per made-up name.
package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry holding the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Serve serves reg's metrics on /metrics at addr, on a listener of its own, until ctx is
// done; an empty addr serves nothing. It prints "metrics on http://ADDR/metrics" once
// the listener is bound.
func Serve(ctx context.Context, addr string, reg *prometheus.Registry, logger *slog.Logger, stdout io.Writer) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}))
	fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			logger.Warn("metrics listener stopped", "err", err)
		}
	}()
	return nil
}

// Operations bounds the operation names used as label values: the first Max distinct
// names, each cut to MaxLen bytes, are kept; later new names are counted as "other",
// anonymous operations as "anonymous".
type Operations struct {
	mu   sync.Mutex
	seen map[string]string
}

// Bounds of Operations.
const (
	MaxOperations      = 200
	MaxOperationLength = 64
)

// Label returns the label value for an operation name.
func (o *Operations) Label(name string) string {
	if name == "" {
		return "anonymous"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if l, ok := o.seen[name]; ok {
		return l
	}
	if len(o.seen) >= MaxOperations {
		return "other"
	}
	if o.seen == nil {
		o.seen = map[string]string{}
	}
	l := name
	if len(l) > MaxOperationLength {
		l = l[:MaxOperationLength]
	}
	o.seen[name] = l
	return l
}
