package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// seed makes 20 users and 120 products whose owners repeat unevenly, and returns their
// ids in creation order.
func seed(t testing.TB, g *graph) (users, products []string) {
	t.Helper()
	for i := range 20 {
		users = append(users, g.createUser(t, fmt.Sprintf("User %02d", i), fmt.Sprintf("u%02d@example.com", i)))
	}
	for i := range 120 {
		products = append(products, g.createProduct(t, fmt.Sprintf("Product %03d", i), "1.00", "USD", users[(i*i)%17]))
	}
	return users, products
}

// TestOneRequestPerSubgraphPerStep counts, for each shape of query, the requests each
// subgraph gets and the Redis round trips each store makes: one request per subgraph per
// plan step, whatever the number of items, and one round trip per request, or two where
// it reads pages (hashstore.Pages: the lists' ranges, then their records).
func TestOneRequestPerSubgraphPerStep(t *testing.T) {
	forEachBackend(t, oneRequestPerSubgraphPerStep)
}

// TestOneRequestPerSubgraphPerStepFederated counts the same in federation mode, where
// every dependent step is an _entities lookup planned by the gateway's own planner: the
// same counts.
func TestOneRequestPerSubgraphPerStepFederated(t *testing.T) {
	oneRequestPerSubgraphPerStep(t, startGraph(t, redistest.Miniredis, withFederation(t)))
}

