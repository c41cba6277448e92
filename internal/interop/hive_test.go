package interop

import (
	"path/filepath"
	"testing"

	"github.com/fedgraph/fedgraph/internal/corpus"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
)

// TestHiveGatewayServes checks that tools/web/hive-gateway.mjs, which `make bench`
// measures, serves the composed supergraph over the running subgraphs with the data our
// gateway answers, on the shapes the benchmark sends: a product with its owner, a list
// of products with owners, a user with products. (The corpus runs through Apollo
// Gateway, TestApolloGatewayCorpus.)
func TestHiveGatewayServes(t *testing.T) {
	nodeBin := node(t)
	g := startGraph(t)
	supergraph := filepath.Join(t.TempDir(), "supergraph.graphql")
	if rep, code, stderr := compose(t, nodeBin, supergraph, g.subgraphs); code != 0 {
		t.Fatalf("compose.mjs exited %d (report %+v):\n%s", code, rep, stderr)
	}
	hive := startNodeGateway(t, nodeBin, "hive-gateway.mjs", supergraph)
	ids := corpus.Seed(t, g.gateway)
	for _, tt := range []struct {
		name string
		req  graphqltest.Request
	}{
		{"a product with its owner", graphqltest.Request{
			Query:     `query($id: ID!) { product(id: $id) { id name owner { name email } } }`,
			Variables: map[string]any{"id": ids["engine"]},
		}},
		// The first five products: the sixth is the deleted user's, for which Hive
		// Gateway adds an error ("Unexpected error.", at owner.name) to the same data.
		{"products with owners", graphqltest.Request{
			Query: `{ products(first: 5) { edges { node { id name owner { id name } } } } }`,
		}},
		{"a user with products", graphqltest.Request{
			Query:     `query($id: ID!) { user(id: $id) { name products(first: 50) { edges { node { id name } } } } }`,
			Variables: map[string]any{"id": ids["ada"]},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ours := answerOf(t, "ours", graphqltest.Post(t, g.gateway, tt.req))
			theirs := answerOf(t, "Hive Gateway's", graphqltest.Post(t, hive, tt.req))
			for _, d := range compareAnswers(corpus.Apollo{}, ours, theirs) {
				t.Errorf("%s\n  ours %s\n  Hive %s", d, ours, theirs)
			}
			if ours.data == nil || len(ours.errors) > 0 {
				t.Errorf("ours answered %s, want data without errors", ours)
			}
		})
	}
}
