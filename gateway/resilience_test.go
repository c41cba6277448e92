package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// eventually polls cond every few milliseconds until it holds or the deadline passes.
// It waits on the system, never for a fixed time.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readyz returns the gateway's readiness detail.
func readyz(t *testing.T, g *graph) (status int, body struct {
	Status     string
	Generation uint64
	Subgraphs  []struct {
		Name, Schema, Breaker string
		Reachable             bool
	}
}) {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(g.url, "/graphql") + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestRetries checks that a query whose subgraph connection fails is sent again, and a
// mutation never is.
func TestRetries(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Resilience.BreakerFailures = 0 })
	ada := g.createUser(t, "Ada", "ada@example.com")

	// Two hang-ups, then an answer: the default two retries get it.
	restore := g.users.inject(failFirst(2, g.users.next))
	g.users.requests.Store(0)
	exact(t, g.post(t, `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": ada}), `{"user":{"name":"Ada"}}`, `null`)
	if n := g.users.requests.Load(); n != 3 {
		t.Errorf("users requests for one query: got %d, want 3 (two retries)", n)
	}
	restore()

	// Three hang-ups are one too many.
	restore = g.users.inject(failFirst(3, g.users.next))
	g.users.requests.Store(0)
	exact(t, g.post(t, `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": ada}), `{"user":null}`,
		`[{"message":"subgraph users did not answer","path":["user"],"extensions":{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"users"}}]`)
	if n := g.users.requests.Load(); n != 3 {
		t.Errorf("users requests: got %d, want 3", n)
	}
	restore()

	// A mutation is sent once, whatever happens to it: it may have been applied.
	restore = g.users.inject(failFirst(1, g.users.next))
	g.users.requests.Store(0)
	exact(t, g.post(t, `mutation($id: ID!) { updateUser(id: $id, input: {name: "Ada L"}) { name } }`, map[string]any{"id": ada}), `null`,
		`[{"message":"subgraph users did not answer","path":["updateUser"],"extensions":{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"users"}}]`)
	if n := g.users.requests.Load(); n != 1 {
		t.Errorf("users requests for one mutation: got %d, want 1 (never retried)", n)
	}
	restore()
}

// TestZeroTurnsRetriesOff checks that zero is a setting, not a default: -retries 0 and
// -retry-budget 0 each mean a query's subgraph request is sent once after a hang-up,
// and -breaker-failures 0 means no breaker; the defaults retry.
func TestZeroTurnsRetriesOff(t *testing.T) {
	for _, tt := range []struct {
		name     string
		set      func(*gateway.Resilience)
		requests int64
		breaker  string
	}{
		{"defaults", func(*gateway.Resilience) {}, 2, "closed"},
		{"retries 0", func(r *gateway.Resilience) { r.Retries = 0 }, 1, "closed"},
		{"retry-budget 0", func(r *gateway.Resilience) { r.RetryBudget = 0 }, 1, "closed"},
		{"breaker-failures 0", func(r *gateway.Resilience) { r.BreakerFailures = 0 }, 2, "off"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { tt.set(&c.Resilience) })
			ada := g.createUser(t, "Ada", "ada@example.com")
			restore := g.users.inject(failFirst(1, g.users.next))
			defer restore()
			g.users.requests.Store(0)
			g.post(t, `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": ada})
			if n := g.users.requests.Load(); n != tt.requests {
				t.Errorf("users requests for a query whose first attempt hangs up: got %d, want %d", n, tt.requests)
			}
			_, r := readyz(t, g)
			for _, s := range r.Subgraphs {
				if s.Breaker != tt.breaker {
					t.Errorf("subgraph %s: breaker %q, want %q", s.Name, s.Breaker, tt.breaker)
				}
			}
		})
	}
}

// TestRetryBudget checks that retries cannot multiply the load on a subgraph that is
// down: over 100 failing queries, retries stay within the budget's share and reserve.
func TestRetryBudget(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Resilience.BreakerFailures = 0 })
	ada := g.createUser(t, "Ada", "ada@example.com")
	defer g.users.inject(hangUp)()
	g.users.requests.Store(0)
	for range 100 {
		g.post(t, `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": ada})
	}
	// 100 requests, at most 10 reserve tokens plus 0.2 per request: 30 retries. Without
	// a budget, two retries each would make 300.
	if n := g.users.requests.Load(); n < 100 || n > 130 {
		t.Errorf("users requests for 100 failing queries: got %d, want 100 to 130", n)
	}
}

// TestCircuitBreaker freezes a subgraph: requests end at its timeout until the breaker
// opens, then fail at once without reaching it; /readyz shows the breaker; once the
// subgraph answers again a probe closes the breaker.
func TestCircuitBreaker(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) {
		c.SubgraphTimeouts = map[string]time.Duration{"users": 100 * time.Millisecond}
		c.Resilience.BreakerFailures = 3
		c.Resilience.BreakerOpen = 300 * time.Millisecond
	})
	ada := g.createUser(t, "Ada", "ada@example.com")
	const q = `query($id: ID!) { user(id: $id) { name } }`
	vars := map[string]any{"id": ada}
	unavailable := `[{"message":"subgraph users did not answer","path":["user"],"extensions":{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"users"}}]`

	restore := g.users.inject(freeze)
	g.users.requests.Store(0)
	for range 3 {
		exact(t, g.post(t, q, vars), `{"user":null}`, unavailable)
	}
	if n := g.users.requests.Load(); n != 3 {
		t.Fatalf("users requests while frozen: got %d, want 3 (timeouts are not retried)", n)
	}
	// Open: the next requests fail without reaching users.
	for range 5 {
		exact(t, g.post(t, q, vars), `{"user":null}`, unavailable)
	}
	if n := g.users.requests.Load(); n != 3 {
		t.Errorf("users requests with the breaker open: got %d, want still 3", n)
	}
	if _, r := readyz(t, g); r.Subgraphs[0].Breaker != "open" {
		t.Errorf("readyz: users breaker %q, want open", r.Subgraphs[0].Breaker)
	}
	// Users answers again; after the open time a probe goes through and closes it.
	restore()
	eventually(t, 5*time.Second, "the breaker lets a probe through", func() bool {
		return len(g.post(t, q, vars).Errors) == 0
	})
	if _, r := readyz(t, g); r.Subgraphs[0].Breaker != "closed" {
		t.Errorf("readyz after recovery: users breaker %q, want closed", r.Subgraphs[0].Breaker)
	}
	exact(t, g.post(t, q, vars), `{"user":{"name":"Ada"}}`, `null`)
}

