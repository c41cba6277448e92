package products

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// everyoneExists is an owner check that accepts every owner: the benchmark measures the
// products subgraph alone.
type everyoneExists struct{}

func (everyoneExists) UserExists(context.Context, string) (bool, error) { return true, nil }

// BenchmarkList serves the gateway's list query (100 products, each with its owner's
// key) through the products subgraph's whole handler, without a network: what the
// subgraph spends per list, on REDIS_URL's Redis when set (miniredis's CPU would count
// as the subgraph's otherwise).
func BenchmarkList(b *testing.B) {
	backend := redistest.Miniredis
	if url := os.Getenv("REDIS_URL"); url != "" {
		backend = redistest.Backend(url)
	}
	r := backend.New(b)
	svc, err := NewService(config(r.Client, r.Prefix, everyoneExists{}))
	if err != nil {
		b.Fatal(err)
	}
	h := svc.Handler()
	post := func(query string) string {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(query))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		return w.Body.String()
	}
	for i := range 100 {
		post(fmt.Sprintf(`{"query":"mutation { createProduct(input: {name: \"P%d\", description: \"d\", price: {amount: \"1.50\", currencyCode: USD}, ownerId: \"User:00000000-0000-0000-0000-%012d\"}) { id } }"}`, i, i%17))
	}
	list := `{"query":"{ products(first: 100) { edges { node { id name price { amount currencyCode } owner { id } } } } }"}`
	if n := strings.Count(post(list), `"node"`); n != 100 {
		b.Fatalf("%d products listed, want 100", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		post(list)
	}
}
