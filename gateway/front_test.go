package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// TestAuditWholeGraph runs graphql-http's server audit against the gateway in front of
// both real subgraphs: every MUST and SHOULD audit must pass.
func TestAuditWholeGraph(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	webtest.Audit(t, g.url)
}

// TestPlaygroundWholeGraph opens the gateway's playground in headless Chromium, runs the
// product-with-owner query from the README in it and reads the answer from the page.
func TestPlaygroundWholeGraph(t *testing.T) {
	webtest.NeedChromium(t)
	node := webtest.Node(t)
	g := startGraph(t, redistest.Miniredis, withPlaygroundDir(webtest.PlaygroundDir(t, node)))
	ada := g.createUser(t, "Ada Lovelace", "ada@example.com")
	g.createProduct(t, "Analytical Engine", "1843.00", "GBP", ada)

	out := webtest.Browse(t, node, strings.TrimSuffix(g.url, "/graphql")+"/", productsWithOwner)
	var got struct {
		Data struct {
			Products struct {
				Edges []struct {
					Node struct {
						Name  string
						Price struct{ Amount, CurrencyCode string }
						Owner struct{ Name, Email string }
					}
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("result pane is not JSON: %v\n%s", err, out)
	}
	if len(got.Errors) > 0 || len(got.Data.Products.Edges) != 1 {
		t.Fatalf("result pane: %s", out)
	}
	n := got.Data.Products.Edges[0].Node
	if n.Name != "Analytical Engine" || n.Price.Amount != "1843.00" || n.Price.CurrencyCode != "GBP" || n.Owner.Name != "Ada Lovelace" || n.Owner.Email != "ada@example.com" {
		t.Errorf("result pane shows %+v", n)
	}
}

// TestMutationOverGETChangesNothing checks through the whole graph that a mutation sent
// with GET is refused with 405 and creates nothing.
func TestMutationOverGETChangesNothing(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	before := g.usersRedis.Dump(t)
	req, _ := http.NewRequest(http.MethodGet, g.url+`?query=`+urlQuery(`mutation { createUser(input: {name: "Eve", email: "eve@example.com"}) { id } }`), nil)
	req.Header.Set("Accept", "application/graphql-response+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("mutation over GET: status %d, want 405", resp.StatusCode)
	}
	if after := g.usersRedis.Dump(t); len(after) != len(before) {
		t.Errorf("mutation over GET changed the users store: %d keys before, %d after", len(before), len(after))
	}

	// And a text/plain POST, which a browser sends cross-site without a preflight.
	resp, err = http.Post(g.url, "text/plain", bytes.NewBufferString(`{"query":"mutation { createUser(input: {name: \"Eve\", email: \"eve@example.com\"}) { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("text/plain mutation: status %d, want 400", resp.StatusCode)
	}
	if after := g.usersRedis.Dump(t); len(after) != len(before) {
		t.Errorf("text/plain mutation changed the users store")
	}
}

// TestRootTypename checks the gateway's own answer to root __typename, which nautilus
// leaves empty.
func TestRootTypename(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	var d map[string]any
	g.must(t, `{ __typename t: __typename users(first: 1) { edges { cursor } } }`, nil, &d)
	if d["__typename"] != "Query" || d["t"] != "Query" || d["users"] == nil {
		t.Errorf("root __typename: %v", d)
	}
	g.must(t, `mutation { __typename }`, nil, &d)
	if d["__typename"] != "Mutation" {
		t.Errorf("mutation __typename: %v", d)
	}
}

// TestCostOfReadmeQuery pins the cost the README gives for the product-with-owner query:
// it passes a limit of 31 and is refused at 30.
func TestCostOfReadmeQuery(t *testing.T) {
	for _, tt := range []struct {
		max  int
		code string
	}{{31, ""}, {30, "COST_LIMIT_EXCEEDED"}} {
		g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Front.MaxCost = tt.max })
		r := g.post(t, productsWithOwner, nil)
		got := ""
		if len(r.Errors) > 0 {
			got = onlyCode(t, r)
		}
		if got != tt.code {
			t.Errorf("max-cost %d: code %q, want %q", tt.max, got, tt.code)
		}
	}
}
