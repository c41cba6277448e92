package front_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// TestPlaygroundInBrowser opens GraphiQL from the front in headless Chromium, types a query,
// runs it and checks the result pane. browser.mjs also fails on any request that leaves the
// gateway's origin, so this proves the playground works offline.
func TestPlaygroundInBrowser(t *testing.T) {
	webtest.NeedChromium(t)
	node := webtest.Node(t)
	cfg := front.DefaultConfig()
	cfg.PlaygroundDir = webtest.PlaygroundDir(t, node)
	srv := newServer(t, cfg, newStaticExecutor(t))

	query := `{ products(first: 2) { edges { node { id name price { amount currency } } } } }`
	out := webtest.Browse(t, node, srv.URL+"/", query)
	var got struct {
		Data struct {
			Products struct {
				Edges []struct {
					Node struct {
						ID    string `json:"id"`
						Name  string `json:"name"`
						Price struct {
							Amount   string `json:"amount"`
							Currency string `json:"currency"`
						} `json:"price"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"products"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("result pane is not JSON: %v\n%s", err, out)
	}
	if len(got.Errors) != 0 {
		t.Fatalf("result pane has errors: %s", out)
	}
	edges := got.Data.Products.Edges
	if len(edges) != 2 {
		t.Fatalf("got %d edges in the result pane, want 2:\n%s", len(edges), out)
	}
	if n := edges[1].Node; n.ID != "Product:2" || n.Name != "Product 2" || n.Price.Amount != "20.00" || n.Price.Currency != "EUR" {
		t.Errorf("second product: got %+v, want Product:2 / Product 2 / 20.00 EUR", n)
	}
}

// TestPlaygroundSendsDefaultHeaders checks PlaygroundHeaders in a browser: GraphiQL's
// headers editor starts with them and the query is sent with them, as `make run` uses
// it to hand the playground a development token.
func TestPlaygroundSendsDefaultHeaders(t *testing.T) {
	webtest.NeedChromium(t)
	node := webtest.Node(t)
	cfg := front.DefaultConfig()
	cfg.PlaygroundDir = webtest.PlaygroundDir(t, node)
	cfg.PlaygroundHeaders = `{"Authorization": "Bearer dev-token-<&>"}`
	schema := testSchema(t)
	h, err := front.New(cfg, func() *ast.Schema { return schema }, newStaticExecutor(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mu.Lock()
			sent = append(sent, r.Header.Get("Authorization"))
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	out := webtest.Browse(t, node, srv.URL+"/", `{ products(first: 1) { edges { node { id } } } }`)
	if !strings.Contains(string(out), `"Product:1"`) {
		t.Fatalf("result pane: %s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	// GraphiQL's own introspection query is sent with the headers too.
	if len(sent) == 0 {
		t.Fatal("the playground sent no POST")
	}
	for _, a := range sent {
		if a != "Bearer dev-token-<&>" {
			t.Errorf("a POST from the playground had Authorization %q, want the default header", a)
		}
	}
}