func oneRequestPerSubgraphPerStep(t *testing.T, g *graph) {
	{
		users, products := seed(t, g)
		tests := []struct {
			name  string
			query string
			vars  map[string]any
			// check looks at the data; counts are requests and round trips per subgraph.
			check                   func(t *testing.T, data json.RawMessage)
			usersReqs, productsReqs int64
			usersRTs, productsRTs   int64
		}{
			{
				name:  "100 products with owners",
				query: `{ products(first: 100) { edges { node { id name owner { id name } } } } }`,
				check: func(t *testing.T, data json.RawMessage) {
					var d struct {
						Products struct {
							Edges []struct {
								Node struct {
									Name  string
									Owner struct{ ID, Name string }
								}
							}
						}
					}
					mustDecode(t, data, &d)
					if len(d.Products.Edges) != 100 {
						t.Fatalf("got %d products, want 100", len(d.Products.Edges))
					}
					for i, e := range d.Products.Edges {
						if want := fmt.Sprintf("User %02d", (i*i)%17); e.Node.Owner.Name != want || e.Node.Owner.ID != users[(i*i)%17] {
							t.Fatalf("product %d: owner %+v, want %s", i, e.Node.Owner, want)
						}
					}
				},
				usersReqs: 1, productsReqs: 1, usersRTs: 1, productsRTs: 2,
			},
			{
				name:  "a user with 50 products",
				query: `query($id: ID!) { user(id: $id) { name products(first: 50) { edges { node { id name } } } } }`,
				vars:  map[string]any{"id": users[1]},
				check: func(t *testing.T, data json.RawMessage) {
					var d struct {
						User struct {
							Name     string
							Products struct{ Edges []any }
						}
					}
					mustDecode(t, data, &d)
					// Owner 1 is (i*i)%17 == 1 for i ≡ ±1 (mod 17): 14 of the 120.
					if d.User.Name != "User 01" || len(d.User.Products.Edges) != 14 {
						t.Fatalf("got %s with %d products, want User 01 with 14", d.User.Name, len(d.User.Products.Edges))
					}
				},
				usersReqs: 1, productsReqs: 1, usersRTs: 1, productsRTs: 2,
			},
			{
				name:  "nested steps: user, their products, each product's owner",
				query: `query($id: ID!) { user(id: $id) { name products(first: 5) { edges { node { name owner { name email } } } } } }`,
				vars:  map[string]any{"id": users[4]},
				check: func(t *testing.T, data json.RawMessage) {
					var d struct {
						User struct {
							Products struct {
								Edges []struct {
									Node struct{ Owner struct{ Name, Email string } }
								}
							}
						}
					}
					mustDecode(t, data, &d)
					if len(d.User.Products.Edges) != 5 {
						t.Fatalf("got %d products, want 5", len(d.User.Products.Edges))
					}
					for _, e := range d.User.Products.Edges {
						if e.Node.Owner.Name != "User 04" || e.Node.Owner.Email != "u04@example.com" {
							t.Fatalf("owner %+v, want User 04", e.Node.Owner)
						}
					}
				},
				usersReqs: 2, productsReqs: 1, usersRTs: 2, productsRTs: 2,
			},
			{
				name: "aliases sharing fragments",
				query: `query($a: ID!, $b: ID!, $c: ID!) { a: product(id: $a) { ...P } b: product(id: $b) { ...P } c: product(id: $c) { owner { ...U } } }
					fragment P on Product { id title: name owner { ...U } } fragment U on User { who: name email }`,
				vars: map[string]any{"a": products[1], "b": products[2], "c": products[3]},
				check: func(t *testing.T, data json.RawMessage) {
					want := fmt.Sprintf(`{"a":{"id":%q,"title":"Product 001","owner":{"who":"User 01","email":"u01@example.com"}},`+
						`"b":{"id":%q,"title":"Product 002","owner":{"who":"User 04","email":"u04@example.com"}},`+
						`"c":{"owner":{"who":"User 09","email":"u09@example.com"}}}`, products[1], products[2])
					if string(data) != want {
						t.Fatalf("data:\n got %s\nwant %s", data, want)
					}
				},
				usersReqs: 1, productsReqs: 1, usersRTs: 1, productsRTs: 1,
			},
			{
				name:  "20 users with their products",
				query: `{ users(first: 20) { edges { node { name products(first: 3) { edges { node { name } } } } } } }`,
				check: func(t *testing.T, data json.RawMessage) {
					var d struct {
						Users struct {
							Edges []struct {
								Node struct {
									Name     string
									Products struct{ Edges []any }
								}
							}
						}
					}
					mustDecode(t, data, &d)
					if len(d.Users.Edges) != 20 {
						t.Fatalf("got %d users, want 20", len(d.Users.Edges))
					}
					if n := len(d.Users.Edges[0].Node.Products.Edges); n != 3 {
						t.Fatalf("User 00 has %d products, want 3", n)
					}
					if n := len(d.Users.Edges[19].Node.Products.Edges); n != 0 {
						t.Fatalf("User 19 has %d products, want 0", n)
					}
				},
				usersReqs: 1, productsReqs: 1, usersRTs: 2, productsRTs: 2,
			},
			{
				name:  "node for each type",
				query: `query($u: ID!, $p: ID!) { u: node(id: $u) { ... on User { name } } p: node(id: $p) { ... on Product { name owner { name } } } }`,
				vars:  map[string]any{"u": users[2], "p": products[2]},
				check: func(t *testing.T, data json.RawMessage) {
					if want := `{"u":{"name":"User 02"},"p":{"name":"Product 002","owner":{"name":"User 04"}}}`; string(data) != want {
						t.Fatalf("data:\n got %s\nwant %s", data, want)
					}
				},
				// users: the root user lookup and the owner's, in two plan steps.
				usersReqs: 2, productsReqs: 1, usersRTs: 2, productsRTs: 1,
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// A Lua script's first run on a server costs one more round trip
				// (EVALSHA answered NOSCRIPT, then EVAL); count the steady state.
				g.post(t, tt.query, tt.vars)
				g.users.requests.Store(0)
				g.products.requests.Store(0)
				g.usersRedis.RoundTrips.Store(0)
				g.productsRedis.RoundTrips.Store(0)
				r := g.post(t, tt.query, tt.vars)
				if len(r.Errors) > 0 {
					t.Fatalf("errors: %+v", r.Errors)
				}
				tt.check(t, r.Data)
				got := []int64{g.users.requests.Load(), g.products.requests.Load(), g.usersRedis.RoundTrips.Load(), g.productsRedis.RoundTrips.Load()}
				want := []int64{tt.usersReqs, tt.productsReqs, tt.usersRTs, tt.productsRTs}
				if !slices.Equal(got, want) {
					t.Errorf("users requests, products requests, users round trips, products round trips:\n got %v\nwant %v", got, want)
				}
			})
		}
	}
}

