package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// exact compares a whole response, data and errors, as JSON text: key order included.
func exact(t *testing.T, r graphqltest.Response, wantData, wantErrors string) {
	t.Helper()
	if string(r.Data) != wantData {
		t.Errorf("data:\n got %s\nwant %s", r.Data, wantData)
	}
	errs, _ := json.Marshal(r.Errors)
	if r.Errors == nil {
		errs = []byte("null")
	}
	if string(errs) != wantErrors {
		t.Errorf("errors:\n got %s\nwant %s", errs, wantErrors)
	}
}

// listWithoutOwners is the data of `products(first: n) { edges { node { name owner
// { name } } } }` when no owner can be had.
func listWithoutOwners(n int) string {
	var b strings.Builder
	b.WriteString(`{"products":{"edges":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"node":{"name":"Product %03d","owner":null}}`, i)
	}
	b.WriteString(`]}}`)
	return b.String()
}

const usersUnavailable = `[{"message":"subgraph users did not answer","path":["products","edges",0,"node","owner"],"extensions":{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"users"}}]`

// TestSubgraphFaults breaks the users subgraph in every way a subgraph can break while
// a 100-product list asks it for owners: each time the products still answer, every
// owner is null (its name is non-null), and there is one error for the cause, not one
// per product. Nothing hangs: a frozen subgraph costs the subgraph timeout.
func TestSubgraphFaults(t *testing.T) {
	// Breakers off: each case must reach the subgraph (breakers have their own test).
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) {
		// The faults are users'; products keeps the default timeout, so that its root
		// request does not time out on a loaded machine.
		c.SubgraphTimeouts = map[string]time.Duration{"users": 300 * time.Millisecond}
		c.Resilience.BreakerFailures = 0
	})
	seed(t, g)
	const list = `{ products(first: 100) { edges { node { name owner { name } } } } }`
	storeDown := `[{"message":"the data store did not answer in time","path":["products","edges",0,"node","owner"],"extensions":{"code":"SERVICE_UNAVAILABLE","subgraph":"users"}}]`
	tests := []struct {
		name       string
		fault      fault
		wantErrors string
	}{
		{"closes the connection", hangUp, usersUnavailable},
		{"never answers", freeze, usersUnavailable},
		{"answers non-JSON", answer(http.StatusOK, "application/json", "<html>oops</html>"), usersUnavailable},
		{"answers 502 with a page", answer(http.StatusBadGateway, "text/html", "<h1>Bad Gateway</h1>"), usersUnavailable},
		{"answers 500 with nothing", answer(http.StatusInternalServerError, "text/plain", ""), usersUnavailable},
		{"answers truncated JSON", answer(http.StatusOK, "application/json", `{"data":{"_f0":{"name":"x"`), usersUnavailable},
		{"answers data of the wrong shape", answer(http.StatusOK, "application/json", `{"data":"users"}`), usersUnavailable},
		{"answers neither data nor errors", answer(http.StatusOK, "application/json", `{}`), usersUnavailable},
		{"answers errors that are not a list", answer(http.StatusOK, "application/json", `{"errors":{"message":"x"}}`), usersUnavailable},
		{"fails every lookup with one cause", errorPerLookup("the data store did not answer in time", "SERVICE_UNAVAILABLE"), storeDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer g.users.inject(tt.fault)()
			exact(t, g.post(t, list, nil), listWithoutOwners(100), tt.wantErrors)
		})
	}

	t.Run("answers values of the wrong type", func(t *testing.T) {
		defer g.users.inject(answer(http.StatusOK, "application/json", `{"data":{"_f0":{"name":7},"_f1":{"name":["x"]}}}`))()
		const q = `{ products(first: 2) { edges { node { name owner { name } } } } }`
		// Products 0 and 1 have owners 0 and 1: the two lookups _f0 and _f1.
		exact(t, g.post(t, q, nil), `{"products":{"edges":[{"node":{"name":"Product 000","owner":null}},{"node":{"name":"Product 001","owner":null}}]}}`,
			`[{"message":"A subgraph returned an invalid value for User.name.","path":["products","edges",0,"node","owner","name"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]`)
	})

	t.Run("a root step's subgraph fails", func(t *testing.T) {
		defer g.products.inject(hangUp)()
		// products is non-null: its null takes the whole data with it.
		exact(t, g.post(t, `{ users(first: 1) { edges { node { name } } } products(first: 1) { edges { cursor } } }`, nil),
			`null`,
			`[{"message":"subgraph products did not answer","path":["products"],"extensions":{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"products"}}]`)
		// A nullable root field fails alone.
		exact(t, g.post(t, `{ user(id: "User:0190f3a0-0000-7000-8000-000000000000") { name } product(id: "Product:0190f3a0-0000-7000-8000-000000000000") { name } }`, nil),
			`{"user":null,"product":null}`,
			`[{"message":"subgraph products did not answer","path":["product"],"extensions":{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"products"}}]`)
	})
}

