package wholegraph

import (
	"testing"

	"github.com/fedgraph/fedgraph/schema"
)

// TestConstructors checks that the graph builds exactly the subgraphs of the table.
func TestConstructors(t *testing.T) {
	build := constructors()
	for _, s := range schema.Subgraphs() {
		if build[s.Name] == nil {
			t.Errorf("subgraph %s of schema.Subgraphs has no constructor in subgraphs.go", s.Name)
		}
	}
	for name := range build {
		if _, ok := schema.Lookup(name); !ok {
			t.Errorf("constructor for %s, which is not in schema.Subgraphs", name)
		}
	}
}
