package products

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// serveAuthenticated serves products with authentication on, over real HTTP, with a
// fake users subgraph that knows only the owners added to it; it returns the issuer of
// accepted tokens, the products Redis and the GraphQL URL.
func serveAuthenticated(t *testing.T) (subgraphtest.Auth, redistest.Redis, *fakeOwners, string) {
	t.Helper()
	a := subgraphtest.NewAuth(t)
	r := redistest.New(t)
	owners := &fakeOwners{users: map[string]bool{}}
	cfg := config(r.Client, r.Prefix, owners)
	cfg.Verifier = a.Verifier
	s, err := NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return a, r, owners, srv.URL + "/graphql"
}

// TestWriteRules checks, over real HTTP with authentication on, who may write products:
// a user creates, updates and deletes only products they own, an admin anyone's, an
// anonymous caller nothing. Every refusal leaves the store as it was, and a refused
// create does not even ask the users subgraph about the owner. Reads stay anonymous.
func TestWriteRules(t *testing.T) {
	a, r, owners, url := serveAuthenticated(t)

	ada, bob := relay.NewID("User"), relay.NewID("User")
	owners.add(ada)
	owners.add(bob)
	input := func(owner string) map[string]any {
		return map[string]any{"input": map[string]any{"name": "Thing", "ownerId": owner, "price": map[string]any{"amount": "1.00", "currencyCode": "EUR"}}}
	}
	post := func(h http.Header, query string, vars map[string]any) graphqltest.Response {
		return graphqltest.Post(t, url, graphqltest.Request{Query: query, Variables: vars, Header: h})
	}
	create := func(h http.Header, owner string) string {
		var d struct{ CreateProduct product }
		post(h, createMutation, input(owner)).Decode(t, &d)
		return d.CreateProduct.ID
	}
	asAda, asBob := a.As(ada), a.As(bob)
	adas := create(asAda, ada)
	bobs := create(a.Admin(), bob) // an admin creates for anyone
	const (
		update = `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Renamed"}) { id name } }`
		del    = `mutation($id: ID!) { deleteProduct(id: $id) }`
	)
	missing := relay.NewID("Product")

	refused := []struct {
		name  string
		h     http.Header
		query string
		vars  map[string]any
		code  string
	}{
		{"anonymous create", nil, createMutation, input(ada), "UNAUTHENTICATED"},
		{"create for another owner", asAda, createMutation, input(bob), "FORBIDDEN"},
		{"anonymous update", nil, update, map[string]any{"id": adas}, "UNAUTHENTICATED"},
		{"update another's product", asBob, update, map[string]any{"id": adas}, "FORBIDDEN"},
		{"anonymous delete", nil, del, map[string]any{"id": adas}, "UNAUTHENTICATED"},
		{"delete another's product", asAda, del, map[string]any{"id": bobs}, "FORBIDDEN"},
		{"update a product that does not exist", asAda, update, map[string]any{"id": missing}, "NOT_FOUND"},
		{"anonymous delete of a product that does not exist", nil, del, map[string]any{"id": missing}, "UNAUTHENTICATED"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			before, calls := r.Dump(t), owners.callCount()
			resp := post(c.h, c.query, c.vars)
			if got := resp.Code(t); got != c.code {
				t.Errorf("code %q, want %q: %s", got, c.code, resp.Raw)
			}
			if d := subgraphtest.Diff(before, r.Dump(t)); len(d) > 0 {
				t.Errorf("a refused write changed the store: %v", d)
			}
			if owners.callCount() != calls {
				t.Errorf("a refused write asked the users subgraph about the owner")
			}
		})
	}

	for _, c := range []struct {
		name  string
		h     http.Header
		query string
		vars  map[string]any
	}{
		{"an owner updates their product", asAda, update, map[string]any{"id": adas}},
		{"an admin updates anyone's", a.Admin(), update, map[string]any{"id": bobs}},
		{"an anonymous read", nil, `query($id: ID!) { product(id: $id) { name owner { id } } }`, map[string]any{"id": adas}},
		{"an owner deletes their product", asAda, del, map[string]any{"id": adas}},
		{"an admin deletes anyone's", a.Admin(), del, map[string]any{"id": bobs}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if resp := post(c.h, c.query, c.vars); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
				t.Fatalf("status %d: %s", resp.Status, resp.Raw)
			}
		})
	}
	var left struct{ Products struct{ Edges []any } }
	post(nil, `{ products(first: 5) { edges { cursor } } }`, nil).Decode(t, &left)
	if len(left.Products.Edges) != 0 {
		t.Errorf("%d products left after both were deleted", len(left.Products.Edges))
	}

	t.Run("a forged token", func(t *testing.T) {
		forger := subgraphtest.NewAuth(t)
		forger.Issuer.Issuer, forger.Issuer.Audience = a.Issuer.Issuer, a.Issuer.Audience
		before := r.Dump(t)
		resp := post(forger.Admin(), createMutation, input(ada))
		if resp.Status != http.StatusUnauthorized || resp.Code(t) != "UNAUTHENTICATED" {
			t.Errorf("status %d code %q, want 401 UNAUTHENTICATED", resp.Status, resp.Code(t))
		}
		if d := subgraphtest.Diff(before, r.Dump(t)); len(d) > 0 {
			t.Errorf("a forged token changed the store: %v", d)
		}
	})
}

