package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/wholegraph"
	"github.com/fedgraph/fedgraph/schema"
)

// graph is the whole system on real HTTP (internal/wholegraph): every subgraph of the
// table and the gateway, each on its own loopback server, each subgraph on its own Redis
// and behind a hop that counts its requests.
type graph struct {
	url     string // the gateway's GraphQL endpoint
	gateway *gateway.Gateway
	whole   *wholegraph.Graph
	// redis and hops are each subgraph's Redis and hop, by name.
	redis map[string]redistest.Redis
	hops  map[string]*hop
	// The users and products subgraphs' Redis, hops and GraphQL endpoints, which the
	// tests name.
	usersRedis, productsRedis redistest.Redis
	users, products           *hop
	usersURL, productsURL     string
	log                       *requestLog
}

// option changes the gateway's configuration for one test.
type option func(*gateway.Config)

func withPlaygroundDir(dir string) option {
	return func(c *gateway.Config) { c.Front.PlaygroundDir = dir }
}

// withFederation serves the graph in federation mode: from the graph's supergraph
// (schema.Supergraph), its subgraphs' URLs overridden with the test's.
func withFederation(t testing.TB) option {
	file := filepath.Join(t.TempDir(), "supergraph.graphql")
	if err := os.WriteFile(file, []byte(schema.Supergraph()), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(c *gateway.Config) { c.Supergraph = file }
}

// noDedup turns off the sharing of identical work in flight, for a test that counts
// requests which may overlap.
func noDedup(c *gateway.Config) { c.Dedup = false }

// withVerifier turns authentication on with v, in the gateway and in every subgraph,
// which verify the forwarded token again with the same settings, as deployed.
func withVerifier(v *auth.Verifier) option {
	return func(c *gateway.Config) { c.Verifier = v }
}

func startGraph(t testing.TB, backend redistest.Backend, opts ...option) *graph {
	t.Helper()
	return startGraphWith(t, backend, nil, opts...)
}

// startGraphWith is startGraph with before run on the graph's subgraphs (their hops)
// before the gateway starts.
func startGraphWith(t testing.TB, backend redistest.Backend, before func(*graph), opts ...option) *graph {
	t.Helper()
	// The options are applied first: the subgraphs take the gateway's Verifier.
	cfg := gateway.DefaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	g := &graph{redis: map[string]redistest.Redis{}, hops: map[string]*hop{}, log: &requestLog{}}
	// The graph runs until the test ends; gateway.New's wait for the subgraphs is
	// bounded by its StartupTimeout.
	wc := wholegraph.DefaultConfig()
	wc.Store = func(name string) (wholegraph.Store, error) {
		r := backend.New(t)
		g.redis[name] = r
		return wholegraph.Store{Client: r.Client, Prefix: r.Prefix}, nil
	}
	wc.Wrap = func(name string, h http.Handler) http.Handler {
		g.hops[name] = &hop{name: name, next: h, log: g.log}
		return g.hops[name]
	}
	// users-test-secret, products-test-secret: the cursors in testdata's goldens.
	wc.CursorSecret = func(name string) string { return name + "-test-secret" }
	wc.Verifier, wc.Gateway = cfg.Verifier, cfg
	wc.BeforeGateway = func(context.Context, *wholegraph.Graph, *gateway.Config) error {
		g.users, g.products = g.hops["users"], g.hops["products"]
		if before != nil {
			before(g)
		}
		return nil
	}
	w, err := wholegraph.Start(context.Background(), wc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	g.url, g.gateway, g.whole = w.URL, w.Gateway, w
	g.usersRedis, g.productsRedis = g.redis["users"], g.redis["products"]
	g.users, g.products = g.hops["users"], g.hops["products"]
	g.usersURL, g.productsURL = w.Subgraph("users").URL, w.Subgraph("products").URL
	return g
}

// forEachBackend runs f against miniredis and, when REDIS_URL is set, a real Redis.
func forEachBackend(t *testing.T, f func(t *testing.T, g *graph)) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			t.Parallel()
			f(t, startGraph(t, b))
		})
	}
}

// onlyCode returns the extensions.code of r's only error, failing the test otherwise.
func onlyCode(t *testing.T, r graphqltest.Response) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors %+v, want exactly one", len(r.Errors), r.Errors)
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// post sends one GraphQL request to the gateway over HTTP.
func (g *graph) post(t testing.TB, query string, vars map[string]any) graphqltest.Response {
	t.Helper()
	return graphqltest.Post(t, g.url, graphqltest.Request{Query: query, Variables: vars})
}

// must sends a request that must succeed and decodes its data into out.
func (g *graph) must(t testing.TB, query string, vars map[string]any, out any) {
	t.Helper()
	r := g.post(t, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("query %s: errors %+v", query, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

func (g *graph) createUser(t testing.TB, name, email string) string {
	t.Helper()
	var d struct{ CreateUser struct{ ID string } }
	g.must(t, `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "email": email}}, &d)
	return d.CreateUser.ID
}

func (g *graph) createProduct(t testing.TB, name, amount, currency, owner string) string {
	t.Helper()
	var d struct{ CreateProduct struct{ ID string } }
	g.must(t, `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "ownerId": owner,
			"price": map[string]any{"amount": amount, "currencyCode": currency}}}, &d)
	return d.CreateProduct.ID
}

// postOp sends one named operation of a document.
func postOp(t testing.TB, g *graph, doc, name string, vars map[string]any) graphqltest.Response {
	t.Helper()
	return graphqltest.Post(t, g.url, graphqltest.Request{Query: doc, OperationName: name, Variables: vars})
}
