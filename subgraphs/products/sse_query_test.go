package products

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// TestQueryAsAStream: a query asked for as a GraphQL over SSE stream is answered as one,
// its result then complete, and held to the request timeout like any other query (only
// a subscription's stream passes it): on a Redis that never answers, with a Redis
// timeout far longer than the request timeout, the request times out.
func TestQueryAsAStream(t *testing.T) {
	e := newEnv(t)
	body := sseQuery(t, e.url, `{"query":"{ __typename }"}`)
	if !strings.Contains(body, "event: next\ndata: {\"data\":{\"__typename\":\"Query\"}}") || !strings.Contains(body, "event: complete") {
		t.Errorf("a query as a stream: %q", body)
	}

	rdb, closeRedis, err := subgraph.OpenRedis("redis://"+subgraphtest.Silent(t), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeRedis)
	cfg := config(rdb, "", &fakeOwners{users: map[string]bool{}})
	cfg.Limits.RequestTimeout = 50 * time.Millisecond
	s, err := newService(cfg, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	if body := sseQuery(t, srv.URL, `{"query":"{ products(first: 1) { edges { cursor } } }"}`); !strings.Contains(body, errcode.RequestTimeout) {
		t.Errorf("a query as a stream on a silent Redis: %q, want %s", body, errcode.RequestTimeout)
	}
}

// sseQuery posts body to url's GraphQL path accepting text/event-stream, and returns
// the whole answer.
func sseQuery(t *testing.T, url, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
