package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/metrics"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// TestMetrics runs a few queries, then scrapes /metrics as Prometheus would and looks
// for the series each should have left, with their labels.
func TestMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Metrics = reg })
	ada := g.createUser(t, "Ada", "ada@example.com")
	g.createProduct(t, "Engine", "1", "USD", ada)
	for range 3 {
		g.post(t, `query ProductsWithOwners { products(first: 5) { edges { node { name owner { name } } } } }`, nil)
	}
	postOp(t, g, `query Broken { nope }`, "Broken", nil)                         // refused: labelled by its operationName
	g.post(t, `query Partial { user(id: "bad") { name } }`, nil)                 // partial: a null user and an error
	g.post(t, `query NullRoot { users(first: 0) { edges { cursor } } }`, nil)    // error: non-null root null
	g.post(t, `query Good { users(first: 1) { edges { node { name } } } }`, nil) // ok
	restore := g.users.inject(hangUp)
	g.post(t, `query Down { products(first: 1) { edges { node { owner { name } } } } }`, nil) // partial
	restore()

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		`fedgraph_gateway_requests_total{operation="ProductsWithOwners",outcome="ok"} 3`,
		`fedgraph_gateway_requests_total{operation="Broken",outcome="refused"} 1`,
		`fedgraph_gateway_requests_total{operation="Good",outcome="ok"} 1`,
		`fedgraph_gateway_requests_total{operation="Partial",outcome="partial"} 1`,
		`fedgraph_gateway_requests_total{operation="NullRoot",outcome="error"} 1`,
		`fedgraph_gateway_requests_total{operation="Down",outcome="partial"} 1`,
		`fedgraph_gateway_request_duration_seconds_count{operation="ProductsWithOwners"} 3`,
		`fedgraph_gateway_subgraph_requests_total{outcome="ok",subgraph="products"}`,
		`fedgraph_gateway_subgraph_requests_total{outcome="ok",subgraph="users"}`,
		`fedgraph_gateway_subgraph_requests_total{outcome="unavailable",subgraph="users"} 1`,
		`fedgraph_gateway_subgraph_requests_total{outcome="graphql_errors",subgraph="users"}`,
		`fedgraph_gateway_subgraph_request_duration_seconds_bucket{subgraph="users",le="+Inf"}`,
		`fedgraph_gateway_subgraph_breaker_state{subgraph="users"} 0`,
		`fedgraph_gateway_subgraph_schema_loaded{subgraph="products"} 1`,
		`fedgraph_gateway_schema_generation 1`,
		`fedgraph_gateway_plan_cache_lookups_total{result="hit"}`,
		`fedgraph_gateway_plan_cache_lookups_total{result="miss"}`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("scraped:\n%s", grepLines(text, "fedgraph_"))
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
