package fedtest

import (
	"strings"
	"testing"
)

// TestComposeAndApolloGateway composes two subgraphs, serves the supergraph with Apollo
// Gateway, and checks an answer that needs both, with one request to each subgraph.
func TestComposeAndApolloGateway(t *testing.T) {
	t.Parallel()
	g := Compose(t,
		Subgraph{
			Name: "books",
			SDL: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { books: [Book] }
type Book @key(fields: "id") { id: ID! title: String }
`,
			Query: map[string]any{"books": []any{
				map[string]any{"__typename": "Book", "id": "1", "title": "Dune"},
				map[string]any{"__typename": "Book", "id": "2", "title": "Emma"},
			}},
		},
		Subgraph{
			Name: "shelves",
			SDL: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Book @key(fields: "id") { id: ID! shelf: Int }
`,
			Entities: map[string]EntityResolver{"Book": func(rep map[string]any) (map[string]any, error) {
				return map[string]any{"shelf": len(rep["id"].(string)) + 40}, nil
			}},
		},
	)
	for _, s := range g.Subgraphs {
		if want := `@join__graph(name: "` + s.Name + `", url: "` + s.URL + `")`; !strings.Contains(g.Supergraph, want) {
			t.Errorf("supergraph lacks %s", want)
		}
	}
	url := ApolloGateway(t, g.File)
	before := map[string]int{"books": g.Subgraph("books").Handler.Count(), "shelves": g.Subgraph("shelves").Handler.Count()}
	got := post(t, url, `{ books { title shelf } }`, nil)
	if want := `{"data":{"books":[{"title":"Dune","shelf":41},{"title":"Emma","shelf":41}]}}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for name, n := range before {
		if got := g.Subgraph(name).Handler.Count() - n; got != 1 {
			t.Errorf("%s received %d requests, want 1", name, got)
		}
	}
}