func mustDecode(t *testing.T, data json.RawMessage, out any) {
	t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// TestMutationsRunInDocumentOrder checks that root mutation fields run one after the
// other, in document order, each with its own selections resolved before the next
// starts; nautilus groups them by subgraph and runs the groups in parallel.
func TestMutationsRunInDocumentOrder(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	ada := g.createUser(t, "Ada", "ada@example.com")
	g.log.take()
	// p's owner is read after a renamed Ada and before b renames her again.
	exact(t, g.post(t, `mutation($ada: ID!) {
		a: updateUser(id: $ada, input: {name: "Ada 1"}) { name }
		p: createProduct(input: {name: "Engine", price: {amount: "1", currencyCode: USD}, ownerId: $ada}) { name owner { name } }
		b: updateUser(id: $ada, input: {name: "Ada 2"}) { name }
	}`, map[string]any{"ada": ada}),
		`{"a":{"name":"Ada 1"},"p":{"name":"Engine","owner":{"name":"Ada 1"}},"b":{"name":"Ada 2"}}`, `null`)
	// a; p, during which products asks users whether the owner exists; p's owner; b.
	if got, want := g.log.take(), []string{"users", "products", "users", "users", "users"}; !slices.Equal(got, want) {
		t.Errorf("subgraph requests in order: got %v, want %v", got, want)
	}
	// The user is gone before the product is created: its owner is unknown.
	exact(t, g.post(t, `mutation($ada: ID!) {
		d: deleteUser(id: $ada)
		q: createProduct(input: {name: "Loom", price: {amount: "1", currencyCode: USD}, ownerId: $ada}) { name }
	}`, map[string]any{"ada": ada}),
		`null`, `[{"message":"no user with id \"`+ada+`\"","path":["q"],"extensions":{"code":"BAD_USER_INPUT","subgraph":"products"}}]`)
}

// TestLookupsSplitBeyondMaxBatch checks that a step with more distinct ids than
// MaxBatch is sent as several requests of at most MaxBatch lookups, and answers whole.
func TestLookupsSplitBeyondMaxBatch(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.MaxBatch = 3 })
	users, _ := seed(t, g)
	// The first 17 products have owners (i*i)%17 for i < 17: 9 distinct, so 3 requests.
	g.users.requests.Store(0)
	var d struct {
		Products struct {
			Edges []struct {
				Node struct{ Owner struct{ ID, Name string } }
			}
		}
	}
	g.must(t, `{ products(first: 17) { edges { node { owner { id name } } } } }`, nil, &d)
	for i, e := range d.Products.Edges {
		if o := e.Node.Owner; o.ID != users[(i*i)%17] || o.Name != fmt.Sprintf("User %02d", (i*i)%17) {
			t.Fatalf("product %d: owner %+v", i, o)
		}
	}
	if n := g.users.requests.Load(); n != 3 {
		t.Errorf("users requests: got %d, want 3 (9 distinct owners, at most 3 per request)", n)
	}
}

// TestFederatedKeyFromClientField checks, in federation mode, what the products subgraph
// is asked for each owner, whose name users resolves by the owner's key: where the
// client asks the owner's id itself, that field carries the key and no second, aliased
// id is asked; where it does not, the planner asks the id under its own alias, which
// stays out of the answer. Neither asks the owner's typename, which is the field's type.
// Both answer the right owners.
func TestFederatedKeyFromClientField(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, withFederation(t))
	users, _ := seed(t, g)
	var mu sync.Mutex
	var asked []string
	restore := g.products.inject(func(w http.ResponseWriter, r *http.Request, body []byte) {
		mu.Lock()
		asked = append(asked, string(body))
		mu.Unlock()
		g.products.next.ServeHTTP(w, withBody(r, body))
	})
	t.Cleanup(restore)
	for _, tt := range []struct {
		name, owner string
		aliased     bool // products is asked for the owner's id under the planner's alias
		want        func(i int) string
	}{
		{"the client asks the id", "owner { id name }", false, func(i int) string {
			return fmt.Sprintf(`{"id":%q,"name":"User %02d"}`, users[(i*i)%17], (i*i)%17)
		}},
		{"the client does not", "owner { name }", true, func(i int) string {
			return fmt.Sprintf(`{"name":"User %02d"}`, (i*i)%17)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			asked = nil
			mu.Unlock()
			r := g.post(t, `{ products(first: 5) { edges { node { `+tt.owner+` } } } }`, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			var d struct {
				Products struct {
					Edges []struct {
						Node struct{ Owner json.RawMessage }
					}
				}
			}
			mustDecode(t, r.Data, &d)
			if len(d.Products.Edges) != 5 {
				t.Fatalf("got %d products, want 5", len(d.Products.Edges))
			}
			for i, e := range d.Products.Edges {
				if got, want := string(e.Node.Owner), tt.want(i); got != want {
					t.Errorf("product %d: owner %s, want %s", i, got, want)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(asked) != 1 {
				t.Fatalf("products was asked %d times, want once: %q", len(asked), asked)
			}
			var req struct{ Query string }
			if err := json.Unmarshal([]byte(asked[0]), &req); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(req.Query, "_f_id: id"); got != tt.aliased {
				t.Errorf("products asked for the owner's id under an alias: %t, want %t; query:\n%s", got, tt.aliased, req.Query)
			}
			if !strings.Contains(req.Query, "owner {") {
				t.Errorf("products was not asked for the owner; query:\n%s", req.Query)
			}
			// Every owner is a User, the field's own type: the representations take it
			// from there, and no typename is asked.
			if strings.Contains(req.Query, "__typename") {
				t.Errorf("products was asked for a typename; query:\n%s", req.Query)
			}
		})
	}
}