// TestStartWithASubgraphDown starts the gateway while products is down: it serves
// users, reports products missing, and takes products in when it appears.
func TestStartWithASubgraphDown(t *testing.T) {
	down := func(c *gateway.Config) {
		c.StartupTimeout = 300 * time.Millisecond
		c.SchemaPollInterval = 50 * time.Millisecond
	}
	g := startGraphWith(t, redistest.Miniredis, func(g *graph) { g.products.down.Store(true) }, down)
	ada := g.createUser(t, "Ada", "ada@example.com")
	if st, r := readyz(t, g); st != http.StatusOK || r.Subgraphs[1].Schema != "missing" || r.Subgraphs[1].Reachable {
		t.Errorf("readyz with products missing: %d %+v", st, r)
	}
	exact(t, g.post(t, `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": ada}), `{"user":{"name":"Ada"}}`, `null`)
	r := g.post(t, `{ products(first: 1) { edges { cursor } } }`, nil)
	const wantMsg = `Cannot query field "products" on type "Query". (subgraph products is unavailable: its fields are missing from the schema until it answers)`
	if c := onlyCode(t, r); c != "GRAPHQL_VALIDATION_FAILED" || r.Errors[0].Message != wantMsg || fmt.Sprint(r.Errors[0].Extensions["unavailableSubgraphs"]) != "[products]" {
		t.Errorf("products field while products is missing: %+v", r.Errors)
	}

	g.products.down.Store(false)
	eventually(t, 10*time.Second, "the gateway takes products in", func() bool {
		return len(g.post(t, `{ products(first: 1) { edges { cursor } } }`, nil).Errors) == 0
	})
	g.createProduct(t, "Engine", "1", "USD", ada)
	exact(t, g.post(t, `{ products(first: 1) { edges { node { name owner { name } } } } }`, nil),
		`{"products":{"edges":[{"node":{"name":"Engine","owner":{"name":"Ada"}}}]}}`, `null`)
}

// TestSchemaReloadUnderLoad changes a subgraph's schema while requests run: the new
// schema is picked up with no failed request; a change that does not merge is refused
// and the old graph keeps serving.
func TestSchemaReloadUnderLoad(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.SchemaPollInterval = 20 * time.Millisecond })
	ada := g.createUser(t, "Ada", "ada@example.com")
	g.createProduct(t, "Engine", "1", "USD", ada)
	const q = `{ products(first: 1) { edges { node { name owner { name } } } } }`
	const want = `{"products":{"edges":[{"node":{"name":"Engine","owner":{"name":"Ada"}}}]}}`

	var failures, requests atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				r := postTo(t, g.url, q, nil)
				requests.Add(1)
				if len(r.Errors) > 0 || string(r.Data) != want {
					failures.Add(1)
				}
			}
		}()
	}
	description := func() string {
		var d struct {
			Type struct{ Description string } `json:"__type"`
		}
		g.must(t, `{ __type(name: "User") { description } }`, nil, &d)
		return d.Type.Description
	}
	_, before := readyz(t, g)
	sdl := strings.Replace(usersSDL(t, g), `"A person who can own products."`, `"A person, who may own products."`, 1)
	g.users.sdl.Store(&sdl)
	eventually(t, 10*time.Second, "the new schema is served", func() bool { return description() == "A person, who may own products." })
	_, after := readyz(t, g)
	if after.Generation <= before.Generation {
		t.Errorf("generation: %d before, %d after the change", before.Generation, after.Generation)
	}

	// A field of a shared type whose type differs between subgraphs does not merge.
	bad := strings.Replace(sdl, "hasNextPage: Boolean!", "hasNextPage: String!", 1)
	g.users.sdl.Store(&bad)
	served := requests.Load()
	eventually(t, 10*time.Second, "polls go on", func() bool { return requests.Load() > served+20 })
	if _, r := readyz(t, g); r.Generation != after.Generation {
		t.Errorf("generation after a change that does not merge: %d, want %d", r.Generation, after.Generation)
	}
	if d := description(); d != "A person, who may own products." {
		t.Errorf("after a refused change the schema is %q", d)
	}
	stop()
	wg.Wait()
	if f := failures.Load(); f != 0 || requests.Load() == 0 {
		t.Errorf("%d of %d requests failed during the schema changes, want none", f, requests.Load())
	}
}

// usersSDL fetches the users subgraph's own SDL.
func usersSDL(t *testing.T, g *graph) string {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(g.usersURL, "/graphql") + "/schema.graphql")
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
