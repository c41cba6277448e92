package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/products"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// graph is the whole system on real HTTP: both subgraphs and the gateway, each on its
// own httptest server, each subgraph on its own Redis.
type graph struct {
	url           string // the gateway's GraphQL endpoint
	gateway       *gateway.Gateway
	usersRedis    redistest.Redis
	productsRedis redistest.Redis
	// users and products stand in front of the subgraphs, counting requests.
	users, products       *hop
	log                   *requestLog
	usersServer           *httptest.Server
	productsServer        *httptest.Server
	usersURL, productsURL string // the subgraphs' GraphQL endpoints
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

// withVerifier turns authentication on with v, in the gateway and in both subgraphs,
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
	ur, pr := backend.New(t), backend.New(t)
	ucfg := users.DefaultConfig()
	ucfg.Redis, ucfg.KeyPrefix, ucfg.CursorSecret, ucfg.Verifier = ur.Client, ur.Prefix, "users-test-secret", cfg.Verifier
	uh, err := users.New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	uhop := &hop{name: "users", next: uh, log: log}
	us := httptest.NewServer(uhop)
	t.Cleanup(us.Close)
	owners, err := products.NewUsersClient(us.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	pcfg := products.DefaultConfig()
	pcfg.Redis, pcfg.KeyPrefix, pcfg.CursorSecret, pcfg.Owners, pcfg.Verifier = pr.Client, pr.Prefix, "products-test-secret", owners, cfg.Verifier
	ph, err := products.New(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	phop := &hop{name: "products", next: ph, log: log}
	ps := httptest.NewServer(phop)
	t.Cleanup(ps.Close)
	if before != nil {
		before(&graph{users: uhop, products: phop})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Subgraphs = []gateway.Subgraph{
		{Name: "users", URL: us.URL + "/graphql"},
		{Name: "products", URL: ps.URL + "/graphql"},
	}
	gw, err := gateway.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	h, err := gw.Handler()
	if err != nil {
		t.Fatal(err)
	}
	gs := httptest.NewServer(h)
	t.Cleanup(gs.Close)
	return &graph{url: gs.URL + "/graphql", gateway: gw, usersRedis: ur, productsRedis: pr,
		users: uhop, products: phop, log: log, usersServer: us, productsServer: ps,
		usersURL: us.URL + "/graphql", productsURL: ps.URL + "/graphql"}
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

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type result struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions json.RawMessage `json:"extensions"` // as sent; empty when absent
	Status     int             `json:"-"`          // set by postHeaders
}

// code returns the extensions.code of the only error, failing the test otherwise.
func (r result) code(t *testing.T) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors %+v, want exactly one", len(r.Errors), r.Errors)
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// post sends one GraphQL request to the gateway over HTTP.
func (g *graph) post(t testing.TB, query string, vars map[string]any) result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	var r result
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode response (status %d): %v", resp.StatusCode, err)
	}
	return r
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
func postOp(t testing.TB, g *graph, doc, name string, vars map[string]any) result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "operationName": name, "variables": vars})
	resp, err := http.Post(g.url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	var r result
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return r
}
