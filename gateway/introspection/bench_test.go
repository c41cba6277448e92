package introspection

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// BenchmarkFullIntrospection answers GraphiQL's full introspection query
// (testdata/introspection.graphql) from the gateway's schema, document already validated,
// as the gateway does for each such request.
func BenchmarkFullIntrospection(b *testing.B) {
	schema := loadSchemaFile(b, gatewaySchema)
	query, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		b.Fatal(err)
	}
	doc, errs := gqlparser.LoadQueryWithRules(schema, string(query), nil)
	if errs != nil {
		b.Fatal(errs)
	}
	f := doc.Operations[0].SelectionSet[0].(*ast.Field)
	buf := Append(nil, schema, f, nil, doc.Fragments)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], schema, f, nil, doc.Fragments)
	}
}
