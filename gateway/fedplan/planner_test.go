package fedplan

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/fedgraph/fedgraph/gateway/supergraph"
)

var update = flag.Bool("update", false, "rewrite the golden plans in testdata")

// shopQueries are planned over testdata/shop.graphql; their plans are in
// testdata/shop.plans.
var shopQueries = []struct{ name, query string }{
	{"local fields", `{ products { upc weight color } }`},
	{"entity fetch by key", `{ products { upc shipping } }`},
	{"requires", `{ products { shipping } }`},
	{"override", `{ products { cost } }`},
	{"provides", `{ products { seller { name } } }`},
	{"no provides", `{ media { ... on Product { seller { name } } } }`},
	{"union per subgraph", `{ media { ... on Video { url } ... on Product { upc color } } }`},
	{"interface object field", `{ accounts { rating } }`},
	{"interface object runtime type", `{ accounts { __typename ... on Customer { name rating } } }`},
	{"aliases", `{ products { a: shipping b: upc upc: weight } }`},
	{"key the client asks, after the field", `{ products { shipping upc } }`},
	{"key the client asks in a fragment", `{ products { shipping ... on Product { upc } } }`},
	{"key the client asks under an alias", `{ products { shipping u: upc } }`},
	{"key the client asks, abstract position", `{ media { ... on Product { upc seller { name } } } }`},
	{"shared root field, provides decide", `{ topProducts { weight color shipping } }`},
}

func loadShop(t *testing.T) *supergraph.Supergraph {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "shop.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// plan plans query over sg, as the gateway does: validated against the API schema and
// normalised.
func plan(t *testing.T, sg *supergraph.Supergraph, query string) (*Plan, error) {
	t.Helper()
	doc, perr := parser.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		t.Fatal(perr)
	}
	if errs := validator.ValidateWithRules(sg.API, doc, nil); len(errs) > 0 {
		t.Fatalf("%s: %v", query, errs)
	}
	op := doc.Operations[0]
	return Build(sg, op.Operation, Normalize(op, doc.Fragments, nil, nil), "_f")
}

func TestShopPlans(t *testing.T) {
	sg := loadShop(t)
	var b strings.Builder
	for _, q := range shopQueries {
		p, err := plan(t, sg, q.query)
		if err != nil {
			t.Errorf("%s: %v", q.name, err)
			continue
		}
		b.WriteString("# " + q.name + ": " + q.query + "\n" + p.String() + "\n")
	}
	golden := filepath.Join("testdata", "shop.plans")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("plans differ from %s (go test -update to rewrite it):\n%s", golden, got)
	}
}

// TestWorkBudget checks that planning stops with ErrTooComplex once it has weighed its
// budget, and that the shop's queries stay well within the real one.
func TestWorkBudget(t *testing.T) {
	sg := loadShop(t)
	doc, perr := parser.ParseQuery(&ast.Source{Input: `{ products { upc weight color cost shipping seller { name } } }`})
	if perr != nil {
		t.Fatal(perr)
	}
	op := doc.Operations[0]
	if errs := validator.ValidateWithRules(sg.API, doc, nil); len(errs) > 0 {
		t.Fatal(errs)
	}
	sel := Normalize(op, doc.Fragments, nil, nil)
	if _, err := build(sg, op.Operation, sel, "_f", 5); !errors.Is(err, ErrTooComplex) {
		t.Errorf("with a budget of 5: got %v, want ErrTooComplex", err)
	}
	if _, err := build(sg, op.Operation, sel, "_f", maxWork); err != nil {
		t.Errorf("with the real budget: %v", err)
	}
}
