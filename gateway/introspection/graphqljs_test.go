package introspection

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/webtest"
)

// fullIntrospection asks getIntrospectionQuery for everything graphql-js 16 can introspect.
var fullIntrospection = map[string]any{
	"descriptions":          true,
	"specifiedByUrl":        true,
	"directiveIsRepeatable": true,
	"schemaDescription":     true,
	"inputValueDeprecation": true,
	"oneOf":                 true,
}

// jsCase is one query of the differential corpus: Query, or the getIntrospectionQuery
// options in Introspection.
type jsCase struct {
	Name          string         `json:"name"`
	Schema        string         `json:"schema"`
	Query         string         `json:"query,omitempty"`
	Introspection map[string]any `json:"introspection,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
	OperationName string         `json:"operationName,omitempty"`
}

const typeRefFragment = `fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
}`

var jsCorpus = []jsCase{
	{Name: "full", Schema: "gateway", Introspection: fullIntrospection},
	{Name: "full", Schema: "kitchen", Introspection: fullIntrospection},
	{Name: "classic", Schema: "gateway", Introspection: map[string]any{}},
	{Name: "classic", Schema: "kitchen", Introspection: map[string]any{}},
	{Name: "user deep ofType", Schema: "gateway", Query: `{
  __type(name: "User") {
    kind name description
    fields { name args { name type { ...TypeRef } defaultValue } type { ...TypeRef } }
    interfaces { ...TypeRef }
  }
}
` + typeRefFragment},
	{Name: "kitchen list of lists", Schema: "kitchen", Query: `{
  __type(name: "Root") { fields(includeDeprecated: true) { name type { ...TypeRef } args(includeDeprecated: true) { name type { ...TypeRef } } } }
}
` + typeRefFragment},
	{Name: "aliases and fragments", Schema: "kitchen", OperationName: "Q",
		Variables: map[string]any{"withKind": true},
		Query: `query Other { __typename }
