package subgraph

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
)

// Batch serves one request's lookups from one read of everything the operation itself
// asks for. Its first Load asks keys for every key the operation's text names (such as
// the ids of all the `node(id:)` and `user(id:)` fields a batching gateway sends) and
// fetches them in calls of at most maxKeys keys, so however many lookups there are
// they cost ceil(keys/maxKeys) store round trips, or one when maxKeys is 0. It is
// deterministic where a time-window loader is not: gqlgen resolves fields
// concurrently, at whatever pace the scheduler allows. A Batch belongs to one request;
// never share it.
type Batch[K comparable, V any] struct {
	keys    func(oc *graphql.OperationContext) []K
	fetch   func(ctx context.Context, keys []K) ([]V, error)
	maxKeys int

	once sync.Once
	got  map[K]fetched[V]
}

// fetched is a key's value, or the error of the call that was to fetch it.
type fetched[V any] struct {
	val V
	err error
}

// NewBatch returns a Batch that reads its keys from the operation with keys and fetches
// them with fetch, which returns one value per key in order, at most maxKeys keys per
// call (0: all in one call).
func NewBatch[K comparable, V any](keys func(*graphql.OperationContext) []K, fetch func(ctx context.Context, keys []K) ([]V, error), maxKeys int) *Batch[K, V] {
	return &Batch[K, V]{keys: keys, fetch: fetch, maxKeys: maxKeys}
}

// Load returns the value for key. ok is false when key is not one the operation names,
// and the caller reads it some other way; a failed fetch is reported to each key it was
// to fetch, and only to those.
func (b *Batch[K, V]) Load(ctx context.Context, key K) (v V, ok bool, err error) {
	b.once.Do(func() { b.got = b.fetchAll(ctx) })
	f, ok := b.got[key]
	return f.val, ok, f.err
}

func (b *Batch[K, V]) fetchAll(ctx context.Context) map[K]fetched[V] {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return nil
	}
	var keys []K
	got := map[K]fetched[V]{}
	for _, k := range b.keys(oc) {
		if _, dup := got[k]; !dup {
			got[k] = fetched[V]{}
			keys = append(keys, k)
		}
	}
	size := b.maxKeys
	if size <= 0 {
		size = max(len(keys), 1)
	}
	for chunk := range slices.Chunk(keys, size) {
		vals, err := b.fetch(ctx, chunk)
		if err == nil && len(vals) != len(chunk) {
			err = fmt.Errorf("subgraph: batch fetch returned %d values for %d keys", len(vals), len(chunk))
		}
		for i, k := range chunk {
			if err != nil {
				got[k] = fetched[V]{err: err}
			} else {
				got[k] = fetched[V]{val: vals[i]}
			}
		}
	}
	return got
}

// RootIDs returns the keys of a Batch of lookups by id: the string `id` arguments of the
// operation's root fields named in names.
func RootIDs(names ...string) func(*graphql.OperationContext) []string {
	return func(oc *graphql.OperationContext) []string {
		var ids []string
		for id := range RootLookups(oc, names...) {
			ids = append(ids, id)
		}
		return ids
	}
}

// RootLookups yields each root field of the operation named in names whose `id`
// argument is a string, with that id. It collects the root fields as gqlgen's executor
// does: fragment spreads and inline fragments followed, @skip and @include applied,
// fields of one response name merged.
func RootLookups(oc *graphql.OperationContext, names ...string) iter.Seq2[string, graphql.CollectedField] {
	return func(yield func(string, graphql.CollectedField) bool) {
		if oc.Operation == nil {
			return
		}
		// At the root every fragment applies to the root type: no type to satisfy.
		for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
			if !slices.Contains(names, f.Name) {
				continue
			}
			if id, ok := f.ArgumentMap(oc.Variables)["id"].(string); ok && !yield(id, f) {
				return
			}
		}
	}
}

// ResolveRootInOrder resolves field i of out, a Query field, at once on the calling
// goroutine, as gqlgen's FieldSet.ResolveRootConcurrently would on a goroutine of its
// own: under the operation's RootResolverMiddleware, a panic reported and resolved to
// null when recoverFromPanic is set, and its value counted against out.Invalids when it
// is the one that invalidates the object (null for a non-null field). The generated
// code calls it for the root fields whose reads a Batch serves (tools/generate): the
// first of them reads for all, and the others find their values, so a goroutine each,
// whose stack grows through gqlgen's call chain, would cost more than it overlaps. A
// batching gateway sends one such field per object it looks up.
func ResolveRootInOrder(ctx context.Context, oc *graphql.OperationContext, out *graphql.FieldSet, i int, recoverFromPanic, nonNull bool, resolve func(context.Context) graphql.Marshaler) {
	invalid := graphql.RequiredNull
	if nonNull {
		invalid = graphql.Null
	}
	v := oc.RootResolverMiddleware(ctx, func(ctx context.Context) (res graphql.Marshaler) {
		if recoverFromPanic {
			defer func() {
				if r := recover(); r != nil {
					oc.Error(ctx, oc.Recover(ctx, r))
					res = graphql.Null
				}
			}()
		}
		return resolve(ctx)
	})
	out.Values[i] = v
	if v == invalid {
		atomic.AddUint32(&out.Invalids, 1)
	}
}
