package gateway

import (
	"strconv"
	"sync"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// planCache holds compiled plans. Its entries are operations, keyed by the schema
// generation, the operation name and the client's query text; each holds the plans of
// the variants its requests have met (see variant). The cache is an LRU bounded in
// operations; an operation holds at most maxVariants plans, and a variant beyond that is
// planned for its request alone. Concurrent requests for a plan that is not cached yet
// wait for one planning.
type planCache struct {
	ops *lru.Cache[string, *opEntry]
	// hits and misses count plan lookups, for metrics.
	hits, misses atomic.Int64
}

// maxVariants bounds the plans one operation keeps.
const maxVariants = 64

type opEntry struct {
	op       *operation
	mu       sync.Mutex
	variants map[string]*planSlot
}

type planSlot struct {
	done chan struct{} // closed once plan or err is set
	plan *plan
	err  error
}

func newPlanCache(size int) *planCache {
	c, err := lru.New[string, *opEntry](size)
	if err != nil {
		panic(err) // size is validated by Config
	}
	return &planCache{ops: c}
}

// operation returns the cached operation for a request, creating it from doc.
func (c *planCache) operation(gr *graph, query string, doc *ast.QueryDocument, op *ast.OperationDefinition) *opEntry {
	key := strconv.FormatUint(gr.generation, 10) + "\x00" + op.Name + "\x00" + query
	if e, ok := c.ops.Get(key); ok {
		return e
	}
	authz := gr.schema
	if gr.fed != nil {
		authz = gr.fed.sg.Schema
	}
	e := &opEntry{op: newOperation(gr.schema, doc, op, gr.fed == nil, authz), variants: map[string]*planSlot{}}
	if prev, ok, _ := c.ops.PeekOrAdd(key, e); ok {
		return prev
	}
	return e
}

// plan returns the plan of variant v, compiling it with compile once.
func (c *planCache) plan(e *opEntry, v *variant, compile func() (*plan, error)) (*plan, error) {
	e.mu.Lock()
	slot, ok := e.variants[v.key]
	if !ok {
		if len(e.variants) >= maxVariants {
			e.mu.Unlock()
			c.misses.Add(1)
			return compile()
		}
		slot = &planSlot{done: make(chan struct{})}
		e.variants[v.key] = slot
	}
	e.mu.Unlock()
	if ok {
		c.hits.Add(1)
		<-slot.done
		return slot.plan, slot.err
	}
	c.misses.Add(1)
	func() {
		defer close(slot.done)
		defer func() {
			if v := recover(); v != nil {
				slot.err = panicError{v}
			}
		}()
		slot.plan, slot.err = compile()
	}()
	return slot.plan, slot.err
}

// panicError is a planning that panicked: its request fails, the process lives.
type panicError struct{ v any }

func (p panicError) Error() string { return "planning panicked: " + strconv.Quote(toString(p.v)) }

func toString(v any) string {
	if s, ok := v.(interface{ Error() string }); ok {
		return s.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "panic"
}
