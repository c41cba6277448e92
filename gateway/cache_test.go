package gateway

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const cacheTestSDL = `
interface Node { id: ID! }
type Query { node(id: ID!): Node  user(id: ID!): User  hello(name: String): String }
type User implements Node { id: ID! name: String }
`

func cacheTestDoc(t *testing.T, schema *ast.Schema, q string) (*ast.QueryDocument, *ast.OperationDefinition) {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(schema, q, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	return doc, doc.Operations[0]
}

// TestPlanCacheOnePlanningPerKey sends 50 concurrent requests for one plan that is not
// cached yet: one planning, 49 hits that wait for it.
func TestPlanCacheOnePlanningPerKey(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: cacheTestSDL})
	c := newPlanCache(10)
	const q = `query($x: Boolean!) { hello @include(if: $x) }`
	var compiles atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	plans := make([]*plan, 50)
	for i := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, op := cacheTestDoc(t, schema, q)
			e := c.operation(&graph{generation: 1, schema: schema}, q, doc, op)
			v := e.op.variant(map[string]any{"x": true}, nil)
			p, err := c.plan(e, &v, func() (*plan, error) {
				compiles.Add(1)
				<-release // every other request arrives while this one plans
				return &plan{}, nil
			})
			if err != nil {
				t.Error(err)
			}
			plans[i] = p
		}()
	}
	for c.misses.Load()+c.hits.Load() < 50 {
		runtime.Gosched() // until every request has looked the plan up; hits wait on it
	}
	close(release)
	wg.Wait()
	if n := compiles.Load(); n != 1 {
		t.Errorf("plannings: got %d, want 1", n)
	}
	for _, p := range plans {
		if p != plans[0] {
			t.Fatal("requests got different plans")
		}
	}
	if h, m := c.hits.Load(), c.misses.Load(); h != 49 || m != 1 {
		t.Errorf("hits, misses: got %d, %d, want 49, 1", h, m)
	}
}

// TestPlanCacheKeys checks what makes a plan another: the variant (condition values,
// node id types), the operation name, the schema generation; and the LRU bound.
func TestPlanCacheKeys(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: cacheTestSDL})
	c := newPlanCache(2)
	compiles := 0
	get := func(gen uint64, q string, vars map[string]any) *plan {
		doc, op := cacheTestDoc(t, schema, q)
		e := c.operation(&graph{generation: gen, schema: schema}, q, doc, op)
		v := e.op.variant(vars, nil)
		p, err := c.plan(e, &v, func() (*plan, error) { compiles++; return &plan{}, nil })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const cond = `query($x: Boolean!) { hello @include(if: $x) }`
	const node = `query($id: ID!) { node(id: $id) { id } }`
	a := get(1, cond, map[string]any{"x": true})
	if get(1, cond, map[string]any{"x": true}) != a || compiles != 1 {
		t.Fatal("the same variant was planned again")
	}
	if get(1, cond, map[string]any{"x": false}) == a || compiles != 2 {
		t.Fatal("another condition value shared a plan")
	}
	if get(2, cond, map[string]any{"x": true}) == a || compiles != 3 {
		t.Fatal("a new schema generation served an old plan")
	}
	u := get(1, node, map[string]any{"id": "User:1"})
	if get(1, node, map[string]any{"id": "User:2"}) != u {
		t.Fatal("two ids of one type did not share a plan")
	}
	if get(1, node, map[string]any{"id": "Other:1"}) == u {
		t.Fatal("ids of different types shared a plan")
	}
	if n := c.ops.Len(); n != 2 {
		t.Errorf("cached operations: got %d, want the bound, 2", n)
	}
}
