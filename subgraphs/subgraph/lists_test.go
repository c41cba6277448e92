package subgraph

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestInOrder checks that InOrder marshals each element as gqlgen's concurrent
// marshalling does: under a field context holding its index, and a panicking element
// as a null with an error while the others are kept.
func TestInOrder(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
		func(context.Context, any) error { return errors.New("internal system error") })
	var indexes []int
	got := InOrder(ctx, 3, false, func(ctx context.Context, i int) graphql.Marshaler {
		indexes = append(indexes, *graphql.GetFieldContext(ctx).Index)
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	var b strings.Builder
	got.MarshalGQL(&b)
	if b.String() != "[0,null,2]" {
		t.Errorf("InOrder marshalled %s, want [0,null,2]", b.String())
	}
	if len(indexes) != 3 || indexes[0] != 0 || indexes[1] != 1 || indexes[2] != 2 {
		t.Errorf("field context indexes %v, want [0 1 2]", indexes)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 || errs[0].Message != "internal system error" {
		t.Errorf("errors %v, want the one of the panicking element", errs)
	}
	if n := len(InOrder(ctx, 0, false, nil)); n != 0 {
		t.Errorf("an empty list marshalled %d elements", n)
	}
}

// TestSelects checks that Selects finds a field at any depth, through inline fragments
// and named ones, and nowhere else.
func TestSelects(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { users: [User!]! }
		type User { id: ID! friends: [User!]! products: [Product!]! }
		type Product { id: ID! }`})
	tests := []struct {
		query string
		want  bool
	}{
		{`{ users { id } }`, false},
		{`{ users { friends { id } } }`, false},
		{`{ users { products { id } } }`, true},
		{`{ users { friends { p: products { id } } } }`, true},
		{`{ users { ... on User { friends { products { id } } } } }`, true},
		{`{ users { ...F } } fragment F on User { friends { products { id } } }`, true},
		{`{ users { ...F } } fragment F on User { friends { id } }`, false},
	}
	for _, tt := range tests {
		doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
		if errs != nil {
			t.Fatalf("%s: %v", tt.query, errs)
		}
		// The selection of the list field, as its generated marshaller gets it.
		users := doc.Operations[0].SelectionSet[0].(*ast.Field)
		if got := Selects(users.SelectionSet, "products"); got != tt.want {
			t.Errorf("Selects(%s, products) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

// TestInOrderStops checks that once its request's context is done, InOrder marshals no
// more elements: those left are null.
func TestInOrderStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var marshalled int
	got := InOrder(ctx, 4, false, func(_ context.Context, i int) graphql.Marshaler {
		marshalled++
		if i == 1 {
			cancel() // the request times out while its second element is marshalled
		}
		return graphql.MarshalInt(i)
	})
	var b strings.Builder
	got.MarshalGQL(&b)
	if marshalled != 2 || b.String() != "[0,1,null,null]" {
		t.Errorf("marshalled %d elements as %s, want 2 as [0,1,null,null]", marshalled, b.String())
	}
}

// TestDeferredGroup checks that DeferredGroup makes gqlgen's group when a field is
// deferred, one that can take the field, and an empty group otherwise.
func TestDeferredGroup(t *testing.T) {
	plain := graphql.CollectedField{Field: &ast.Field{Alias: "id"}}
	deferred := graphql.CollectedField{Field: &ast.Field{Alias: "products"}, Deferrables: []*graphql.Deferrable{{Label: "p"}}}
	tests := []struct {
		name   string
		fields []graphql.CollectedField
		group  bool
	}{
		{"no field", nil, false},
		{"none deferred", []graphql.CollectedField{plain}, false},
		{"one deferred", []graphql.CollectedField{plain, deferred}, true},
	}
	for _, tt := range tests {
		g := DeferredGroup(context.Background(), tt.fields)
		if got := g.FieldSet != nil && g.Defers != nil; got != tt.group {
			t.Errorf("%s: a group made: %v, want %v", tt.name, got, tt.group)
		}
	}
}
