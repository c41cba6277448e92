package front

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// TestBoundedLRU checks both bounds, the per-entry bound, replacement and the cost
// accounting through evictions and purges.
func TestBoundedLRU(t *testing.T) {
	c := newBoundedLRU[int](3, 100, 50)
	check := func(wantEntries int, wantCost int64) {
		t.Helper()
		if n, cost := c.stats(); n != wantEntries || cost != wantCost {
			t.Fatalf("stats: got %d entries costing %d, want %d costing %d", n, cost, wantEntries, wantCost)
		}
	}
	c.add("a", 1, 10)
	c.add("b", 2, 20)
	c.add("c", 3, 30)
	check(3, 60)
	c.add("d", 4, 10) // over the entry bound: a goes
	check(3, 60)
	c.get("b")        // b is now the most recently used: c, d, b
	c.add("e", 5, 45) // over the entry bound: c goes
	check(3, 75)
	c.add("f", 6, 40) // over the entry bound, d goes; then over the cost bound, b goes
	check(2, 85)
	for _, k := range []string{"a", "b", "c", "d"} {
		if _, ok := c.get(k); ok {
			t.Errorf("%s: still held, want it evicted", k)
		}
	}
	c.add("e", 7, 5) // replacing counts the new cost only
	check(2, 45)
	if v, _ := c.get("e"); v != 7 {
		t.Errorf("e: got %d, want 7", v)
	}
	c.add("big", 8, 51) // over the per-entry bound: not stored, nothing evicted
	check(2, 45)
	c.purge()
	check(0, 0)
}

// TestBoundedLRUConcurrent hammers one cache from several goroutines; -race checks the
// locking and the accounting must still add up.
func TestBoundedLRUConcurrent(t *testing.T) {
	c := newBoundedLRU[string](64, 4096, 4096)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := fmt.Sprint((g*7 + i) % 100)
				if _, ok := c.get(k); !ok {
					c.add(k, k, int64(len(k)*40))
				}
			}
		})
	}
	wg.Wait()
	n, cost := c.stats()
	var want int64
	for _, k := range c.lru.Keys() {
		want += int64(len(k) * 40)
	}
	if n > 64 || cost > 4096 || cost != want {
		t.Errorf("got %d entries costing %d (sum of held entries %d), want at most 64 costing at most 4096", n, cost, want)
	}
}

// TestDocCacheSchemaGenerations checks that an entry checked against one schema is a miss
// for another, and that the first entry for a new schema drops the old schema's entries.
func TestDocCacheSchemaGenerations(t *testing.T) {
	s1 := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int }`})
	s2 := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int }`})
	c := newDocCache(10, 1<<20)
	c.add("{ a }", &checked{schema: s1})
	c.add("{ a a }", &checked{schema: s1})
	if _, ok := c.get(s1, "{ a }"); !ok {
		t.Fatal("miss for the schema the entry was checked against")
	}
	if _, ok := c.get(s2, "{ a }"); ok {
		t.Fatal("hit for another schema")
	}
	c.add("{ a }", &checked{schema: s2})
	if n, _ := c.lru.stats(); n != 1 {
		t.Errorf("after the first entry for a new schema: %d entries, want 1", n)
	}
	if _, ok := c.get(s2, "{ a }"); !ok {
		t.Error("miss for the new schema's entry")
	}
}

// TestDocCacheCosts checks what an entry is counted at, and that an entry over an eighth
// of the bound is not cached.
func TestDocCacheCosts(t *testing.T) {
	s := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int }`})
	c := newDocCache(10, 80<<10)
	ok := "{ a }"
	c.add(ok, &checked{schema: s, doc: &ast.QueryDocument{}})
	refused := "{ b }"
	c.add(refused, &checked{schema: s, validErr: requestError(errcode.ValidationFailed, "no")})
	_, cost := c.lru.stats()
	want := int64(len(ok)*(1+astBytesPerByte) + entryOverhead + len(refused) + entryOverhead)
	if cost != want {
		t.Errorf("cost: got %d, want %d", cost, want)
	}
	big := "{ a " + strings.Repeat(" ", 10<<10) + "}" // 10 KiB × 33 > 80 KiB / 8
	c.add(big, &checked{schema: s, doc: &ast.QueryDocument{}})
	if _, hit := c.get(s, big); hit {
		t.Error("an entry over an eighth of the bound was cached")
	}
}
