package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// devgraph is the graph as `make run` starts it: the gateway's GraphQL URL and the
// tokens it printed.
type devgraph struct {
	gateway, playground string
	ada, admin          string // tokens; empty with -auth=false
}

// startGraph runs the whole graph as `make run` does, on free ports, seeded, with extra
// flags, and returns what it printed; the graph stops when the test ends.
func startGraph(t *testing.T, extra ...string) devgraph {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen-addr", "127.0.0.1:0", "-users-addr", "127.0.0.1:0", "-products-addr", "127.0.0.1:0"}, extra...),
			func(string) string { return "" }, w)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v", err)
		}
	})
	// run prints the gateway's URL last, once the graph is seeded and serving.
	var d devgraph
	lines := bufio.NewScanner(out)
	lines.Buffer(nil, 1<<20)
	for d.gateway == "" && lines.Scan() {
		line := lines.Text()
		field := func(prefix string) (string, bool) {
			v, ok := strings.CutPrefix(line, prefix)
			return strings.TrimSpace(v), ok
		}
		if v, ok := field("gateway"); ok {
			d.gateway = v
		} else if v, ok := field("playground"); ok {
			d.playground = v
		} else if v, ok := field("token (Ada, 24h)"); ok {
			d.ada = v
		} else if v, ok := field("token (admin, 24h)"); ok {
			d.admin = v
		}
	}
	if d.gateway == "" {
		t.Fatalf("no gateway URL printed (%v)", lines.Err())
	}
	go io.Copy(io.Discard, out)
	return d
}

// bearer is an Authorization header with token.
func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// TestDeletingAUserDeletesTheirProducts deletes a seeded user through the gateway: the
// products subgraph's consumer, wired to the users subgraph's embedded Redis, deletes
// their products.
func TestDeletingAUserDeletesTheirProducts(t *testing.T) {
	dg := startGraph(t)
	gateway := dg.gateway
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
	graphqltest.Post(t, gateway, graphqltest.Request{Query: `{ users(first: 1) { edges { node { id products { edges { cursor } } } } } }`}).Decode(t, &d)
	if len(d.Users.Edges) != 1 || len(d.Users.Edges[0].Node.Products.Edges) == 0 {
		t.Fatalf("seeded data: %+v, want a user with products", d)
	}
	ada := d.Users.Edges[0].Node.ID
	graphqltest.Post(t, gateway, graphqltest.Request{Query: `mutation($id: ID!) { deleteUser(id: $id) }`, Variables: map[string]any{"id": ada}, Header: bearer(dg.admin)}).Decode(t, &struct{}{})
	subgraphtest.Eventually(t, "delete the deleted user's products", func() error {
		var p struct {
			Products struct{ Edges []struct{ Cursor string } }
		}
		graphqltest.Post(t, gateway, graphqltest.Request{Query: `query($o: ID!) { products(ownerId: $o) { edges { cursor } } }`, Variables: map[string]any{"o": ada}}).Decode(t, &p)
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
	dg := startGraph(t)
	gateway := dg.gateway
	req := graphqltest.Request{
		Query:  `mutation { a: createUser(input: {name: "A", email: "a@example.org"}) { id } b: createUser(input: {name: "B", email: "b@example.org"}) { id } }`,
		Header: http.Header{"Idempotency-Key": {"retry-me"}, "Authorization": {"Bearer " + dg.admin}},
	}
	var first, again struct{ A, B struct{ ID string } }
	graphqltest.Post(t, gateway, req).Decode(t, &first)
	graphqltest.Post(t, gateway, req).Decode(t, &again)
	if first.A.ID == "" || first.A.ID == first.B.ID || again != first {
		t.Errorf("first %+v, retry %+v: want two users, the same both times", first, again)
	}
}

// TestDevelopmentTokens checks what `make run` promises: every service verifies tokens
// against its development key, the printed tokens are Ada's and an admin's, the write
// rules hold through the gateway and at a subgraph reached directly, and the
// playground's headers editor starts with Ada's token.
func TestDevelopmentTokens(t *testing.T) {
	dg := startGraph(t)
	if dg.ada == "" || dg.admin == "" {
		t.Fatalf("printed tokens: Ada %q, admin %q; want both", dg.ada, dg.admin)
	}
	var users struct {
		Users struct {
			Edges []struct {
				Node struct{ ID, Name, Email string }
			}
		}
	}
	graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: `{ users(first: 10) { edges { node { id name email } } } }`}).Decode(t, &users)
	ids := map[string]string{}
	for _, e := range users.Users.Edges {
		ids[e.Node.Email] = e.Node.ID
	}
	ada, grace := ids["ada@example.com"], ids["grace@example.com"]
	if ada == "" || grace == "" {
		t.Fatalf("seeded users %+v: want Ada and Grace", users)
	}
	rename := `mutation($id: ID!, $name: String!) { updateUser(id: $id, input: {name: $name}) { name } }`
	nameOf := func(id string) string {
		var d struct{ User struct{ Name string } }
		graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: `query($id: ID!) { user(id: $id) { name } }`, Variables: map[string]any{"id": id}}).Decode(t, &d)
		return d.User.Name
	}

	// Anonymous writes are refused, and so is Ada's write to Grace; nothing changes.
	if code := graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: rename, Variables: map[string]any{"id": ada, "name": "Anonymous"}}).Code(t); code != "UNAUTHENTICATED" {
		t.Errorf("anonymous updateUser: code %q, want UNAUTHENTICATED", code)
	}
	if code := graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: rename, Variables: map[string]any{"id": grace, "name": "Not Grace"}, Header: bearer(dg.ada)}).Code(t); code != "FORBIDDEN" {
		t.Errorf("Ada's updateUser of Grace: code %q, want FORBIDDEN", code)
	}
	if n := nameOf(grace); n != "Grace Hopper" {
		t.Errorf("Grace's name after refusals: %q", n)
	}
	// Ada's token is Ada's: she may rename herself; the admin token may rename anyone.
	graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: rename, Variables: map[string]any{"id": ada, "name": "Ada King"}, Header: bearer(dg.ada)}).Decode(t, &struct{}{})
	graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: rename, Variables: map[string]any{"id": grace, "name": "Rear Admiral Hopper"}, Header: bearer(dg.admin)}).Decode(t, &struct{}{})
	if a, g := nameOf(ada), nameOf(grace); a != "Ada King" || g != "Rear Admiral Hopper" {
		t.Errorf("names after allowed writes: Ada %q, Grace %q", a, g)
	}

	// A token not signed by the development key is refused with 401 by the gateway.
	forged := dg.ada[:len(dg.ada)-4] + "AAAA"
	if r := graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: `{ users(first: 1) { edges { cursor } } }`, Header: bearer(forged)}); r.Status != http.StatusUnauthorized || r.Code(t) != "UNAUTHENTICATED" {
		t.Errorf("forged token: status %d, errors %+v; want 401 UNAUTHENTICATED", r.Status, r.Errors)
	}

	// The playground page carries Ada's token for GraphiQL's headers editor.
	resp, err := http.Get(dg.playground)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "data-default-headers") || !strings.Contains(string(page), "Bearer "+dg.ada) {
		t.Errorf("playground page does not prefill Ada's token:\n%s", page)
	}
}

