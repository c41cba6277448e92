package subgraph

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Batch serves one request's lookups by id. Its first lookup fetches, in one call, the
// ids of every root field of the operation named in rootFields (such as all the
// `node(id:)` and `user(id:)` fields a batching gateway sends), so however many there
// are they cost one store round trip. It is deterministic where a time-window loader
// is not: gqlgen resolves root fields concurrently, at whatever pace the scheduler
// allows. A Batch belongs to one request; never share it.
type Batch[T any] struct {
	fetch      func(ctx context.Context, ids []string) ([]T, error)
	rootFields []string

	once sync.Once
	got  map[string]T
	err  error
}

// NewBatch returns a Batch fetching with fetch, which returns one value per id in order.
func NewBatch[T any](fetch func(ctx context.Context, ids []string) ([]T, error), rootFields ...string) *Batch[T] {
	return &Batch[T]{fetch: fetch, rootFields: rootFields}
}

// Load returns the value for id.
func (b *Batch[T]) Load(ctx context.Context, id string) (T, error) {
	b.once.Do(func() {
		ids := rootIDs(ctx, b.rootFields)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		vals, err := b.fetch(ctx, ids)
		if err != nil {
			b.err = err
			return
		}
		b.got = make(map[string]T, len(ids))
		for i, v := range vals {
			b.got[ids[i]] = v
		}
	})
	if v, ok := b.got[id]; ok {
		return v, nil
	}
	if b.err != nil {
		var zero T
		return zero, b.err
	}
	vals, err := b.fetch(ctx, []string{id})
	if err != nil {
		var zero T
		return zero, err
	}
	return vals[0], nil
}

// rootIDs returns the distinct string `id` arguments of the operation's root fields
// named in names, inline fragments at the root included.
func rootIDs(ctx context.Context, names []string) []string {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return nil
	}
	var ids []string
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if !slices.Contains(names, s.Name) {
					continue
				}
				if id, ok := s.ArgumentMap(oc.Variables)["id"].(string); ok && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	walk(oc.Operation.SelectionSet)
	return ids
}