// TestUsersDown stops the users subgraph for good: connections are refused.
func TestUsersDown(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	seed(t, g)
	g.whole.Subgraph("users").Stop()
	exact(t, g.post(t, `{ products(first: 100) { edges { node { name owner { name } } } } }`, nil), listWithoutOwners(100), usersUnavailable)
	// Fields of the products subgraph alone still answer in full.
	r := g.post(t, `{ products(first: 2) { edges { node { name owner { id } } } } }`, nil)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"owner":{"id":"User:`) {
		t.Errorf("products alone: %s %+v", r.Data, r.Errors)
	}
}

// TestMissingEntities checks what a client sees of objects that no longer exist.
func TestMissingEntities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		ada := g.createUser(t, "Ada", "ada@example.com")
		bob := g.createUser(t, "Bob", "bob@example.com")
		g.createProduct(t, "Engine", "1", "USD", ada)
		loom := g.createProduct(t, "Loom", "2", "USD", bob)
		g.must(t, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": bob}, &map[string]any{})

		// The deleted owner is null: User.name and email are non-null, so no half object.
		exact(t, g.post(t, `{ products(first: 5) { edges { node { name owner { name email } } } } }`, nil),
			`{"products":{"edges":[{"node":{"name":"Engine","owner":{"name":"Ada","email":"ada@example.com"}}},{"node":{"name":"Loom","owner":null}}]}}`,
			`null`)
		exact(t, g.post(t, `query($id: ID!) { product(id: $id) { name owner { name } } }`, map[string]any{"id": loom}),
			`{"product":{"name":"Loom","owner":null}}`, `null`)
		// node answers null for an id that names nothing, and so do the typed fields.
		exact(t, g.post(t, `query($id: ID!) { node(id: $id) { id } user(id: $id) { id } }`, map[string]any{"id": bob}),
			`{"node":null,"user":null}`, `null`)
	})
}

// TestErrorPaths checks that an error from a dependent step carries the client's path,
// and that its null propagates through the client's non-null fields.
func TestErrorPaths(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	ada := g.createUser(t, "Ada Lovelace", "ada@example.com")
	g.createProduct(t, "Engine", "1", "USD", ada)
	// products(first: 0) fails in the products subgraph; products is non-null, so user
	// is null, and the error names user.products, not the batched request's alias.
	exact(t, g.post(t, `query($id: ID!) { user(id: $id) { name products(first: 0) { edges { cursor } } } }`, map[string]any{"id": ada}),
		`{"user":null}`,
		`[{"message":"first must be between 1 and 100, got 0","path":["user","products"],"extensions":{"code":"BAD_USER_INPUT","subgraph":"products"}}]`)
	// In a list, the path has the item's index.
	exact(t, g.post(t, `{ users(first: 2) { edges { node { name products(first: 101) { edges { cursor } } } } } }`, nil),
		`null`,
		`[{"message":"first must be between 1 and 100, got 101","path":["users","edges",0,"node","products"],"extensions":{"code":"BAD_USER_INPUT","subgraph":"products"}}]`)
}

// TestNoGoroutineOutlivesARequest runs the failure cases, then checks that every
// goroutine they started has ended: subgraph requests, coordinators, timers.
func TestNoGoroutineOutlivesARequest(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) {
		// The faults are users'; products keeps the default timeout, so that seeding
		// (createProduct) does not fail on a loaded machine.
		c.SubgraphTimeouts = map[string]time.Duration{"users": 200 * time.Millisecond}
		c.Resilience.BreakerFailures = 0
	})
	seed(t, g)
	ignore := goleak.IgnoreCurrent()
	const list = `{ products(first: 100) { edges { node { name owner { name } } } } }`
	for _, f := range []fault{nil, hangUp, freeze, answer(http.StatusOK, "application/json", "garbage"),
		errorPerLookup("boom", "INTERNAL_SERVER_ERROR")} {
		if f != nil {
			restore := g.users.inject(f)
			g.post(t, list, nil)
			restore()
		} else {
			g.post(t, list, nil)
		}
	}
	g.gateway.Close()
	http.DefaultClient.CloseIdleConnections()
	// The subgraphs' Redis pools may open a connection during the requests; miniredis
	// serves each with a goroutine of its own that lives as long as the pool. Those are
	// the in-process Redis's, not the gateway's, so they are not counted.
	goleak.VerifyNone(t, ignore,
		goleak.IgnoreAnyFunction("github.com/alicebob/miniredis/v2/server.(*Server).servePeer"),
		goleak.IgnoreAnyFunction("github.com/alicebob/miniredis/v2/server.(*Server).servePeer.func2"))
}