// TestAuthenticationOff checks -auth=false: no token printed, and writes need none.
func TestAuthenticationOff(t *testing.T) {
	dg := startGraph(t, "-auth=false")
	if dg.ada != "" || dg.admin != "" {
		t.Errorf("tokens printed with -auth=false: %q, %q", dg.ada, dg.admin)
	}
	var d struct{ CreateUser struct{ ID string } }
	graphqltest.Post(t, dg.gateway, graphqltest.Request{Query: `mutation { createUser(input: {name: "Anyone", email: "anyone@example.org"}) { id } }`}).Decode(t, &d)
	if d.CreateUser.ID == "" {
		t.Error("anonymous createUser with -auth=false: no id")
	}
}

// TestFederation runs the graph with -federation: the gateway plans over the composed
// supergraph, and answers a product with its owner, and a user with their products.
func TestFederation(t *testing.T) {
	dg := startGraph(t, "-federation", "-auth=false")
	var d struct {
		Products struct {
			Edges []struct {
				Node struct {
					Name  string
					Owner struct {
						Name     string
						Products struct {
							Edges []struct{ Node struct{ Name string } }
						}
					}
				}
			}
		}
	}
	r := graphqltest.Post(t, dg.gateway, graphqltest.Request{
		Query: `{ products(first: 1) { edges { node { name owner { name products(first: 5) { edges { node { name } } } } } } } }`})
	r.Decode(t, &d)
	if len(d.Products.Edges) != 1 {
		t.Fatalf("got %d products, want 1", len(d.Products.Edges))
	}
	n := d.Products.Edges[0].Node
	if n.Owner.Name == "" || len(n.Owner.Products.Edges) == 0 {
		t.Errorf("product %q: owner %+v, want a name and their products", n.Name, n.Owner)
	}
	found := false
	for _, e := range n.Owner.Products.Edges {
		found = found || e.Node.Name == n.Name
	}
	if !found {
		t.Errorf("owner %q's products %+v lack %q", n.Owner.Name, n.Owner.Products.Edges, n.Name)
	}
}