// TestIdempotencyKeysPerCaller checks, with authentication on, that idempotency keys
// are each caller's own: Bob reusing the key Ada used, in the input or in the header,
// creates his own product as if the key were new (he neither learns that it exists
// nor is refused), while Ada reusing her key still replays her create with the same
// input and is refused IDEMPOTENCY_KEY_REUSED with other input.
func TestIdempotencyKeysPerCaller(t *testing.T) {
	a, _, owners, url := serveAuthenticated(t)
	ada, bob := relay.NewID("User"), relay.NewID("User")
	owners.add(ada)
	owners.add(bob)
	const keyed = `mutation($in: CreateProductInput!) { createProduct(input: $in) { id ownerId: owner { id } } }`
	for _, via := range []string{"input", "header"} {
		t.Run(via, func(t *testing.T) {
			key := "order-" + via
			send := func(as http.Header, owner, name string) graphqltest.Response {
				in := map[string]any{"name": name, "ownerId": owner, "price": map[string]any{"amount": "1.00", "currencyCode": "EUR"}}
				h := http.Header{}
				for k, v := range as {
					h[k] = v
				}
				if via == "input" {
					in["idempotencyKey"] = key
				} else {
					h.Set(subgraph.IdempotencyHeader, key)
				}
				return graphqltest.Post(t, url, graphqltest.Request{Query: keyed, Variables: map[string]any{"in": in}, Header: h})
			}
			id := func(r graphqltest.Response) string {
				t.Helper()
				var d struct{ CreateProduct struct{ ID string } }
				r.Decode(t, &d)
				return d.CreateProduct.ID
			}
			adas := id(send(a.As(ada), ada, "Lamp"))
			bobs := id(send(a.As(bob), bob, "Chair"))
			if adas == "" || bobs == "" || adas == bobs {
				t.Fatalf("Ada's create %q, Bob's with her key %q: want two products", adas, bobs)
			}
			if got := id(send(a.As(ada), ada, "Lamp")); got != adas {
				t.Errorf("Ada's retry answered %s, want her first create's %s", got, adas)
			}
			if got := id(send(a.As(bob), bob, "Chair")); got != bobs {
				t.Errorf("Bob's retry answered %s, want his first create's %s", got, bobs)
			}
			if r := send(a.As(ada), ada, "Sofa"); codeOf(r) != errcode.IdempotencyKeyReused {
				t.Errorf("Ada's key with other input: %s, want IDEMPOTENCY_KEY_REUSED", r.Raw)
			}
			// An admin is a caller of its own too: Ada's key is new to them.
			if got := id(send(a.Admin(), ada, "Lamp")); got == "" || got == adas {
				t.Errorf("an admin's create with Ada's key and input answered %q, want a product of its own", got)
			}
		})
	}
}
