package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// startGraph runs the whole graph as `make run` does, on free ports, seeded, and
// returns the gateway's GraphQL URL; the graph stops when the test ends.
func startGraph(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen-addr", "127.0.0.1:0", "-users-addr", "127.0.0.1:0", "-products-addr", "127.0.0.1:0"},
			func(string) string { return "" }, w)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v", err)
		}
	})
	// run prints the gateway's URL once the graph is seeded and serving.
	var gateway string
	lines := bufio.NewScanner(out)
	for gateway == "" && lines.Scan() {
		if url, ok := strings.CutPrefix(lines.Text(), "gateway"); ok {
			gateway = strings.TrimSpace(url)
		}
	}
	if gateway == "" {
		t.Fatalf("no gateway URL printed (%v)", lines.Err())
	}
	go io.Copy(io.Discard, out)
	return gateway
}

// TestDeletingAUserDeletesTheirProducts deletes a seeded user through the gateway: the
// products subgraph's consumer, wired to the users subgraph's embedded Redis, deletes
// their products.
func TestDeletingAUserDeletesTheirProducts(t *testing.T) {
	gateway := startGraph(t)
	var d struct {
		Users struct {
			Edges []struct {
				Node struct {
					ID       string
					Products struct{ Edges []struct{ Cursor string } }
				}
			}
		}
	}
	subgraphtest.Post(t, gateway, subgraphtest.Request{Query: `{ users(first: 1) { edges { node { id products { edges { cursor } } } } } }`}).Decode(t, &d)
	if len(d.Users.Edges) != 1 || len(d.Users.Edges[0].Node.Products.Edges) == 0 {
		t.Fatalf("seeded data: %+v, want a user with products", d)
	}
	ada := d.Users.Edges[0].Node.ID
	subgraphtest.Post(t, gateway, subgraphtest.Request{Query: `mutation($id: ID!) { deleteUser(id: $id) }`, Variables: map[string]any{"id": ada}}).Decode(t, &struct{}{})
	subgraphtest.Eventually(t, "delete the deleted user's products", func() error {
		var p struct {
			Products struct{ Edges []struct{ Cursor string } }
		}
		subgraphtest.Post(t, gateway, subgraphtest.Request{Query: `query($o: ID!) { products(ownerId: $o) { edges { cursor } } }`, Variables: map[string]any{"o": ada}}).Decode(t, &p)
		if n := len(p.Products.Edges); n > 0 {
			return fmt.Errorf("%d products left", n)
		}
		return nil
	})
}

// TestIdempotencyKeyThroughTheGateway sends a mutation with two aliased creates and an
// Idempotency-Key header through the gateway, twice: the gateway forwards the key, each
// create is its own under it, and the retry answers the same two users.
func TestIdempotencyKeyThroughTheGateway(t *testing.T) {
	gateway := startGraph(t)
	req := subgraphtest.Request{
		Query:  `mutation { a: createUser(input: {name: "A", email: "a@example.org"}) { id } b: createUser(input: {name: "B", email: "b@example.org"}) { id } }`,
		Header: http.Header{"Idempotency-Key": {"retry-me"}},
	}
	var first, again struct{ A, B struct{ ID string } }
	subgraphtest.Post(t, gateway, req).Decode(t, &first)
	subgraphtest.Post(t, gateway, req).Decode(t, &again)
	if first.A.ID == "" || first.A.ID == first.B.ID || again != first {
		t.Errorf("first %+v, retry %+v: want two users, the same both times", first, again)
	}
}
