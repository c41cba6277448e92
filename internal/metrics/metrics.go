// Package metrics is what the services share to expose Prometheus metrics: a registry
// with the Go runtime's and the process's collectors, a listener of its own for
// /metrics (never the public port), and a bound on the operation names used as label
// values, so that clients cannot grow a series per made-up name.
package metrics

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fedgraph/fedgraph/internal/serve"
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
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}))
	return serve.Aside(ctx, "metrics", addr, "/metrics", mux, logger, stdout)
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
