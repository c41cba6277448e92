package gateway

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fedgraph/fedgraph/gateway/transport"
	"github.com/fedgraph/fedgraph/internal/metrics"
)

// The gateway's Prometheus series, registered on Config.Metrics:
//
//	fedgraph_gateway_requests_total{operation,outcome}        ok, partial, error, refused
//	fedgraph_gateway_request_duration_seconds{operation}
//	fedgraph_gateway_subgraph_requests_total{subgraph,outcome} ok, graphql_errors, unavailable, breaker_open
//	fedgraph_gateway_subgraph_request_duration_seconds{subgraph}
//	fedgraph_gateway_subgraph_breaker_state{subgraph}          0 closed, 1 half-open, 2 open, -1 off
//	fedgraph_gateway_subgraph_shared_fetches_total{subgraph}   answered by an identical request in flight (-dedup)
//	fedgraph_gateway_subgraph_schema_loaded{subgraph}          1 when its SDL is merged in
//	fedgraph_gateway_schema_generation
//	fedgraph_gateway_plan_cache_lookups_total{result}          hit, miss
//	fedgraph_gateway_subscriptions                             streaming now
//	fedgraph_gateway_subscription_events_total                 events sent to subscribers
//	fedgraph_gateway_shared_executions_total                   answered by an identical query in flight (-dedup)
//
// Operation names are bounded (internal/metrics.Operations), so a client cannot make a
// series per name it invents.
type gatewayMetrics struct {
	ops      metrics.Operations
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// subgraphSeries are the series of the subgraphs' requests, which each subgraph's
// client records through its recorder. They exist before the clients, which are made
// with them, and are registered with the rest (registerMetrics).
type subgraphSeries struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newSubgraphSeries returns the subgraphs' series; nil, recording nothing, without a
// registry.
func newSubgraphSeries(reg prometheus.Registerer) *subgraphSeries {
	if reg == nil {
		return nil
	}
	return &subgraphSeries{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fedgraph_gateway_subgraph_requests_total",
			Help: "Requests to subgraphs, by subgraph and outcome (ok, graphql_errors, unavailable, breaker_open).",
		}, []string{"subgraph", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fedgraph_gateway_subgraph_request_duration_seconds",
			Help:    "Time of a request to a subgraph, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"subgraph"}),
	}
}

// recorder is the transport.Config.Record of the subgraph called name, its series
// curried once; nil without series.
func (s *subgraphSeries) recorder(name string) func(transport.Outcome, time.Duration) {
	if s == nil {
		return nil
	}
	outcomes := map[transport.Outcome]prometheus.Counter{}
	for _, o := range []transport.Outcome{transport.OK, transport.GraphQLErrors, transport.Unavailable, transport.BreakerOpen} {
		outcomes[o] = s.requests.WithLabelValues(name, string(o))
	}
	duration := s.duration.WithLabelValues(name)
	return func(o transport.Outcome, d time.Duration) {
		duration.Observe(d.Seconds())
		outcomes[o].Inc()
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
	reg.MustRegister(m.requests, m.duration, g.series.requests, g.series.duration)
	for i, sg := range g.subgraphs {
		labels := prometheus.Labels{"subgraph": sg.Name()}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "fedgraph_gateway_subgraph_breaker_state", ConstLabels: labels,
				Help: "A subgraph's circuit breaker: 0 closed, 1 half-open, 2 open, -1 off.",
			}, sg.BreakerGauge),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "fedgraph_gateway_subgraph_shared_fetches_total", ConstLabels: labels,
				Help: "Subgraph requests answered by an identical request in flight (-dedup), not sent.",
			}, func() float64 { return float64(sg.SharedFetches()) }),
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
