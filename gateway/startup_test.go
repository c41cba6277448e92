package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// startOn starts another gateway in front of g's subgraphs, as a restarted gateway
// process, and returns its GraphQL URL.
func startOn(t *testing.T, g *graph, opts ...option) (*gateway.Gateway, string) {
	t.Helper()
	cfg := gateway.DefaultConfig()
	cfg.Subgraphs = []gateway.Subgraph{
		{Name: "users", URL: g.usersURL},
		{Name: "products", URL: g.productsURL},
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return serveGateway(t, ctx, cfg)
}

// serveGateway starts a gateway on cfg, serves it on a loopback server until t ends, and
// returns it and its GraphQL URL.
func serveGateway(t testing.TB, ctx context.Context, cfg gateway.Config) (*gateway.Gateway, string) {
	t.Helper()
	gw, err := gateway.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	h, err := gw.Handler()
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return gw, s.URL + "/graphql"
}

// fastStart makes a gateway wait little for the subgraphs at start.
func fastStart(poll time.Duration) option {
	return func(c *gateway.Config) {
		c.StartupTimeout = 100 * time.Millisecond
		c.SchemaPollInterval = poll
	}
}

func withSchemaCache(dir string) option {
	return func(c *gateway.Config) { c.SchemaCacheDir = dir }
}

// schemas returns /readyz's status code and each subgraph's schema state, in order.
func schemas(t *testing.T, url string) (int, string) {
	t.Helper()
	st, r := readyz(t, &graph{url: url})
	var out []string
	for _, s := range r.Subgraphs {
		out = append(out, s.Name+"="+s.Schema)
	}
	return st, strings.Join(out, " ")
}

// TestStartWithNoSubgraph starts the gateway while every subgraph is down and nothing
// is cached: it starts (no error from New), answers GraphQL with 503
// SUBGRAPH_UNAVAILABLE naming the subgraphs, /healthz with 200 and /readyz with 503;
// the graph appears when users answers and grows when products does, without a
// restart, with schema polling on or off.
func TestStartWithNoSubgraph(t *testing.T) {
	for _, poll := range []time.Duration{50 * time.Millisecond, -1} {
		t.Run(fmt.Sprintf("poll %s", poll), func(t *testing.T) {
			g := startGraphWith(t, redistest.Miniredis, func(g *graph) {
				g.users.down.Store(true)
				g.products.down.Store(true)
			}, fastStart(poll))
			if s := g.gateway.Schema(); s != nil {
				t.Fatalf("Schema() = %v with no subgraph, want nil", s)
			}
			for _, q := range []string{`{ __typename }`, `{ users(first: 1) { edges { cursor } } }`} {
				r := postHeaders(t, g.url, q, map[string]string{"Accept": "application/graphql-response+json"})
				if r.Status != http.StatusServiceUnavailable || onlyCode(t, r) != "SUBGRAPH_UNAVAILABLE" ||
					fmt.Sprint(r.Errors[0].Extensions["unavailableSubgraphs"]) != "[users products]" || r.Data != nil {
					t.Errorf("%s with no graph: %d %s %+v, want 503 SUBGRAPH_UNAVAILABLE naming both", q, r.Status, r.Data, r.Errors)
				}
			}
			base := strings.TrimSuffix(g.url, "/graphql")
			for path, want := range map[string]int{"/healthz": 200, "/": 200} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("GET %s with no graph = %d, want %d", path, resp.StatusCode, want)
				}
			}
			if st, s := schemas(t, g.url); st != http.StatusServiceUnavailable || s != "users=missing products=missing" {
				t.Errorf("/readyz with no graph: %d %s, want 503 and both missing", st, s)
			}
			if _, r := readyz(t, g); r.Status != "unavailable" || r.Generation != 0 {
				t.Errorf("/readyz with no graph: status %q generation %d, want unavailable, 0", r.Status, r.Generation)
			}

			g.users.down.Store(false)
			eventually(t, 10*time.Second, "the graph appears when users answers", func() bool {
				return postHeaders(t, g.url, `{ __typename }`, nil).Status == http.StatusOK
			})
			ada := g.createUser(t, "Ada", "ada@example.com")
			exact(t, g.post(t, `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": ada}), `{"user":{"name":"Ada"}}`, `null`)
			if st, s := schemas(t, g.url); st != http.StatusOK || s != "users=loaded products=missing" {
				t.Errorf("/readyz with users only: %d %s", st, s)
			}

			g.products.down.Store(false)
			eventually(t, 10*time.Second, "the gateway takes products in", func() bool {
				return len(g.post(t, `{ products(first: 1) { edges { cursor } } }`, nil).Errors) == 0
			})
			if st, s := schemas(t, g.url); st != http.StatusOK || s != "users=loaded products=loaded" {
				t.Errorf("/readyz with both: %d %s", st, s)
			}
		})
	}
}

// TestStartFromSchemaCache runs a gateway with a schema cache, then starts another on
// the same directory while products is down: products' fields are in its schema,
// failing with SUBGRAPH_UNAVAILABLE, /readyz says "cached", and when products answers
// its data returns and the state becomes "loaded". A cache file that does not check is
// ignored: that gateway starts without products, as with no cache.
func TestStartFromSchemaCache(t *testing.T) {
	tests := []struct {
		name      string
		spoil     func(t *testing.T, dir string) // the cache, before the restart
		usersDown bool
		want      string // /readyz's schema states after the restart
	}{
		{"products down", nil, false, "users=loaded products=cached"},
		{"both down", nil, true, "users=cached products=cached"},
		{"products down, its file cut short", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "products.graphql")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, b[:len(b)/2], 0o600)
		}, false, "users=loaded products=missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache") // New creates it
			g := startGraph(t, redistest.Miniredis, withSchemaCache(dir))
			ada := g.createUser(t, "Ada", "ada@example.com")
			g.createProduct(t, "Engine", "1", "USD", ada)
			const q = `{ products(first: 1) { edges { node { name owner { name } } } } }`
			const full = `{"products":{"edges":[{"node":{"name":"Engine","owner":{"name":"Ada"}}}]}}`
			exact(t, g.post(t, q, nil), full, `null`)
			for _, name := range []string{"users", "products"} {
				if _, err := os.Stat(filepath.Join(dir, name+".graphql")); err != nil {
					t.Fatalf("the first gateway cached no schema for %s: %v", name, err)
				}
			}
			if tt.spoil != nil {
				tt.spoil(t, dir)
			}

			g.products.down.Store(true)
			g.users.down.Store(tt.usersDown)
			gw, url := startOn(t, g, fastStart(50*time.Millisecond), withSchemaCache(dir))
			if st, s := schemas(t, url); st != http.StatusOK || s != tt.want {
				t.Errorf("/readyz after the restart: %d %s, want 200 %s", st, s, tt.want)
			}
			cached := strings.Contains(tt.want, "products=cached")
			if got := gw.Schema() != nil && gw.Schema().Query.Fields.ForName("products") != nil; got != cached {
				t.Errorf("Query.products in the restarted gateway's schema: %v, want %v", got, cached)
			}
			r := postTo(t, url, q, nil)
			if cached {
				if string(r.Data) != "null" || onlyCode(t, r) != "SUBGRAPH_UNAVAILABLE" || fmt.Sprint(r.Errors[0].Path) != "[products]" {
					t.Errorf("products from its cached schema while it is down: %s %+v, want null and SUBGRAPH_UNAVAILABLE at products", r.Data, r.Errors)
				}
			} else if onlyCode(t, r) != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("products with no schema for it: %+v, want a validation error", r.Errors)
			}

			g.products.down.Store(false)
			g.users.down.Store(false)
			eventually(t, 10*time.Second, "products answers through the restarted gateway", func() bool {
				return string(postTo(t, url, q, nil).Data) == full
			})
			eventually(t, 10*time.Second, "/readyz says loaded", func() bool {
				_, s := schemas(t, url)
				return s == "users=loaded products=loaded"
			})
			// The cache holds products' schema again, whole: a third gateway started
			// while products is down has its fields.
			g.products.down.Store(true)
			_, third := startOn(t, g, fastStart(50*time.Millisecond), withSchemaCache(dir))
			if _, s := schemas(t, third); s != "users=loaded products=cached" {
				t.Errorf("/readyz of a gateway started from the rewritten cache: %s, want products cached", s)
			}
		})
	}
}
