package front

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestCostOfAlternatives checks that fragments on object types count as alternatives
// (an object has one runtime type: the costliest counts), while fields, untyped
// fragments and fragments on interfaces count for every object.
func TestCostOfAlternatives(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { items: [Item] }
		interface Named { name: String }
		union Item = Book | Film
		type Book implements Named { name: String pages: Int chapters: [Book] }
		type Film implements Named { name: String minutes: Int }
	`})
	for _, c := range []struct {
		name, query string
		want        int64
	}{
		// items: 1 + 10 × (selection).
		{"one field", `{ items { __typename } }`, 1 + 10*1},
		{"alternatives: the costlier", `{ items { ... on Book { name pages } ... on Film { name } } }`, 1 + 10*2},
		{"a type's fragments add up", `{ items { ... on Book { name } ... on Book { pages } ... on Film { name } } }`, 1 + 10*2},
		{"interface fragments apply to all", `{ items { ... on Named { name } ... on Book { pages } ... on Film { minutes } } }`, 1 + 10*2},
		{"named fragments too", `{ items { ...B ...F } } fragment B on Book { name pages } fragment F on Film { name }`, 1 + 10*2},
		{"nested lists", `{ items { ... on Book { chapters { name } } ... on Film { name } } }`, 1 + 10*(1+10*1)},
	} {
		doc, err := gqlparser.LoadQueryWithRules(schema, c.query, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := estimateCost(schema, doc.Operations[0], nil, 10); got != c.want {
			t.Errorf("%s: got cost %d, want %d", c.name, got, c.want)
		}
	}
}
