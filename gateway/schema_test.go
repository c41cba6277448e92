package gateway_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestMergedSchemaGolden keeps the merged schema the gateway serves in
// testdata/schema.graphql, so every change to the graph's public shape shows in review.
func TestMergedSchemaGolden(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(g.gateway.Schema())
	golden := filepath.Join("testdata", "schema.graphql")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./gateway -run Golden -update)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("merged schema differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
}

// introspectionQuery is the query GraphiQL and codegen tools send.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`

// TestIntrospection checks that the full introspection query over HTTP describes the
// same types and fields as the merged schema, and that __type(name: "User") shows
// fields from both subgraphs.
func TestIntrospection(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	var d struct {
		Schema struct {
			QueryType, MutationType struct{ Name string }
			Types                   []struct {
				Kind, Name  string
				Fields      []struct{ Name string }
				InputFields []struct{ Name string }
			}
			Directives []struct{ Name string }
		} `json:"__schema"`
	}
	g.must(t, introspectionQuery, nil, &d)
	if d.Schema.QueryType.Name != "Query" || d.Schema.MutationType.Name != "Mutation" {
		t.Errorf("root types = %q, %q", d.Schema.QueryType.Name, d.Schema.MutationType.Name)
	}
	got := map[string]string{}
	for _, ty := range d.Schema.Types {
		var fs []string
		for _, f := range append(ty.Fields, ty.InputFields...) {
			fs = append(fs, f.Name)
		}
		sort.Strings(fs)
		got[ty.Name] = strings.Join(fs, ",")
	}
	want := map[string]string{}
	for name, def := range g.gateway.Schema().Types {
		if def.BuiltIn && def.Kind == ast.Scalar && got[name] == "" && !referenced(g.gateway.Schema(), name) {
			continue // as graphql-js, introspection lists only the scalars the schema uses
		}
		var fs []string
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				fs = append(fs, f.Name)
			}
		}
		sort.Strings(fs)
		want[name] = strings.Join(fs, ",")
	}
	for name, fields := range want {
		if got[name] != fields {
			t.Errorf("introspected %s fields = %q, want %q", name, got[name], fields)
		}
	}
	if len(got) != len(want) {
		t.Errorf("introspection has %d types, schema %d", len(got), len(want))
	}
	if len(d.Schema.Directives) == 0 {
		t.Error("introspection lists no directives")
	}

	var u struct {
		Type struct {
			Name, Kind string
			Fields     []struct{ Name string }
			Interfaces []struct{ Name string }
		} `json:"__type"`
	}
	g.must(t, `{ __type(name: "User") { name kind fields { name } interfaces { name } } }`, nil, &u)
	var names []string
	for _, f := range u.Type.Fields {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	if u.Type.Kind != "OBJECT" || strings.Join(names, ",") != "createdAt,email,id,name,products,version" || len(u.Type.Interfaces) != 1 || u.Type.Interfaces[0].Name != "Node" {
		t.Errorf("__type(User) = %+v", u.Type)
	}
}

// referenced reports whether any field or argument of the schema has type name.
func referenced(s *ast.Schema, name string) bool {
	for _, def := range s.Types {
		for _, f := range def.Fields {
			if f.Type.Name() == name {
				return true
			}
			for _, a := range f.Arguments {
				if a.Type.Name() == name {
					return true
				}
			}
		}
	}
	return false
}
