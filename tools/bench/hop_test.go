package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestHopCountsGraphQLPosts checks that the hop passes every request on and counts only
// POSTs to the GraphQL path, concurrent ones included.
func TestHopCountsGraphQLPosts(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.URL.Path]++
		mu.Unlock()
		io.WriteString(w, "answer from "+r.URL.Path)
	}))
	defer sub.Close()
	h, err := newHop(sub.URL+"/graphql", http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, err := serveHop(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(url, "/graphql") || strings.Contains(url, sub.URL) {
		t.Fatalf("hop URL = %q, want its own address with /graphql", url)
	}
	base := strings.TrimSuffix(url, "/graphql")

	const posts = 50
	var wg sync.WaitGroup
	for range posts {
		wg.Go(func() {
			resp, err := http.Post(url, "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "answer from /graphql" {
				t.Errorf("answer through the hop = %q", body)
			}
		})
	}
	wg.Wait()
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/graphql"},        // a GET query does not count: the gateways POST
		{http.MethodGet, "/schema.graphql"}, // the SDL the gateways read at start
		{http.MethodPost, "/other"},         // not the GraphQL path
	} {
		req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	if got := h.count(); got != posts {
		t.Errorf("hop counted %d requests, want %d", got, posts)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]int{"POST /graphql": posts, "GET /graphql": 1, "GET /schema.graphql": 1, "POST /other": 1}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("subgraph saw %d × %s, want %d", seen[k], k, n)
		}
	}
}

// TestHopFailedForward checks that a subgraph that is gone reaches the caller as a 502
// and still counts as a request sent.
func TestHopFailedForward(t *testing.T) {
	sub := httptest.NewServer(http.NotFoundHandler())
	sub.Close()
	h, err := newHop(sub.URL+"/graphql", http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader("{}")))
	if rec.Code != http.StatusBadGateway {
		t.Errorf("status = %d, want 502", rec.Code)
	}
	if h.count() != 1 {
		t.Errorf("count = %d, want 1", h.count())
	}
}
