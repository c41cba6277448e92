package users_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/metrics"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// TestMetrics runs a few operations against the users subgraph and scrapes its series.
func TestMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	r := redistest.Miniredis.New(t)
	cfg := config(r.Client, r.Prefix)
	cfg.Metrics = reg
	h, err := users.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := srv.URL + "/graphql"
	graphqltest.Post(t, url, graphqltest.Request{Query: `mutation Create { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`})
	graphqltest.Post(t, url, graphqltest.Request{Query: `query List { users(first: 2) { edges { cursor } } }`})
	graphqltest.Post(t, url, graphqltest.Request{Query: `query Bad { users(first: 0) { edges { cursor } } }`})

	ms := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer ms.Close()
	resp, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`fedgraph_subgraph_requests_total{operation="Create",outcome="ok",service="users"} 1`,
		`fedgraph_subgraph_requests_total{operation="List",outcome="ok",service="users"} 1`,
		`fedgraph_subgraph_requests_total{operation="Bad",outcome="error",service="users"} 1`,
		`fedgraph_subgraph_request_duration_seconds_count{operation="List",service="users"} 1`,
		`fedgraph_subgraph_redis_pool_connections{service="users",state="total"}`,
		`fedgraph_subgraph_redis_pool_events_total{event="hit",service="users"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
