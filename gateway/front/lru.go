package front

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// boundedLRU is a least-recently-used map from strings to values, bounded both by its number
// of entries and by the total of the costs given with the entries (bytes, exactly or
// approximately). It is safe for concurrent use; a value is shared by every caller that gets
// it, so callers must treat values as immutable.
type boundedLRU[V any] struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, costed[V]]
	cost     int64 // total cost of the entries held
	maxCost  int64
	maxEntry int64 // the largest cost a single entry may have
}

type costed[V any] struct {
	v    V
	cost int64
}

// newBoundedLRU returns a cache of at most entries entries and maxCost total cost, refusing
// any single entry that costs more than maxEntry.
func newBoundedLRU[V any](entries int, maxCost, maxEntry int64) *boundedLRU[V] {
	c := &boundedLRU[V]{maxCost: maxCost, maxEntry: min(maxEntry, maxCost)}
	// simplelru only fails for a non-positive size, which Config.Validate rules out.
	l, err := simplelru.NewLRU(entries, func(_ string, e costed[V]) { c.cost -= e.cost })
	if err != nil {
		panic("front: " + err.Error())
	}
	c.lru = l
	return c
}

// get returns the value stored for key and marks it as recently used.
func (c *boundedLRU[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(key)
	return e.v, ok
}

// add stores v for key, evicting the least recently used entries until both bounds hold. An
// entry costing more than the per-entry bound is not stored.
func (c *boundedLRU[V]) add(key string, v V, cost int64) {
	if cost > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// simplelru replaces an existing key's value without calling the eviction callback.
	if old, ok := c.lru.Peek(key); ok {
		c.cost -= old.cost
	}
	c.lru.Add(key, costed[V]{v: v, cost: cost})
	c.cost += cost
	for c.cost > c.maxCost {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// purge drops every entry.
func (c *boundedLRU[V]) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Purge()
	c.cost = 0
}

// stats returns the number of entries and their total cost, for tests.
func (c *boundedLRU[V]) stats() (entries int, cost int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.cost
}
