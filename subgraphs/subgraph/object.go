package subgraph

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// Object writes an object's answer as gqlgen's FieldSet does, its fields in the order
// collected and each alias once, from the values its marshaller left in the field set.
// gqlgen's FieldSet.MarshalGQL walks its fields through an iterator that copies each
// onto the heap and checks the aliases already written in a new map: six allocations
// an object, four objects a product of a list. tools/generate makes every object's
// marshaller return one, through its graph package's object.
func Object(fields []graphql.CollectedField, out *graphql.FieldSet) graphql.Marshaler {
	return object{fields: fields, values: out.Values}
}

type object struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

func (o object) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "{")
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if o.written(i, alias) {
			continue
		}
		if !first {
			_, _ = io.WriteString(w, ",")
		}
		first = false
		// A GraphQL name needs no escaping: letters, digits and underscores.
		_, _ = io.WriteString(w, `"`)
		_, _ = io.WriteString(w, alias)
		_, _ = io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	_, _ = io.WriteString(w, "}")
}

// written reports whether a field before the i-th has the alias: two fields of one
// alias are collected apart when fragments on unrelated types select them. Objects
// have a few fields, so a scan costs less than the map gqlgen makes.
func (o object) written(i int, alias string) bool {
	for j := range i {
		if o.fields[j].Alias == alias {
			return true
		}
	}
	return false
}
