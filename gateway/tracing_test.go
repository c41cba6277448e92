package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/extra/redisotel/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/wholegraph"
)

// TestOneTraceAcrossTheGraph sends a query with a client's traceparent through the
// gateway and both subgraphs, all recording to one in-memory exporter, and follows the
// parent links: client → gateway request → subgraph call → subgraph request →
// operation → resolver → Redis command, in one trace.
func TestOneTraceAcrossTheGraph(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	// The graph runs until the test ends; gateway.New's wait for the subgraphs is
	// bounded by its StartupTimeout.
	cfg := wholegraph.DefaultConfig()
	cfg.Store = func(string) (wholegraph.Store, error) {
		r := redistest.Miniredis.New(t)
		if err := redisotel.InstrumentTracing(r.Client, redisotel.WithTracerProvider(tp)); err != nil {
			return wholegraph.Store{}, err
		}
		return wholegraph.Store{Client: r.Client, Prefix: r.Prefix}, nil
	}
	cfg.Tracer = tp
	w, err := wholegraph.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	g := &graph{url: w.URL}
	ada := g.createUser(t, "Ada", "ada@example.com")
	pid := g.createProduct(t, "Engine", "1", "USD", ada)
	before := len(rec.Ended()) // the seeding's spans are not this test's

	const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	graphqltest.Post(t, g.url, graphqltest.Request{
		Query:     `query ProductWithOwner($id: ID!) { product(id: $id) { name owner { name } } }`,
		Variables: map[string]any{"id": pid},
		Header:    http.Header{"Traceparent": {"00-" + clientTrace + "-" + clientSpan + "-01"}},
	})

	var spans []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended()[before:] {
		if s.Name() != "redis.dial" { // go-redis opens pool connections outside any request
			spans = append(spans, s)
		}
	}
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
		if s.SpanContext().TraceID().String() != clientTrace {
			t.Errorf("span %q is in trace %s, want the client's %s", s.Name(), s.SpanContext().TraceID(), clientTrace)
		}
	}
	parent := func(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan { return byID[s.Parent().SpanID()] }
	find := func(match func(sdktrace.ReadOnlySpan) bool) []sdktrace.ReadOnlySpan {
		var out []sdktrace.ReadOnlySpan
		for _, s := range spans {
			if match(s) {
				out = append(out, s)
			}
		}
		return out
	}
	gatewayReq := find(func(s sdktrace.ReadOnlySpan) bool {
		return s.Name() == "POST /graphql" && s.Parent().SpanID().String() == clientSpan
	})
	if len(gatewayReq) != 1 {
		t.Fatalf("gateway request spans, children of the client's span: got %d; spans: %v", len(gatewayReq), names(spans))
	}
	for _, sub := range []string{"products", "users"} {
		calls := find(func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "subgraph "+sub })
		if len(calls) != 1 || parent(calls[0]) != gatewayReq[0] {
			t.Fatalf("the %s call: got %d spans, want one child of the gateway request; spans: %v", sub, len(calls), names(spans))
		}
		served := find(func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "POST /graphql" && parent(s) == calls[0] })
		if len(served) != 1 {
			t.Fatalf("%s's request span, child of the gateway's call: got %d", sub, len(served))
		}
		op := find(func(s sdktrace.ReadOnlySpan) bool {
			return strings.HasPrefix(s.Name(), "graphql") && parent(s) == served[0]
		})
		if len(op) != 1 {
			t.Fatalf("%s's operation span: got %d", sub, len(op))
		}
		resolvers := find(func(s sdktrace.ReadOnlySpan) bool { return strings.HasPrefix(s.Name(), "Query.") && parent(s) == op[0] })
		if len(resolvers) == 0 {
			t.Fatalf("%s's resolver spans under its operation: none; spans: %v", sub, names(spans))
		}
		var redisSpans int
		for _, s := range spans {
			if p := parent(s); p != nil && p == resolvers[0] && strings.Contains(s.InstrumentationScope().Name, "redisotel") {
				redisSpans++
			}
		}
		if redisSpans == 0 {
			t.Errorf("%s: no Redis span under its resolver %q; spans: %v", sub, resolvers[0].Name(), names(spans))
		}
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}
