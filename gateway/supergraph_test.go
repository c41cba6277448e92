package gateway_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/schema"
)

// The gateway in federation mode starts from its supergraph file alone, and follows the
// file: a valid change is swapped in, an invalid one is refused with a log line while the
// graph it replaced keeps answering.

// countingListener accepts connections, counts them, and closes them at once: a
// subgraph that is down in the way that matters here (nothing answers), which also tells
// whether anyone tried.
type countingListener struct {
	ln       net.Listener
	accepted atomic.Int64
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingListener{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return c
}

func (c *countingListener) url() string { return "http://" + c.ln.Addr().String() + "/graphql" }

// syncLog is a slog destination safe for the gateway's goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// federated starts a gateway on the supergraph file with both of our subgraphs pointed at
// dead (counting) listeners, and returns its endpoint.
func federated(t *testing.T, file string, poll time.Duration, log *syncLog) (endpoint string, users, products *countingListener) {
	t.Helper()
	users, products = newCountingListener(t), newCountingListener(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := gateway.DefaultConfig()
	cfg.Supergraph, cfg.SchemaPollInterval, cfg.Logger = file, poll, slog.New(slog.NewTextHandler(log, nil))
	cfg.Subgraphs = []gateway.Subgraph{
		{Name: "users", URL: users.url()},
		{Name: "products", URL: products.url()},
	}
	_, url := serveGateway(t, ctx, cfg)
	return url, users, products
}

// TestSupergraphStartsWithoutSubgraphs checks that a gateway given a supergraph asks no
// subgraph anything to start: with both down, its first requests, made as soon as New
// returns, answer __typename and introspection, and a subgraph's field answers
// SUBGRAPH_UNAVAILABLE. Only that last request reaches a subgraph.
func TestSupergraphStartsWithoutSubgraphs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "supergraph.graphql")
	if err := os.WriteFile(file, []byte(schema.Supergraph()), 0o644); err != nil {
		t.Fatal(err)
	}
	url, users, products := federated(t, file, time.Hour, &syncLog{})

	exact(t, postTo(t, url, `{ __typename }`, nil), `{"__typename":"Query"}`, `null`)
	exact(t, postTo(t, url, `{ __type(name: "Product") { fields { name } } }`, nil),
		`{"__type":{"fields":[{"name":"id"},{"name":"name"},{"name":"description"},{"name":"price"},{"name":"owner"},{"name":"createdAt"},{"name":"version"}]}}`, `null`)
	if n := users.accepted.Load() + products.accepted.Load(); n != 0 {
		t.Fatalf("the subgraphs were asked %d times before any query needed them", n)
	}

	res := postTo(t, url, `{ product(id: "UHJvZHVjdDox") { name } }`, nil)
	if string(res.Data) != `{"product":null}` || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "SUBGRAPH_UNAVAILABLE" {
		t.Fatalf("a down subgraph's field: data %s, errors %+v; want null and one SUBGRAPH_UNAVAILABLE", res.Data, res.Errors)
	}
	if products.accepted.Load() == 0 {
		t.Fatal("the products field did not reach the products subgraph's address")
	}
}

// TestSupergraphReload checks the file watch: an unreadable or invalid file is refused
// with a log line, the graph it would replace answering on, and a valid change is swapped
// in whole, with no plan of the old graph served after it (the plan cache is keyed by
// generation).
func TestSupergraphReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "supergraph.graphql")
	if err := os.WriteFile(file, []byte(schema.Supergraph()), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &syncLog{}
	url, _, _ := federated(t, file, 5*time.Millisecond, log)

	ours := `{ __type(name: "Query") { fields { name } } }`
	oursAnswer := `{"__type":{"fields":[{"name":"node"},{"name":"product"},{"name":"products"},{"name":"user"},{"name":"users"}]}}`
	exact(t, postTo(t, url, ours, nil), oursAnswer, `null`)
	productsQuery := `{ products(first: 1) { edges { node { name } } } }` // planned and cached now
	if res := postTo(t, url, productsQuery, nil); res.Errors[0].Extensions["code"] != "SUBGRAPH_UNAVAILABLE" {
		t.Fatalf("products before the change: %+v", res.Errors)
	}

	// replace writes the file as an editor or a deploy would: a new file renamed over it.
	replace := func(content string) {
		t.Helper()
		tmp := filepath.Join(dir, "next")
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	waitLog := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(log.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no log line %q; the log:\n%s", want, log.String())
			}
			time.Sleep(time.Millisecond)
		}
	}

	refusals := []struct{ name, content, log string }{
		{"not GraphQL", "type Query {", "supergraph change refused"},
		{"GraphQL but no supergraph", "type Query { a: Int }", "supergraph change refused"},
		{"a join__Graph without a URL", strings.Replace(schema.Supergraph(), `url: "http://`, `nourl: "http://`, 1), "supergraph change refused"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			before := strings.Count(log.String(), r.log)
			replace(r.content)
			deadline := time.Now().Add(10 * time.Second)
			for strings.Count(log.String(), r.log) == before {
				if time.Now().After(deadline) {
					t.Fatalf("no log line %q; the log:\n%s", r.log, log.String())
				}
				time.Sleep(time.Millisecond)
			}
			exact(t, postTo(t, url, ours, nil), oursAnswer, `null`)
		})
	}
	t.Run("removed", func(t *testing.T) {
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		waitLog("supergraph unreadable")
		exact(t, postTo(t, url, ours, nil), oursAnswer, `null`)
	})

	// A valid change: another graph altogether (the authorization tests' one subgraph).
	replace(authzSupergraph)
	waitLog("supergraph reloaded")
	exact(t, postTo(t, url, ours, nil), `{"__type":{"fields":[{"name":"node"},{"name":"public"},{"name":"secret"},{"name":"audit"},{"name":"staff"}]}}`, `null`)
	res := postTo(t, url, productsQuery, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("a query of the old graph after the swap: %+v; want GRAPHQL_VALIDATION_FAILED", res.Errors)
	}
}
