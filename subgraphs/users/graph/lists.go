package graph

import (
	"bytes"
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// marshalList marshals the elements of a list of objects; the generated code calls it
// where gqlgen's calls graphql.MarshalSliceConcurrently (tools/generate, and
// subgraph.InOrder for why). No field below a list of this subgraph has a resolver:
// every element is marshalled in order on the calling goroutine.
func marshalList(ctx context.Context, _ ast.SelectionSet, n int, _ int64, omitPanicHandler bool, marshal func(context.Context, int) graphql.Marshaler) graphql.Array {
	return subgraph.InOrder(ctx, n, omitPanicHandler, marshal)
}

// object is an object's answer; the generated marshaller of each object returns it
// where gqlgen's returns its field set: see subgraph.Object.
func object(fields []graphql.CollectedField, out *graphql.FieldSet) graphql.Marshaler {
	return subgraph.Object(fields, out)
}

// resolveRoot resolves a root field whose reads the request's Batch serves (node, user,
// _entities) in order; the generated code calls it where gqlgen's calls
// FieldSet.ResolveRootConcurrently (tools/generate, and subgraph.ResolveRootInOrder for
// why).
func resolveRoot(ctx context.Context, oc *graphql.OperationContext, out *graphql.FieldSet, i int, recoverFromPanic, nonNull bool, resolve func(context.Context) graphql.Marshaler) {
	subgraph.ResolveRootInOrder(ctx, oc, out, i, recoverFromPanic, nonNull, resolve)
}

// answerBuffer is the buffer a query's answer is written into; the generated code calls
// it where gqlgen's declares an empty one (tools/generate, subgraph.AnswerBuffer).
func answerBuffer(ctx context.Context) *bytes.Buffer {
	return subgraph.AnswerBuffer(ctx)
}
