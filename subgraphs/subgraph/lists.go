package subgraph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// gqlgen marshals the elements of every list of objects each on a goroutine of its own
// (graphql.MarshalSliceConcurrently), whether or not anything below them waits on I/O;
// its exec.worker_limit only bounds how many run at once. For a page of 100 products
// that was 100 goroutines, each growing its stack through the field chain, for fields
// that only copy a struct's field: an eighth of the subgraph's CPU per list. It has no
// setting to marshal a list in order, so tools/generate rewrites each call in the
// generated code to the graph package's marshalList, which chooses between the two
// with InOrder and Selects.

// InOrder marshals a list's n elements one after the other on the calling goroutine,
// each as graphql.MarshalSliceConcurrently would: with its index in a field context of
// its own and, unless omitPanicHandler, a panic turned into the element's error and a
// null. Once ctx is done (the request timed out, went, or grew past MaxResponseBytes)
// the elements left are not marshalled but null: nobody reads that answer
// (stopFields).
func InOrder(ctx context.Context, n int, omitPanicHandler bool, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	// The elements' field contexts and indexes are allocated for the list at once.
	fcs, indexes := make([]graphql.FieldContext, n), make([]int, n)
	for i := range n {
		if ctx.Err() != nil {
			for j := i; j < n; j++ {
				ret[j] = graphql.Null
			}
			return ret
		}
		indexes[i] = i
		fcs[i].Index = &indexes[i]
		ctx := graphql.WithFieldContext(ctx, &fcs[i])
		if omitPanicHandler {
			ret[i] = marshal(ctx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(ctx, graphql.Recover(ctx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshal(ctx, i)
		}()
	}
	return ret
}

// Selects reports whether sel, through its fragments, selects a field named name at
// any depth: whether a list's elements reach a field whose resolver waits on I/O, such
// as a loader that gathers the reads of every element only while they wait together,
// which needs the elements marshalled concurrently.
func Selects(sel ast.SelectionSet, name string) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == name || Selects(s.SelectionSet, name) {
				return true
			}
		case *ast.InlineFragment:
			if Selects(s.SelectionSet, name) {
				return true
			}
		case *ast.FragmentSpread:
			// A fragment the validator has not resolved is read as selecting it: the
			// concurrent path is always correct.
			if s.Definition == nil || Selects(s.Definition.SelectionSet, name) {
				return true
			}
		}
	}
	return false
}

// DeferredGroup is the group of an object's @defer'd fields as gqlgen's marshaller
// makes it (graphql.NewDeferredGroup) when one of the object's collected fields is
// deferred, and an empty group, which the marshaller then never uses, when none is:
// a group costs the object's path, a field set and a map, ten allocations for the owner
// of each product of a list, for a query that defers nothing. tools/generate makes the
// marshallers of objects with concurrent fields, the only ones that can be deferred,
// call it through their graph package's deferredGroup.
func DeferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, f := range fields {
		if f.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}