query Q($withKind: Boolean!, $skipDesc: Boolean = true) {
  t: __type(name: "Root") { ...Names kind k2: kind fields { name } fields { type { ...TypeRef } } }
  s: __schema {
    queryType { name }
    q2: queryType { ... on __Type { kind } ... @skip(if: true) { description } }
    types { name }
    types { kind @include(if: $withKind) description @skip(if: $skipDesc) }
  }
  __typename
  s: __schema { directives { name isRepeatable } types { t: __typename } }
  m: __schema { mutationType { ...Names } subscriptionType { ...Names ...Names } }
}
fragment Names on __Type { name description ... { __typename } }
` + typeRefFragment},
	{Name: "skip and include on spreads", Schema: "gateway",
		Variables: map[string]any{"yes": true, "no": false},
		Query: `query ($yes: Boolean!, $no: Boolean!) {
  __schema {
    ...Q @include(if: $yes)
    ...M @include(if: $no)
    ... on __Schema @skip(if: $no) { subscriptionType { name } }
    description @skip(if: $yes) @include(if: $yes)
  }
}
fragment Q on __Schema { queryType { name } }
fragment M on __Schema { mutationType { name } }`},
	{Name: "include deprecated", Schema: "kitchen",
		Variables: map[string]any{"dep": true},
		Query: `query ($dep: Boolean, $unset: Boolean) {
  root: __type(name: "Root") {
    all: fields(includeDeprecated: true) { name isDeprecated deprecationReason args(includeDeprecated: $dep) { name isDeprecated deprecationReason defaultValue } }
    some: fields { name args { name } }
    none: fields(includeDeprecated: false) { name }
    nul: fields(includeDeprecated: null) { name }
    unset: fields(includeDeprecated: $unset) { name }
  }
  kind: __type(name: "Kind") {
    all: enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
    some: enumValues { name }
  }
  filter: __type(name: "Filter") {
    all: inputFields(includeDeprecated: true) { name isDeprecated deprecationReason defaultValue }
    some: inputFields { name }
  }
  adopt: __type(name: "AdoptInput") { inputFields(includeDeprecated: true) { name isDeprecated deprecationReason defaultValue } }
  __schema { directives { name args { name } all: args(includeDeprecated: true) { name isDeprecated deprecationReason defaultValue } } }
}`},
	{Name: "type by variable", Schema: "kitchen",
		Variables: map[string]any{"a": "Pet", "b": "Nope", "c": "__Type", "d": "Instant"},
		Query: `query ($a: String!, $b: String!, $c: String!, $d: String!, $e: String! = "SearchResult") {
  a: __type(name: $a) { name kind }
  b: __type(name: $b) { name kind }
  c: __type(name: $c) { name kind fields { name } }
  d: __type(name: $d) { name specifiedByURL }
  e: __type(name: $e) { name possibleTypes { name } }
}`},
	{Name: "built-in scalars", Schema: "gateway", Query: `{
  float: __type(name: "Float") { name }
  int: __type(name: "Int") { name }
  id: __type(name: "ID") { name }
  string: __type(name: "String") { name }
  boolean: __type(name: "Boolean") { name }
}`},
	{Name: "null by kind", Schema: "kitchen", Query: `{
  scalar: __type(name: "Instant") { ...All }
  object: __type(name: "Pet") { ...All }
  interface: __type(name: "Named") { ...All }
  unimplemented: __type(name: "Unimplemented") { ...All }
  union: __type(name: "SearchResult") { ...All }
  alone: __type(name: "Alone") { ...All }
  enum: __type(name: "Direction") { ...All }
  input: __type(name: "Filter") { ...All }
  oneOf: __type(name: "Choice") { ...All }
  wrapped: __type(name: "Root") { fields { name type { ...All ofType { ...All ofType { ...All } } } } }
}
fragment All on __Type {
  __typename kind name description specifiedByURL
  fields(includeDeprecated: true) { name } interfaces { name } possibleTypes { name }
  enumValues(includeDeprecated: true) { name } inputFields(includeDeprecated: true) { name }
  ofType { name } isOneOf
}`},
	{Name: "typename everywhere", Schema: "kitchen", Query: `{
  __schema {
    __typename
    queryType { __typename fields { __typename args { __typename type { __typename } } } }
    directives { name __typename args { __typename } }
  }
  __type(name: "Kind") { enumValues { __typename } }
}`},
	{Name: "node possible types", Schema: "gateway", Query: `{
  __type(name: "Node") { kind possibleTypes { name kind } interfaces { name } }
  user: __type(name: "User") { interfaces { name kind } }
}`},
	{Name: "schema description", Schema: "kitchen", Query: `{ __schema { description } }`},
}

// TestGraphQLJS answers the corpus with graphql-js 16 (tools/web's copy) and with this
// package, and compares the two answers as JSON values, key order included.
func TestGraphQLJS(t *testing.T) {
	node := webtest.Node(t)
	graphqlJS := filepath.Join(webtest.Dir(t), "node_modules", "graphql", "index.mjs")
	if _, err := os.Stat(graphqlJS); err != nil {
		t.Fatalf("graphql-js is missing from tools/web (run `make tooling`): %v", err)
	}
	schemaFiles := map[string]string{"gateway": gatewaySchema, "kitchen": "testdata/kitchen.graphql"}
	corpus := struct {
		Schemas map[string]string `json:"schemas"`
		Cases   []jsCase          `json:"cases"`
	}{Schemas: map[string]string{}, Cases: jsCorpus}
	schemas := map[string]*ast.Schema{}
	for name, path := range schemaFiles {
		sdl, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		corpus.Schemas[name] = string(sdl)
		schemas[name] = loadSchema(t, filepath.Base(path), string(sdl))
	}
	in, err := json.Marshal(corpus)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/graphqljs.mjs", graphqlJS)
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("graphqljs.mjs: %v\n%s", err, webtest.Tail([]byte(stderr.String()), 4000))
	}
	var js struct {
		Version string `json:"version"`
		Results []struct {
			Name   string          `json:"name"`
			Query  string          `json:"query"`
			Result json.RawMessage `json:"result"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &js); err != nil {
		t.Fatalf("graphqljs.mjs printed no results: %v\n%s", err, webtest.Tail(out, 2000))
	}
	if len(js.Results) != len(jsCorpus) {
		t.Fatalf("graphqljs.mjs answered %d cases, want %d", len(js.Results), len(jsCorpus))
	}
	t.Logf("graphql-js %s", js.Version)
	// The benchmark runs testdata/introspection.graphql; keep it graphql-js's full query.
	full, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(full), js.Results[0].Query; got != want {
		t.Errorf("testdata/introspection.graphql is not getIntrospectionQuery(%v): got\n%s\nwant\n%s", fullIntrospection, got, want)
	}

	for i, c := range jsCorpus {
		t.Run(c.Schema+"/"+c.Name, func(t *testing.T) {
			res := parseJSON(t, js.Results[i].Result)
			if errs, ok := res.get("errors"); ok {
				t.Fatalf("graphql-js errors: %s", errs)
			}
			want, _ := res.get("data")
			schema := schemas[c.Schema]
			got := parseJSON(t, answer(t, schema, js.Results[i].Query, c.Variables, c.OperationName))
			normalize(t, schema, got, false)
			normalize(t, schema, want, true)
			if d := diff("data", got, want, 20); len(d) > 0 {
				t.Errorf("answer differs from graphql-js's (got ours, want theirs):\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// normalize removes from an answer the differences that are graphql-js's own behaviour,
// each named below, so that everything else must match exactly.
func normalize(t *testing.T, schema *ast.Schema, data value, fromJS bool) {
	t.Helper()
	for _, root := range data.members {
		if !root.val.isObj {
			continue
		}
		for _, m := range root.val.members {
			switch m.key {
			case "types", "directives":
				// graphql-js lists types in the order it first reached them from the
				// roots, and the specified directives ahead of the schema's own; we sort
				// both by name.
				if m.val.isArr {
					sortByName(m.val)
				}
			}
		}
	}
	walk(data, func(v value) {
		// graphql-js lists an interface's implementations in the order it first reached
		// them from the roots; we sort them by name, the merged schema having no order of
		// its own to keep (nautilus builds it from maps). Union members keep definition
		// order on both sides.
		if k, ok := v.get("kind"); ok && k.scalar == "INTERFACE" {
			if p, ok := v.get("possibleTypes"); ok && p.isArr {
				sortByName(p)
			}
		}
	})
	if fromJS {
		builtinDescriptions(schema, data)
		directiveDeprecation(data)
	}
}

// walk calls f on v and on every object inside it.
func walk(v value, f func(value)) {
	switch {
	case v.isObj:
		f(v)
		for _, m := range v.members {
			walk(m.val, f)
		}
	case v.isArr:
		for _, it := range v.items {
			walk(it, f)
		}
	}
}

// directiveDeprecation removes from graphql-js's description of its own introspection
// types what graphql-js 16.15 adds for deprecating directives (__Directive.isDeprecated,
// __Directive.deprecationReason and __Schema.directives(includeDeprecated:)): gqlparser's
// introspection types do not declare them, so no document the gateway validates can ask
// for them, and the gateway's answer describes the types it has.
func directiveDeprecation(data value) {
	walk(data, func(v value) {
		n, _ := v.get("name")
		fields, ok := v.get("fields")
		if !ok || !fields.isArr {
			return
		}
		switch n.scalar {
		case "__Directive":
			fields.items = slices.DeleteFunc(fields.items, func(f value) bool {
				name, _ := f.get("name")
				return name.scalar == "isDeprecated" || name.scalar == "deprecationReason"
			})
			for i := range v.members {
				if v.members[i].key == "fields" {
					v.members[i].val = fields
				}
			}
		case "__Schema":
			for _, f := range fields.items {
				if name, _ := f.get("name"); name.scalar != "directives" {
					continue
				}
				for i := range f.members {
					if f.members[i].key == "args" {
						f.members[i].val = value{isArr: true, items: []value{}}
					}
				}
			}
		}
	})
}

// builtinDescriptions replaces, in graphql-js's answer, the descriptions of the built-in
// scalars with the schema's. Both come from the implementation rather than from any SDL:
// graphql-js's own wording differs from gqlparser's prelude in small ways (a missing space
// after "`String`", an http link for IEEE 754, quotes around "4" in ID's), and the
// gateway's answer is the schema it serves.
func builtinDescriptions(schema *ast.Schema, v value) {
	switch {
	case v.isObj:
		if n, ok := v.get("name"); ok {
			if name, ok := n.scalar.(string); ok && builtinScalarBit(name) != 0 {
				if k, ok := v.get("kind"); !ok || k.scalar == "SCALAR" {
					for i := range v.members {
						if v.members[i].key == "description" {
							v.members[i].val = value{scalar: nilIfEmpty(schema.Types[name].Description)}
						}
					}
				}
			}
		}
		for _, m := range v.members {
			builtinDescriptions(schema, m.val)
		}
	case v.isArr:
		for _, it := range v.items {
			builtinDescriptions(schema, it)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
