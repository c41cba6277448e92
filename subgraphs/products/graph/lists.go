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
// subgraph.InOrder for why). The elements go in order on the calling goroutine unless
// they select User.products, the one field below a list whose resolver waits: on the
// owned loader, which reads the pages of every element's user in one script only while
// the elements wait together.
func marshalList(ctx context.Context, sel ast.SelectionSet, n int, workerLimit int64, omitPanicHandler bool, marshal func(context.Context, int) graphql.Marshaler) graphql.Array {
	if subgraph.Selects(sel, "products") {
		return graphql.MarshalSliceConcurrently(ctx, n, workerLimit, omitPanicHandler, marshal)
	}
	return subgraph.InOrder(ctx, n, omitPanicHandler, marshal)
}

// deferredGroup makes the group of an object's @defer'd fields; the generated code
// calls it where gqlgen's calls graphql.NewDeferredGroup for an object with a field
// resolved concurrently (User, for User.products): see subgraph.DeferredGroup.
func deferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	return subgraph.DeferredGroup(ctx, fields)
}

// object is an object's answer; the generated marshaller of each object returns it
// where gqlgen's returns its field set: see subgraph.Object.
func object(fields []graphql.CollectedField, out *graphql.FieldSet) graphql.Marshaler {
	return subgraph.Object(fields, out)
}

// answerBuffer is the buffer a query's answer is written into; the generated code calls
// it where gqlgen's declares an empty one (tools/generate, subgraph.AnswerBuffer).
func answerBuffer(ctx context.Context) *bytes.Buffer {
	return subgraph.AnswerBuffer(ctx)
}
