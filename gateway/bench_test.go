package gateway_test

import (
	"fmt"
	"testing"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// BenchmarkProductsWithOwner is one README query through the whole graph on loopback
// HTTP and miniredis: three products and, through nautilus, one users request each. It
// is the yardstick the front's rejection costs are read against.
func BenchmarkProductsWithOwner(b *testing.B) {
	g := startGraph(b, redistest.Miniredis)
	for i := 0; i < 3; i++ {
		u := g.createUser(b, fmt.Sprintf("u%d", i), fmt.Sprintf("u%d@example.com", i))
		g.createProduct(b, fmt.Sprintf("p%d", i), "1", "USD", u)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var d struct{ Products struct{ Edges []any } }
		g.must(b, productsWithOwner, nil, &d)
		if len(d.Products.Edges) != 3 {
			b.Fatalf("got %d products", len(d.Products.Edges))
		}
	}
}
