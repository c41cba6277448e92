package wholegraph_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/wholegraph"
	"github.com/fedgraph/fedgraph/schema"
)

// TestEveryTableSubgraphServes starts the graph from the table in both modes and checks
// that every subgraph of schema.Subgraphs is built, served and wrapped, that the gateway
// answers a query that crosses them, and that Close leaves no goroutine behind.
func TestEveryTableSubgraphServes(t *testing.T) {
	// fasthttp (the gateway's and products' subgraph clients) keeps a cleaner per client
	// and host for the process's life, sleeping.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"))
	for _, federation := range []bool{false, true} {
		t.Run(map[bool]string{false: "stitch", true: "federation"}[federation], func(t *testing.T) {
			var mu sync.Mutex
			var wrapped []string
			cfg := wholegraph.DefaultConfig()
			cfg.Store = func(string) (wholegraph.Store, error) {
				r := redistest.Miniredis.New(t)
				return wholegraph.Store{Client: r.Client, Prefix: r.Prefix}, nil
			}
			cfg.Wrap = func(name string, h http.Handler) http.Handler {
				mu.Lock()
				defer mu.Unlock()
				wrapped = append(wrapped, name)
				return h
			}
			cfg.Federation = federation
			g, err := wholegraph.Start(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			var names []string
			for _, s := range schema.Subgraphs() {
				names = append(names, s.Name)
				sg := g.Subgraph(s.Name)
				if sg == nil {
					t.Fatalf("subgraph %s of the table is not running", s.Name)
				}
				r := graphqltest.Post(t, sg.URL, graphqltest.Request{Query: `{ __typename }`})
				if string(r.Data) != `{"__typename":"Query"}` {
					t.Errorf("%s: %s", s.Name, r.Raw)
				}
			}
			if !slices.Equal(wrapped, names) {
				t.Errorf("wrapped %v, want the table's %v", wrapped, names)
			}
			var d struct{ CreateUser struct{ ID string } }
			graphqltest.Post(t, g.URL, graphqltest.Request{Query: `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`}).Decode(t, &d)
			var p struct {
				CreateProduct struct{ Owner struct{ Name string } }
			}
			graphqltest.Post(t, g.URL, graphqltest.Request{
				Query:     `mutation($in: CreateProductInput!) { createProduct(input: $in) { owner { name } } }`,
				Variables: map[string]any{"in": map[string]any{"name": "Engine", "ownerId": d.CreateUser.ID, "price": map[string]any{"amount": "1", "currencyCode": "USD"}}},
			}).Decode(t, &p)
			if p.CreateProduct.Owner.Name != "Ada" {
				t.Errorf("owner = %q, want Ada", p.CreateProduct.Owner.Name)
			}
		})
	}
}

// TestStop checks that a stopped subgraph refuses connections, and that the graph keeps
// serving the rest.
func TestStop(t *testing.T) {
	cfg := wholegraph.DefaultConfig()
	cfg.Store = func(string) (wholegraph.Store, error) {
		r := redistest.Miniredis.New(t)
		return wholegraph.Store{Client: r.Client, Prefix: r.Prefix}, nil
	}
	g, err := wholegraph.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	users := g.Subgraph("users")
	users.Stop()
	if _, err := graphqltest.PostErr(users.URL, graphqltest.Request{Query: `{ __typename }`}); err == nil {
		t.Error("a stopped subgraph answered")
	}
	if r := graphqltest.Post(t, g.Subgraph("products").URL, graphqltest.Request{Query: `{ __typename }`}); len(r.Errors) > 0 {
		t.Errorf("products after users stopped: %s", r.Raw)
	}
}

// TestConfigRefused checks that every bad setting is reported at once, the gateway's
// included, and that nothing is bound nor any Redis asked for before: a zero setting
// is refused, never taken for its default.
func TestConfigRefused(t *testing.T) {
	stores := 0
	store := func(string) (wholegraph.Store, error) {
		stores++
		r := redistest.Miniredis.New(t)
		return wholegraph.Store{Client: r.Client, Prefix: r.Prefix}, nil
	}
	listens := 0
	listen := func(string) (net.Listener, error) {
		listens++
		return net.Listen("tcp", "127.0.0.1:0")
	}
	zero := wholegraph.Config{}
	noLimits := wholegraph.DefaultConfig()
	noLimits.Store, noLimits.Listen = store, listen
	noLimits.Gateway.SubgraphTimeout, noLimits.Gateway.PlanCacheSize = 0, 0
	noFront := wholegraph.DefaultConfig()
	noFront.Store, noFront.Listen = store, listen
	noFront.Gateway.Front = nil
	for _, tc := range []struct {
		name string
		cfg  wholegraph.Config
		want []string
	}{
		{"zero", zero, []string{"no Store", "no Listen", "no CursorSecret", "subgraph-timeout", "plan-cache-size", "no front configuration"}},
		{"gateway zeros", noLimits, []string{"subgraph-timeout must be positive", "plan-cache-size must be positive"}},
		{"no front", noFront, []string{"no front configuration"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := wholegraph.Start(context.Background(), tc.cfg)
			if err == nil {
				g.Close()
				t.Fatal("started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if stores != 0 || listens != 0 {
				t.Errorf("%d stores and %d listeners asked for before refusing", stores, listens)
			}
		})
	}
}
