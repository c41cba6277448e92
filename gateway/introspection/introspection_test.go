package introspection

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// features is a small SDL with one of each feature the gateway's schema lacks.
const features = `
"The schema."
schema { query: Query }

directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT
directive @old @deprecated(reason: "Use @tag.") on FIELD_DEFINITION

scalar UUID @specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc9562")
scalar JSON

type Query @tag(name: "q") {
  color(c: Color = RED, legacy: Int @deprecated): Color @tag(name: "a") @tag(name: "b")
  shape(input: ShapeInput = {sides: 3}, ids: [ID!] = "12", blob: JSON = [1, {a: "b"}]): Shape
  gone: Int @deprecated
  why: Int @deprecated(reason: "Because.")
  noReason: Int @deprecated(reason: null)
  id: UUID
}

enum Color { RED GREEN @deprecated(reason: "Too green.") BLUE @deprecated }

union Shape = Square | Circle

type Square { side: Float }
type Circle { radius: Float }

input ShapeInput {
  sides: Int!
  name: String = "polygon"
  old: String @deprecated
}

input Pick @oneOf { a: Int b: String }
`

func TestAppend(t *testing.T) {
	gateway := loadSchemaFile(t, gatewaySchema)
	feats := loadSchema(t, "features.graphql", features)
	tests := []struct {
		name   string
		schema *ast.Schema
		query  string
		vars   map[string]any
		want   string
	}{
		{name: "aliases", schema: gateway,
			query: `{ q: __schema { t: queryType { n: name k: kind } } __type(name: "Decimal") { kind } }`,
			want:  `{"q":{"t":{"n":"Query","k":"OBJECT"}},"__type":{"kind":"SCALAR"}}`},
		{name: "same key merged, sub-selections in order", schema: gateway,
			query: `{ __type(name: "PageInfo") { fields { name } name fields { type { kind } } } }`,
			want: `{"__type":{"fields":[{"name":"hasNextPage","type":{"kind":"NON_NULL"}},` +
				`{"name":"hasPreviousPage","type":{"kind":"NON_NULL"}},{"name":"startCursor","type":{"kind":"SCALAR"}},` +
				`{"name":"endCursor","type":{"kind":"SCALAR"}}],"name":"PageInfo"}}`},
		{name: "root fields merged", schema: gateway,
			query: `{ __schema { queryType { name } } __typename __schema { mutationType { name } queryType { kind } } }`,
			want:  `{"__schema":{"queryType":{"name":"Query","kind":"OBJECT"},"mutationType":{"name":"Mutation"}},"__typename":"Query"}`},
		{name: "fragments", schema: gateway,
			query: `{ __type(name: "Node") { ...A ... on __Type { kind } ... { description: name } ...A } }
				fragment A on __Type { name ...B }
				fragment B on __Type { kind name }`,
			want: `{"__type":{"name":"Node","kind":"INTERFACE","description":"Node"}}`},
		{name: "skip and include with variables", schema: gateway,
			query: `query ($yes: Boolean!, $no: Boolean = false) { __type(name: "User") {
				a: name @include(if: $yes) b: name @include(if: $no) c: name @skip(if: $yes) d: name @skip(if: $no)
				e: name @skip(if: false) @include(if: true) f: name @skip(if: true) @include(if: true)
				... @include(if: $no) { g: name } ...F @skip(if: $no) } }
				fragment F on __Type { h: name }`,
			vars: map[string]any{"yes": true},
			want: `{"__type":{"a":"User","d":"User","e":"User","h":"User"}}`},
		{name: "type by variable", schema: gateway,
			query: `query ($t: String!) { __type(name: $t) { name } }`, vars: map[string]any{"t": "UserEdge"},
			want: `{"__type":{"name":"UserEdge"}}`},
		{name: "type by variable default", schema: gateway,
			query: `query ($t: String! = "UserEdge") { __type(name: $t) { name } }`,
			want:  `{"__type":{"name":"UserEdge"}}`},
		{name: "unknown type", schema: gateway,
			query: `{ __type(name: "Nope") { name } }`, want: `{"__type":null}`},
		{name: "introspection type", schema: gateway,
			query: `{ __type(name: "__EnumValue") { kind fields { name } } }`,
			want:  `{"__type":{"kind":"OBJECT","fields":[{"name":"name"},{"name":"description"},{"name":"isDeprecated"},{"name":"deprecationReason"}]}}`},
		{name: "unreferenced built-in scalar", schema: gateway,
			query: `{ f: __type(name: "Float") { name } i: __type(name: "Int") { name } }`,
			want:  `{"f":null,"i":{"name":"Int"}}`},
		{name: "scalar has null lists", schema: gateway,
			query: `{ __type(name: "DateTime") { fields { name } interfaces { name } possibleTypes { name } enumValues { name } inputFields { name } ofType { name } specifiedByURL isOneOf } }`,
			want:  `{"__type":{"fields":null,"interfaces":null,"possibleTypes":null,"enumValues":null,"inputFields":null,"ofType":null,"specifiedByURL":null,"isOneOf":null}}`},
		{name: "interface possible types are objects", schema: gateway,
			query: `{ __type(name: "Node") { possibleTypes { name } interfaces { name } fields { name } } }`,
			want:  `{"__type":{"possibleTypes":[{"name":"Product"},{"name":"User"}],"interfaces":[],"fields":[{"name":"id"}]}}`},
		{name: "query type hides its introspection fields", schema: gateway,
			query: `{ __schema { queryType { fields { name } } } }`,
			want:  `{"__schema":{"queryType":{"fields":[{"name":"node"},{"name":"user"},{"name":"users"},{"name":"product"},{"name":"products"}]}}}`},
		{name: "wrappers", schema: gateway,
			query: `{ __type(name: "ProductConnection") { fields { type { kind name description fields { name } ofType { kind name ofType { kind ofType { kind ofType { name kind ofType { name } } } } } } } } }`,
			want: `{"__type":{"fields":[` +
				`{"type":{"kind":"NON_NULL","name":null,"description":null,"fields":null,"ofType":{"kind":"LIST","name":null,"ofType":{"kind":"NON_NULL","ofType":{"kind":"OBJECT","ofType":null}}}}},` +
				`{"type":{"kind":"NON_NULL","name":null,"description":null,"fields":null,"ofType":{"kind":"OBJECT","name":"PageInfo","ofType":null}}}]}}`},
		{name: "input defaults", schema: gateway,
			query: `{ __type(name: "CreateProductInput") { inputFields { name defaultValue } } }`,
			want: `{"__type":{"inputFields":[{"name":"name","defaultValue":null},{"name":"description","defaultValue":"\"\""},` +
				`{"name":"price","defaultValue":null},{"name":"ownerId","defaultValue":null},{"name":"idempotencyKey","defaultValue":null}]}}`},
		{name: "argument defaults", schema: feats,
			query: `{ __type(name: "Query") { fields { name args { name defaultValue } } } }`,
			want: `{"__type":{"fields":[{"name":"color","args":[{"name":"c","defaultValue":"RED"}]},` +
				`{"name":"shape","args":[{"name":"input","defaultValue":"{sides: 3, name: \"polygon\"}"},` +
				`{"name":"ids","defaultValue":"[12]"},{"name":"blob","defaultValue":"[1, {a: \"b\"}]"}]},` +
				`{"name":"id","args":[]}]}}`},
		{name: "deprecated fields", schema: feats,
			query: `{ __type(name: "Query") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }`,
			want: `{"__type":{"fields":[{"name":"color","isDeprecated":false,"deprecationReason":null},` +
				`{"name":"shape","isDeprecated":false,"deprecationReason":null},` +
				`{"name":"gone","isDeprecated":true,"deprecationReason":"No longer supported"},` +
				`{"name":"why","isDeprecated":true,"deprecationReason":"Because."},` +
				`{"name":"noReason","isDeprecated":true,"deprecationReason":null},` +
				`{"name":"id","isDeprecated":false,"deprecationReason":null}]}}`},
		{name: "deprecated args by variable", schema: feats,
			query: `query ($all: Boolean) { __type(name: "Query") { fields { name args(includeDeprecated: $all) { name isDeprecated } } } }`,
			vars:  map[string]any{"all": true},
			want: `{"__type":{"fields":[{"name":"color","args":[{"name":"c","isDeprecated":false},{"name":"legacy","isDeprecated":true}]},` +
				`{"name":"shape","args":[{"name":"input","isDeprecated":false},{"name":"ids","isDeprecated":false},{"name":"blob","isDeprecated":false}]},` +
				`{"name":"id","args":[]}]}}`},
		{name: "enum values", schema: feats,
			query: `{ __type(name: "Color") { kind some: enumValues { name } all: enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } }`,
			want: `{"__type":{"kind":"ENUM","some":[{"name":"RED"}],"all":[{"name":"RED","isDeprecated":false,"deprecationReason":null},` +
				`{"name":"GREEN","isDeprecated":true,"deprecationReason":"Too green."},{"name":"BLUE","isDeprecated":true,"deprecationReason":"No longer supported"}]}}`},
		{name: "input fields", schema: feats,
			query: `{ __type(name: "ShapeInput") { isOneOf some: inputFields { name } all: inputFields(includeDeprecated: true) { name isDeprecated type { kind } } } }`,
			want: `{"__type":{"isOneOf":false,"some":[{"name":"sides"},{"name":"name"}],"all":[{"name":"sides","isDeprecated":false,"type":{"kind":"NON_NULL"}},` +
				`{"name":"name","isDeprecated":false,"type":{"kind":"SCALAR"}},{"name":"old","isDeprecated":true,"type":{"kind":"SCALAR"}}]}}`},
		{name: "oneOf", schema: feats,
			query: `{ p: __type(name: "Pick") { isOneOf } q: __type(name: "Query") { isOneOf } }`,
			want:  `{"p":{"isOneOf":true},"q":{"isOneOf":null}}`},
		{name: "union", schema: feats,
			query: `{ __type(name: "Shape") { kind possibleTypes { name } fields { name } interfaces { name } } }`,
			want:  `{"__type":{"kind":"UNION","possibleTypes":[{"name":"Square"},{"name":"Circle"}],"fields":null,"interfaces":null}}`},
		{name: "specifiedBy", schema: feats,
			query: `{ u: __type(name: "UUID") { specifiedByURL } j: __type(name: "JSON") { specifiedByURL } }`,
			want:  `{"u":{"specifiedByURL":"https://www.rfc-editor.org/rfc/rfc9562"},"j":{"specifiedByURL":null}}`},
		{name: "directives", schema: feats,
			query: `{ __schema { description directives { name isRepeatable locations args { name type { kind ofType { name } } } } } }`,
			want: `{"__schema":{"description":"The schema.","directives":[` +
				`{"name":"deprecated","isRepeatable":false,"locations":["FIELD_DEFINITION","ARGUMENT_DEFINITION","INPUT_FIELD_DEFINITION","ENUM_VALUE","DIRECTIVE_DEFINITION"],"args":[{"name":"reason","type":{"kind":"SCALAR","ofType":null}}]},` +
				`{"name":"include","isRepeatable":false,"locations":["FIELD","FRAGMENT_SPREAD","INLINE_FRAGMENT"],"args":[{"name":"if","type":{"kind":"NON_NULL","ofType":{"name":"Boolean"}}}]},` +
				`{"name":"old","isRepeatable":false,"locations":["FIELD_DEFINITION"],"args":[]},` +
				`{"name":"oneOf","isRepeatable":false,"locations":["INPUT_OBJECT"],"args":[]},` +
				`{"name":"skip","isRepeatable":false,"locations":["FIELD","FRAGMENT_SPREAD","INLINE_FRAGMENT"],"args":[{"name":"if","type":{"kind":"NON_NULL","ofType":{"name":"Boolean"}}}]},` +
				`{"name":"specifiedBy","isRepeatable":false,"locations":["SCALAR"],"args":[{"name":"url","type":{"kind":"NON_NULL","ofType":{"name":"String"}}}]},` +
				`{"name":"tag","isRepeatable":true,"locations":["FIELD_DEFINITION","OBJECT"],"args":[{"name":"name","type":{"kind":"NON_NULL","ofType":{"name":"String"}}}]}]}}`},
		{name: "types sorted, unreferenced built-ins left out", schema: feats,
			query: `{ __schema { types { name } } }`,
			want: `{"__schema":{"types":[{"name":"Boolean"},{"name":"Circle"},{"name":"Color"},{"name":"Float"},{"name":"ID"},{"name":"Int"},` +
				`{"name":"JSON"},{"name":"Pick"},{"name":"Query"},{"name":"Shape"},{"name":"ShapeInput"},{"name":"Square"},{"name":"String"},{"name":"UUID"},` +
				`{"name":"__Directive"},{"name":"__DirectiveLocation"},{"name":"__EnumValue"},{"name":"__Field"},{"name":"__InputValue"},` +
				`{"name":"__Schema"},{"name":"__Type"},{"name":"__TypeKind"}]}}`},
		{name: "typename", schema: feats,
			query: `{ __schema { __typename directives { __typename } } __type(name: "Color") { __typename enumValues { __typename }
				t: __typename fields { __typename } } q: __type(name: "Query") { fields { __typename args { __typename } type { __typename } } } }`,
			want: `{"__schema":{"__typename":"__Schema","directives":[{"__typename":"__Directive"},{"__typename":"__Directive"},{"__typename":"__Directive"},` +
				`{"__typename":"__Directive"},{"__typename":"__Directive"},{"__typename":"__Directive"},{"__typename":"__Directive"}]},` +
				`"__type":{"__typename":"__Type","enumValues":[{"__typename":"__EnumValue"}],"t":"__Type","fields":null},` +
				`"q":{"fields":[{"__typename":"__Field","args":[{"__typename":"__InputValue"}],"type":{"__typename":"__Type"}},` +
				`{"__typename":"__Field","args":[{"__typename":"__InputValue"},{"__typename":"__InputValue"},{"__typename":"__InputValue"}],"type":{"__typename":"__Type"}},` +
				`{"__typename":"__Field","args":[],"type":{"__typename":"__Type"}}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(answer(t, tt.schema, tt.query, tt.vars, ""))
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMergedSchemaQuirks answers from a schema with the quirks of nautilus/gateway's merged
// schema, which gqlparser's own loader never produces.
func TestMergedSchemaQuirks(t *testing.T) {
	s := loadSchemaFile(t, gatewaySchema)
	node, user, product := s.Types["Node"], s.Types["User"], s.Types["Product"]
	// An interface among its own possible types, duplicates, and the order of a map walk.
	s.PossibleTypes["Node"] = []*ast.Definition{user, node, user, product}
	// An empty, non-nil field list on a scalar.
	s.Types["DateTime"].Fields = ast.FieldList{}
	s.Types["Decimal"].Fields = ast.FieldList{}

	tests := []struct {
		name, query, want string
	}{
		{name: "possible types", query: `{ __type(name: "Node") { possibleTypes { name } } }`,
			want: `{"__type":{"possibleTypes":[{"name":"Product"},{"name":"User"}]}}`},
		{name: "scalar fields", query: `{ d: __type(name: "DateTime") { fields { name } } m: __type(name: "Decimal") { fields(includeDeprecated: true) { name } } }`,
			want: `{"d":{"fields":null},"m":{"fields":null}}`},
		{name: "object possible types", query: `{ __type(name: "User") { possibleTypes { name } } }`,
			want: `{"__type":{"possibleTypes":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(answer(t, s, tt.query, nil, "")); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDirectiveList(t *testing.T) {
	tests := []struct {
		name, sdl, want string
	}{
		{name: "prelude's @defer left out", sdl: `type Query { a: Int }`,
			want: `deprecated include oneOf skip specifiedBy`},
		{name: "@defer declared by the SDL", sdl: `directive @defer(if: Boolean = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT
			type Query { a: Int }`,
			want: `defer deprecated include oneOf skip specifiedBy`},
		{name: "deprecated directives listed", sdl: `directive @a @deprecated on FIELD type Query { a: Int }`,
			want: `a deprecated include oneOf skip specifiedBy`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSchema(t, "s.graphql", tt.sdl)
			v := parseJSON(t, answer(t, s, `{ __schema { directives { name } } }`, nil, ""))
			d, _ := v.get("__schema")
			d, _ = d.get("directives")
			if got := names(d); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDirectiveDeprecation answers graphql-js 16.15's directive deprecation from a schema
// whose introspection types declare it, as gqlparser's may one day.
func TestDirectiveDeprecation(t *testing.T) {
	s := loadSchema(t, "s.graphql", `directive @a @deprecated(reason: "Use @b.") on FIELD
		directive @b on FIELD
		type Query { q: Int }`)
	boolean := ast.NonNullNamedType("Boolean", nil)
	s.Types["__Directive"].Fields = append(s.Types["__Directive"].Fields,
		&ast.FieldDefinition{Name: "isDeprecated", Type: boolean},
		&ast.FieldDefinition{Name: "deprecationReason", Type: ast.NamedType("String", nil)})
	s.Types["__Schema"].Fields.ForName("directives").Arguments = ast.ArgumentDefinitionList{{
		Name: "includeDeprecated", Type: boolean,
		DefaultValue: &ast.Value{Kind: ast.BooleanValue, Raw: "false"},
	}}
	got := string(answer(t, s, `{ __schema {
		some: directives { name }
		all: directives(includeDeprecated: true) { name isDeprecated deprecationReason } } }`, nil, ""))
	want := `{"__schema":{"some":[{"name":"b"},{"name":"deprecated"},{"name":"include"},{"name":"oneOf"},{"name":"skip"},{"name":"specifiedBy"}],` +
		`"all":[{"name":"a","isDeprecated":true,"deprecationReason":"Use @b."},{"name":"b","isDeprecated":false,"deprecationReason":null},` +
		`{"name":"deprecated","isDeprecated":false,"deprecationReason":null},{"name":"include","isDeprecated":false,"deprecationReason":null},` +
		`{"name":"oneOf","isDeprecated":false,"deprecationReason":null},{"name":"skip","isDeprecated":false,"deprecationReason":null},` +
		`{"name":"specifiedBy","isDeprecated":false,"deprecationReason":null}]}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestReferencedScalars checks that a built-in scalar is listed exactly when something
// refers to it, wherever that is.
func TestReferencedScalars(t *testing.T) {
	tests := []struct {
		name, sdl string
		want      bool
	}{
		{"unused", `type Query { a: Int }`, false},
		{"field", `type Query { a: Float }`, true},
		{"list", `type Query { a: [[Float!]] }`, true},
		{"argument", `type Query { a(f: Float): Int }`, true},
		{"input field", `type Query { a(i: I): Int } input I { f: Float }`, true},
		{"orphan type", `type Query { a: Int } type O { f: Float }`, true},
		{"directive argument", `directive @d(f: Float) on FIELD type Query { a: Int }`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSchema(t, "s.graphql", tt.sdl)
			got := string(answer(t, s, `{ __type(name: "Float") { name } __schema { types { name } } }`, nil, ""))
			if gotType := !strings.Contains(got, `"__type":null`); gotType != tt.want {
				t.Errorf("__type(name: \"Float\") present = %v, want %v: %s", gotType, tt.want, got)
			}
			if gotList := strings.Contains(got, `{"name":"Float"}`); gotList != tt.want {
				t.Errorf("Float in types = %v, want %v: %s", gotList, tt.want, got)
			}
		})
	}
}

// TestConcurrent checks, under -race, that calls sharing one schema do not interfere.
func TestConcurrent(t *testing.T) {
	s := loadSchemaFile(t, gatewaySchema)
	query, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	doc, errs := gqlparser.LoadQueryWithRules(s, string(query), nil)
	if errs != nil {
		t.Fatal(errs)
	}
	f := doc.Operations[0].SelectionSet[0].(*ast.Field)
	want := string(Append(nil, s, f, nil, doc.Fragments))
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = string(Append(nil, s, f, nil, doc.Fragments)) })
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Errorf("call %d: got a different answer (%d bytes, want %d)", i, len(g), len(want))
		}
	}
}

func TestAppendNonIntrospection(t *testing.T) {
	s := loadSchemaFile(t, gatewaySchema)
	got := string(Append([]byte("x"), s, &ast.Field{Name: "user"}, nil, nil))
	if want := "xnull"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\s`, `"q\"b\\s"`},
		{"\n\r\t\b\f\x00\x01\x1f\x7f", `"\n\r\t\b\f\u0000\u0001\u001f` + "\x7f" + `"`},
		{"é ✓ 😀", `"é ✓ 😀"`},
		{"a\xffb\xc3", "\"a\ufffdb\ufffd\""},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"<&>", `"<&>"`},
	}
	for _, tt := range tests {
		got := string(appendString(nil, tt.in))
		if got != tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendString(%q) = %s, not JSON: %v", tt.in, got, err)
		}
	}
}

// TestDescriptionEscaping checks that descriptions reach the client intact, whatever they hold.
func TestDescriptionEscaping(t *testing.T) {
	s := loadSchema(t, "s.graphql", `type Query { a: Int }`)
	desc := "say \"hi\"\\\n\ttab \x01 bad\xff é \u2028"
	s.Types["Query"].Description = desc
	b := answer(t, s, `{ __type(name: "Query") { description } }`, nil, "")
	var got struct {
		Type struct{ Description string } `json:"__type"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if want := strings.ToValidUTF8(desc, "\ufffd"); got.Type.Description != want {
		t.Errorf("got %q, want %q", got.Type.Description, want)
	}
}

func TestAppendJSNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{-20, "-20"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{123456789012, "123456789012"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1.5e21, "1.5e+21"},
		{1e-6, "0.000001"},
		{1.25e-6, "0.00000125"},
		{1e-7, "1e-7"},
		{-1.5e-7, "-1.5e-7"},
		{12345678901234567890, "12345678901234567000"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
	}
	for _, tt := range tests {
		if got := string(appendJSNumber(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSNumber(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestIsIntegerString(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"0", true}, {"-0", true}, {"12", true}, {"-12", true},
		{"", false}, {"-", false}, {"01", false}, {"1.0", false}, {"1e3", false}, {"a", false},
	}
	for _, tt := range tests {
		if got := isIntegerString(tt.in); got != tt.want {
			t.Errorf("isIntegerString(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzAppend answers any document that validates against the gateway's schema and checks
// that every answer is valid JSON.
func FuzzAppend(f *testing.F) {
	for _, c := range jsCorpus {
		if c.Query != "" {
			f.Add(c.Query)
		}
	}
	f.Add(`{ __schema { types { name fields { name } } } }`)
	f.Add(`{ __type(name: "User") { name ...F } } fragment F on __Type { kind }`)
	schema := loadSchemaFile(f, gatewaySchema)
	f.Fuzz(func(t *testing.T, query string) {
		doc, errs := gqlparser.LoadQueryWithRules(schema, query, nil)
		if errs != nil {
			return
		}
		for _, op := range doc.Operations {
			c := collector{e: &evaluator{schema: schema, fragments: doc.Fragments}, typeName: schema.Query.Name}
			c.set(op.SelectionSet)
			for _, n := range c.out {
				if n.name() != "__schema" && n.name() != "__type" {
					continue
				}
				b := AppendFields(nil, schema, n.fields, nil, doc.Fragments)
				if !json.Valid(b) {
					t.Fatalf("invalid JSON for %q: %s", query, b)
				}
			}
		}
	})
}
