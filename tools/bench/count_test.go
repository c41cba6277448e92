package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestSubgraphRequests reads a subgraph's request counter as its /metrics serves it:
// every operation and outcome summed, products' owner checks left out, other series
// ignored.
func TestSubgraphRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `# HELP fedgraph_subgraph_requests_total GraphQL requests a subgraph answered.
# TYPE fedgraph_subgraph_requests_total counter
fedgraph_subgraph_requests_total{operation="anonymous",outcome="ok",service="users"} 40
fedgraph_subgraph_requests_total{operation="anonymous",outcome="error",service="users"} 2
fedgraph_subgraph_requests_total{operation="Product",outcome="partial",service="users"} 3
fedgraph_subgraph_requests_total{operation="OwnerExists",outcome="ok",service="users"} 500
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 17
`)
	}))
	defer srv.Close()
	n, err := subgraphRequests(context.Background(), srv.Client(), srv.URL)
	if err != nil || n != 45 {
		t.Errorf("subgraphRequests = %d, %v; want 45", n, err)
	}

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer broken.Close()
	if _, err := subgraphRequests(context.Background(), broken.Client(), broken.URL); err == nil {
		t.Error("a failing /metrics: no error")
	}
}
