package subgraph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/metrics"
)

// A subgraph's Prometheus series, registered on its Config.Metrics (service is
// "users" or "products"):
//
//	fedgraph_subgraph_requests_total{service,operation,outcome}   ok, partial, error
//	fedgraph_subgraph_request_duration_seconds{service,operation}
//	fedgraph_subgraph_redis_pool_connections{service,state}       total, idle
//	fedgraph_subgraph_redis_pool_events_total{service,event}      hit, miss, timeout
//
// Requests refused before they run (limits) are counted by the gateway, not here.

// Metrics returns the gqlgen extension that counts a subgraph's requests on reg, and
// registers the pool statistics of its Redis client. A nil reg counts nothing.
func Metrics(reg prometheus.Registerer, service string, rdb redis.UniversalClient) graphql.HandlerExtension {
	if reg == nil {
		return nil
	}
	labels := prometheus.Labels{"service": service}
	m := &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fedgraph_subgraph_requests_total", ConstLabels: labels,
			Help: "GraphQL requests a subgraph answered, by operation name and outcome (ok, partial, error).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fedgraph_subgraph_request_duration_seconds", ConstLabels: labels,
			Help:    "Time a subgraph took to run a GraphQL operation.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 16),
		}, []string{"operation"}),
	}
	reg.MustRegister(m.requests, m.duration)
	if rdb != nil {
		stat := func(name, help, label, value string, f func(*redis.PoolStats) uint32, counter bool) prometheus.Collector {
			l := prometheus.Labels{"service": service, label: value}
			get := func() float64 { return float64(f(rdb.PoolStats())) }
			if counter {
				return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: l}, get)
			}
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: l}, get)
		}
		const conns, events = "fedgraph_subgraph_redis_pool_connections", "fedgraph_subgraph_redis_pool_events_total"
		reg.MustRegister(
			stat(conns, "Connections in the Redis pool.", "state", "total", func(s *redis.PoolStats) uint32 { return s.TotalConns }, false),
			stat(conns, "Connections in the Redis pool.", "state", "idle", func(s *redis.PoolStats) uint32 { return s.IdleConns }, false),
			stat(events, "Redis pool lookups and waits.", "event", "hit", func(s *redis.PoolStats) uint32 { return s.Hits }, true),
			stat(events, "Redis pool lookups and waits.", "event", "miss", func(s *redis.PoolStats) uint32 { return s.Misses }, true),
			stat(events, "Redis pool lookups and waits.", "event", "timeout", func(s *redis.PoolStats) uint32 { return s.Timeouts }, true),
		)
	}
	return m
}

type requestMetrics struct {
	ops      metrics.Operations
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

var _ graphql.ResponseInterceptor = (*requestMetrics)(nil)

func (*requestMetrics) ExtensionName() string                   { return "Metrics" }
func (*requestMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (m *requestMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	op := m.ops.Label(operationName(ctx))
	outcome := "ok"
	switch {
	case resp == nil:
		return resp
	case len(resp.Errors) > 0 && (len(resp.Data) == 0 || string(resp.Data) == "null"):
		outcome = "error"
	case len(resp.Errors) > 0:
		outcome = "partial"
	}
	m.requests.WithLabelValues(op, outcome).Inc()
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	return resp
}

// operationName is the name of the operation ctx runs, from the document: the request's
// operationName parameter is empty when the document has one operation.
func operationName(ctx context.Context) string {
	if !graphql.HasOperationContext(ctx) {
		return ""
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Name != "" {
		return oc.Operation.Name
	}
	return oc.OperationName
}
