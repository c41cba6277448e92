package subgraph

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestObject checks that Object writes what gqlgen's FieldSet writes: the fields in
// order, each alias once (the first field of it).
func TestObject(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	tests := []struct {
		name   string
		fields []graphql.CollectedField
		want   string
	}{
		{"no field", nil, `{}`},
		{"one", []graphql.CollectedField{field("id")}, `{"id":0}`},
		{"several", []graphql.CollectedField{field("id"), field("name"), field("price")}, `{"id":0,"name":1,"price":2}`},
		{"an alias twice", []graphql.CollectedField{field("id"), field("x"), field("id")}, `{"id":0,"x":1}`},
	}
	for _, tt := range tests {
		out := graphql.NewFieldSet(tt.fields)
		for i := range out.Values {
			out.Values[i] = graphql.MarshalInt(i)
		}
		var gqlgen, got strings.Builder
		out.MarshalGQL(&gqlgen)
		Object(tt.fields, out).MarshalGQL(&got)
		if got.String() != tt.want || got.String() != gqlgen.String() {
			t.Errorf("%s: Object wrote %s, want %s (gqlgen's FieldSet writes %s)", tt.name, got.String(), tt.want, gqlgen.String())
		}
	}
}
