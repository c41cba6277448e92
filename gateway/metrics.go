package gateway

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fedgraph/fedgraph/internal/metrics"
)

// The gateway's Prometheus series, registered on Config.Metrics:
//
//	fedgraph_gateway_requests_total{operation,outcome}        ok, partial, error, refused
//	fedgraph_gateway_request_duration_seconds{operation}
//	fedgraph_gateway_subgraph_requests_total{subgraph,outcome} ok, graphql_errors, unavailable, breaker_open
//	fedgraph_gateway_subgraph_request_duration_seconds{subgraph}
//	fedgraph_gateway_subgraph_breaker_state{subgraph}          0 closed, 1 half-open, 2 open, -1 off
//	fedgraph_gateway_subgraph_schema_loaded{subgraph}          1 when its SDL is merged in
//	fedgraph_gateway_schema_generation
//	fedgraph_gateway_plan_cache_lookups_total{result}          hit, miss
//	fedgraph_gateway_subscriptions                             streaming now
//	fedgraph_gateway_subscription_events_total                 events sent to subscribers
//
// Operation names are bounded (internal/metrics.Operations), so a client cannot make a
// series per name it invents.
type gatewayMetrics struct {
	ops      metrics.Operations
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// subgraphMetrics are one subgraph's series, curried once.
type subgraphMetrics struct {
	ok, graphqlErrors, unavailable, open prometheus.Counter
	duration                             prometheus.Observer
}

func (m *subgraphMetrics) record(a *answer, err error, d time.Duration) {
	if m == nil {
		return
	}
	m.duration.Observe(d.Seconds())
	switch {
	case errors.Is(err, errBreakerOpen):
		m.open.Inc()
	case err != nil:
		m.unavailable.Inc()
	case len(a.errors) > 0:
		m.graphqlErrors.Inc()
	default:
		m.ok.Inc()
	}
}

// registerMetrics creates the gateway's series on reg; a nil reg records nothing.
func (g *Gateway) registerMetrics(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	m := &gatewayMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fedgraph_gateway_requests_total",
			Help: "GraphQL requests answered, by operation name and outcome (ok, partial, error, refused).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fedgraph_gateway_request_duration_seconds",
			Help:    "Time to answer a GraphQL request, by operation name.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"operation"}),
	}
	subRequests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fedgraph_gateway_subgraph_requests_total",
		Help: "Requests to subgraphs, by subgraph and outcome (ok, graphql_errors, unavailable, breaker_open).",
	}, []string{"subgraph", "outcome"})
	subDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "fedgraph_gateway_subgraph_request_duration_seconds",
		Help:    "Time of a request to a subgraph, retries included.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"subgraph"})
	reg.MustRegister(m.requests, m.duration, subRequests, subDuration)
	for i, sg := range g.subgraphs {
		sg.metrics = &subgraphMetrics{
			ok:            subRequests.WithLabelValues(sg.Name, "ok"),
			graphqlErrors: subRequests.WithLabelValues(sg.Name, "graphql_errors"),
			unavailable:   subRequests.WithLabelValues(sg.Name, "unavailable"),
			open:          subRequests.WithLabelValues(sg.Name, "breaker_open"),
			duration:      subDuration.WithLabelValues(sg.Name),
		}
		labels := prometheus.Labels{"subgraph": sg.Name}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "fedgraph_gateway_subgraph_breaker_state", ConstLabels: labels,
				Help: "A subgraph's circuit breaker: 0 closed, 1 half-open, 2 open, -1 off.",
			}, func() float64 {
				if sg.guard.breaker == nil {
					return -1
				}
				return float64(sg.guard.breaker.State())
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "fedgraph_gateway_subgraph_schema_loaded", ConstLabels: labels,
				Help: "1 when the subgraph's SDL is merged into the served graph.",
			}, func() float64 {
				if g.graph.Load().sdls[i] == "" {
					return 0
				}
				return 1
			}),
		)
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fedgraph_gateway_schema_generation",
			Help: "The generation of the served graph; it grows with every schema reload.",
		}, func() float64 { return float64(g.graph.Load().generation) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "fedgraph_gateway_plan_cache_lookups_total", ConstLabels: prometheus.Labels{"result": "hit"},
			Help: "Plan cache lookups.",
		}, func() float64 { return float64(g.plans.hits.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "fedgraph_gateway_plan_cache_lookups_total", ConstLabels: prometheus.Labels{"result": "miss"},
			Help: "Plan cache lookups.",
		}, func() float64 { return float64(g.plans.misses.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fedgraph_gateway_subscriptions",
			Help: "Subscriptions streaming now.",
		}, func() float64 { return float64(g.subscriptions.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "fedgraph_gateway_subscription_events_total",
			Help: "Events sent to subscribers.",
		}, func() float64 { return float64(g.events.Load()) }),
	)
	if g.operations != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "fedgraph_gateway_shared_executions_total",
			Help: "Queries answered by an identical query's execution in flight (-dedup), not run again.",
		}, func() float64 { return float64(g.operations.shared.Load()) }))
	}
	g.metrics = m
}

// ObserveRequest implements front.Observer.
func (g *Gateway) ObserveRequest(operation, outcome string, d time.Duration) {
	m := g.metrics
	if m == nil {
		return
	}
	op := m.ops.Label(operation)
	m.requests.WithLabelValues(op, outcome).Inc()
	m.duration.WithLabelValues(op).Observe(d.Seconds())
}
