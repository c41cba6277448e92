package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/products"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// TestOneTraceAcrossTheGraph sends a query with a client's traceparent through the
// gateway and both subgraphs, all recording to one in-memory exporter, and follows the
// parent links: client → gateway request → subgraph call → subgraph request →
// operation → resolver → Redis command, in one trace.
func TestOneTraceAcrossTheGraph(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ur, pr := redistest.Miniredis.New(t), redistest.Miniredis.New(t)
	for _, r := range []redistest.Redis{ur, pr} {
		if err := redisotel.InstrumentTracing(r.Client, redisotel.WithTracerProvider(tp)); err != nil {
			t.Fatal(err)
		}
	}
	ucfg := users.DefaultConfig()
	ucfg.Redis, ucfg.KeyPrefix, ucfg.CursorSecret, ucfg.Tracer = ur.Client, ur.Prefix, "s", tp
	uh, err := users.New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	us := httptest.NewServer(uh)
	defer us.Close()
	owners, _ := products.NewUsersClient(us.URL + "/graphql")
	pcfg := products.DefaultConfig()
	pcfg.Redis, pcfg.KeyPrefix, pcfg.CursorSecret, pcfg.Owners, pcfg.Tracer = pr.Client, pr.Prefix, "s", owners, tp
	ph, err := products.New(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	ps := httptest.NewServer(ph)
	defer ps.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gcfg := gateway.DefaultConfig()
	gcfg.Tracer, gcfg.Subgraphs = tp, []gateway.Subgraph{
		{Name: "users", URL: us.URL + "/graphql"}, {Name: "products", URL: ps.URL + "/graphql"},
	}
	gw, err := gateway.New(ctx, gcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	h, _ := gw.Handler()
	gs := httptest.NewServer(h)
	defer gs.Close()
	g := &graph{url: gs.URL + "/graphql"}
	ada := g.createUser(t, "Ada", "ada@example.com")
	pid := g.createProduct(t, "Engine", "1", "USD", ada)
	before := len(rec.Ended()) // the seeding's spans are not this test's

	const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	body, _ := json.Marshal(map[string]any{"query": `query ProductWithOwner($id: ID!) { product(id: $id) { name owner { name } } }`, "variables": map[string]any{"id": pid}})
	req, _ := http.NewRequest(http.MethodPost, g.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+clientTrace+"-"+clientSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

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
