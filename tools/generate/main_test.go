package main

import (
	"strings"
	"testing"
)

// field is gqlgen's marshaller of a field of Product that resolves with resolve and
// marshals its value, of Go type typ, with marshal.
func field(name, resolve, typ, marshal string) string {
	return "(ec *executionContext) _Product_" + name + "(ctx context.Context, field graphql.CollectedField, obj *Product) (ret graphql.Marshaler) {\n" +
		"\treturn graphql.ResolveField(\n\t\tctx,\n\t\tec.OperationContext,\n\t\tfield,\n" +
		"\t\tfunc(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {\n\t\t\treturn ec.fieldContext_Product_" + name + "(ctx, field)\n\t\t},\n" +
		"\t\tfunc(ctx context.Context) (any, error) {\n\t\t\treturn " + resolve + ", nil\n\t\t},\n" +
		"\t\tnil,\n" +
		"\t\tfunc(ctx context.Context, selections ast.SelectionSet, v " + typ + ") graphql.Marshaler {\n\t\t\treturn ec." + marshal + "(ctx, selections, v)\n\t\t},\n" +
		"\t\ttrue,\n\t\ttrue,\n\t)\n}"
}

// underContext is the marshaller plainFields makes of a field of Product that reads
// value and marshals it with marshal under its field context.
func underContext(name, value, marshal string) string {
	return "(ec *executionContext) _Product_" + name + "(ctx context.Context, field graphql.CollectedField, obj *Product) (ret graphql.Marshaler) {\n" +
		"\tfc, err := ec.fieldContext_Product_" + name + "(ctx, field)\n\tif err != nil {\n\t\treturn graphql.Null\n\t}\n" +
		"\tctx = graphql.WithFieldContext(ctx, fc)\n" +
		"\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\tec.OperationContext.Error(ctx, ec.OperationContext.Recover(ctx, r))\n\t\t\tret = graphql.Null\n\t\t}\n\t}()\n" +
		"\tfc.Result = " + value + "\n" +
		"\treturn ec." + marshal + "(ctx, field.Selections, " + value + ")\n}"
}

// TestPlainFields checks which field marshallers plainFields rewrites, and how: those
// of a struct's field, marshalled as it stands when its value is no pointer and never
// marshals to null and under its field context otherwise, and no other.
func TestPlainFields(t *testing.T) {
	marshallers := []string{
		"(ec *executionContext) marshalNString2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {\n\t_ = sel\n\tres := graphql.MarshalString(v)\n\tif res == graphql.Null {\n\t}\n\treturn res\n}",
		"(ec *executionContext) marshalNDecimal(ctx context.Context, sel ast.SelectionSet, v Decimal) graphql.Marshaler {\n\treturn v\n}",
		"(ec *executionContext) marshalNDateTime2timeᚐTime(ctx context.Context, sel ast.SelectionSet, v time.Time) graphql.Marshaler {\n\t_ = sel\n\tres := graphql.MarshalTime(v)\n\treturn res\n}",
	}
	tests := []struct {
		name, in, want string
	}{
		{"a string field", field("name", "obj.Name", "string", "marshalNString2string"),
			"(ec *executionContext) _Product_name(ctx context.Context, field graphql.CollectedField, obj *Product) (ret graphql.Marshaler) {\n\treturn ec.marshalNString2string(ctx, field.Selections, obj.Name)\n}"},
		{"a scalar of ours", field("amount", "obj.Amount", "Decimal", "marshalNDecimal"),
			"(ec *executionContext) _Product_amount(ctx context.Context, field graphql.CollectedField, obj *Product) (ret graphql.Marshaler) {\n\treturn ec.marshalNDecimal(ctx, field.Selections, obj.Amount)\n}"},
		{"a time, null when zero", field("createdAt", "obj.CreatedAt", "time.Time", "marshalNDateTime2timeᚐTime"), underContext("createdAt", "obj.CreatedAt", "marshalNDateTime2timeᚐTime")},
		{"a method", field("cursor", "obj.Cursor()", "string", "marshalNString2string"), ""},
		{"a resolver", field("owner", "ec.resolvers.Product().Owner(rctx, obj)", "string", "marshalNString2string"), ""},
		{"a pointer", field("node", "obj.Node", "*Product", "marshalNProduct2ᚖProduct"), underContext("node", "obj.Node", "marshalNProduct2ᚖProduct")},
	}
	for _, tt := range tests {
		got := plainFields(append([]string{tt.in}, marshallers...))[0]
		want := tt.want
		if want == "" {
			want = tt.in
		}
		if got != want {
			t.Errorf("%s: rewritten as\n%s\nwant\n%s", tt.name, got, want)
		}
		if tt.want != "" && strings.Contains(got, "ResolveField") {
			t.Errorf("%s: still resolved through ResolveField", tt.name)
		}
	}
}

// TestRootsInOrder checks that the root fields named, and only they, are resolved by
// resolveRoot, and that a name gqlgen does not schedule as expected fails.
func TestRootsInOrder(t *testing.T) {
	root := func(name, call string) string {
		return "\t\tcase \"" + name + "\":\n\t\t\t" + call + "(innerCtx, ec.OperationContext, "
	}
	src := root("node", "out.ResolveRootConcurrently") + "i,\n" + root("users", "out.ResolveRootConcurrently") + "i,\n"
	got, err := rootsInOrder(src, []string{"node"})
	want := root("node", "resolveRoot") + "out, i,\n" + root("users", "out.ResolveRootConcurrently") + "i,\n"
	if err != nil || got != want {
		t.Errorf("rootsInOrder = %q, %v; want %q", got, err, want)
	}
	if _, err := rootsInOrder(src, []string{"user"}); err == nil || !strings.Contains(err.Error(), "root field user") {
		t.Errorf("rootsInOrder of a field not scheduled so: err %v, want one naming it", err)
	}
}
