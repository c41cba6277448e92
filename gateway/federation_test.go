package gateway

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/fedgraph/fedgraph/schema"
)

// gqlgenFederation is what gqlgen's federation plugin (v0.17.98, Federation 2) adds to a
// subgraph's schema: the definitions of every federation directive and scalar, and the
// _entities and _service fields with their types.
const gqlgenFederation = `
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @composeDirective(name: String!) repeatable on SCHEMA
directive @extends on OBJECT | INTERFACE
directive @external on OBJECT | FIELD_DEFINITION
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @inaccessible on ARGUMENT_DEFINITION | ENUM | ENUM_VALUE | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | OBJECT | SCALAR | UNION
directive @interfaceObject on OBJECT
directive @link(import: [String!], url: String!) repeatable on SCHEMA
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @policy(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @requiresScopes(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @shareable repeatable on FIELD_DEFINITION | OBJECT
directive @tag(name: String!) repeatable on ARGUMENT_DEFINITION | ENUM | ENUM_VALUE | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | OBJECT | SCALAR | UNION
scalar _Any
scalar FieldSet
scalar federation__Policy
scalar federation__Scope
union _Entity = User
type _Service { sdl: String }
extend type Query {
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
}
`

// TestLoadSubgraphSchemaRemovesFederation checks that the gateway takes from a subgraph's
// SDL exactly what nautilus merged before the subgraphs spoke Federation: each SDL with
// Federation, in every form a subgraph may serve it, loads as the same SDL without.
func TestLoadSubgraphSchemaRemovesFederation(t *testing.T) {
	const plain = `
type Query { me: User node(id: ID!): Node }
interface Node { id: ID! }
type User implements Node { id: ID! name: String! tags(first: Int): [String!]! }
`
	tests := []struct {
		name string
		sdl  string
		want string
	}{
		{
			name: "no federation: unchanged",
			sdl:  plain,
			want: plain,
		},
		{
			name: "@link and imported directives, undefined, as _service serves them",
			sdl: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { me: User node(id: ID!): Node @shareable }
interface Node { id: ID! }
type User implements Node @key(fields: "id") @key(fields: "name", resolvable: false) { id: ID! name: String! @shareable tags(first: Int): [String!]! }
`,
			want: plain,
		},
		{
			name: "with the specifications' definitions, as /schema.graphql serves them",
			sdl: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { me: User node(id: ID!): Node @shareable }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String! tags(first: Int): [String!]! }
directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
directive @key(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
scalar federation__FieldSet
`,
			want: plain,
		},
		{
			name: "gqlgen's whole executable schema: _service, _entities and their types",
			sdl: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { me: User node(id: ID!): Node }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String! tags(first: Int): [String!]! }
` + gqlgenFederation,
			// The authorization directives stay, as the gateway enforces them; their
			// federation scalars become the strings they are.
			want: plain + `
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
`,
		},
		{
			name: "namespaced directives of a @link without import",
			sdl: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3")
type Query { me: User node(id: ID!): Node @federation__shareable }
interface Node { id: ID! }
type User implements Node @federation__key(fields: "id") { id: ID! name: String! @federation__tag(name: "pii") tags(first: Int @federation__inaccessible): [String!]! @federation__override(from: "old") }
`,
			want: plain,
		},
		{
			name: "every other federation directive, on every kind of definition",
			sdl: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@extends", "@tag", "@inaccessible", "@override", "@composeDirective", "@interfaceObject"]) @composeDirective(name: "@custom")
type Query { me: User @provides(fields: "name") node(id: ID!): Node }
interface Node @tag(name: "x") { id: ID! }
type User implements Node @key(fields: "id") @extends @tag(name: "x") { id: ID! @external name: String! @requires(fields: "id") @inaccessible tags(first: Int @tag(name: "x")): [String!]! @override(from: "old", label: "percent(5)") }
type Account @interfaceObject @key(fields: "id") { id: ID! }
enum Color @tag(name: "x") { RED @inaccessible }
input Filter @inaccessible { color: Color @tag(name: "x") }
scalar Money @tag(name: "x")
union Any @inaccessible = User | Account
`,
			want: plain + `
type Account { id: ID! }
enum Color { RED }
input Filter { color: Color }
scalar Money
union Any = User | Account
`,
		},
		{
			name: "a supergraph's join directives and types",
			sdl: `
type Query @join__type(graph: USERS) { me: User @join__field(graph: USERS) node(id: ID!): Node }
interface Node @join__type(graph: USERS) { id: ID! }
type User implements Node @join__type(graph: USERS, key: "id") @join__implements(graph: USERS, interface: "Node") { id: ID! name: String! tags(first: Int): [String!]! }
directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on OBJECT | INTERFACE
directive @join__field(graph: join__Graph) repeatable on FIELD_DEFINITION
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
scalar join__FieldSet
enum join__Graph { USERS }
`,
			want: plain,
		},
		{
			name: "names like Federation's that are not: a type FieldSet, a field entities",
			sdl: `
type Query { me: User node(id: ID!): Node entities: [FieldSet!]! }
interface Node { id: ID! }
type User implements Node { id: ID! name: String! tags(first: Int): [String!]! }
type FieldSet { fields: [String!]! }
`,
			want: `
type Query { me: User node(id: ID!): Node entities: [FieldSet!]! }
interface Node { id: ID! }
type User implements Node { id: ID! name: String! tags(first: Int): [String!]! }
type FieldSet { fields: [String!]! }
`,
		},
		{
			name: "the authorization directives stay",
			sdl: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
type Query { me: User @authenticated node(id: ID!): Node }
interface Node { id: ID! }
type User implements Node @key(fields: "id") @requiresScopes(scopes: [["users:read"]]) { id: ID! name: String! tags(first: Int): [String!]! }
`,
			want: `
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
type Query { me: User @authenticated node(id: ID!): Node }
interface Node { id: ID! }
type User implements Node @requiresScopes(scopes: [["users:read"]]) { id: ID! name: String! tags(first: Int): [String!]! }
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadSubgraphSchema("users", tt.sdl)
			if err != nil {
				t.Fatalf("loadSubgraphSchema: %v", err)
			}
			want, err := gqlparser.LoadSchema(&ast.Source{Name: "want", Input: tt.want})
			if err != nil {
				t.Fatalf("want: %v", err)
			}
			if g, w := formatSchema(got), formatSchema(want); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// TestLoadSubgraphSchemaOfOurSubgraphs loads what each subgraph serves and checks that no
// trace of Federation is left in it.
func TestLoadSubgraphSchemaOfOurSubgraphs(t *testing.T) {
	for _, sg := range []struct{ name, sdl string }{
		{"users", schema.Standalone(schema.Users())},
		{"products", schema.Standalone(schema.Products())},
	} {
		t.Run(sg.name, func(t *testing.T) {
			if !strings.Contains(sg.sdl, "@key") || !strings.Contains(sg.sdl, "@link") {
				t.Fatalf("the %s SDL has no @key or @link: nothing is tested", sg.name)
			}
			s, err := loadSubgraphSchema(sg.name, sg.sdl)
			if err != nil {
				t.Fatal(err)
			}
			text := formatSchema(s)
			for _, trace := range []string{"@key", "@link", "@shareable", "link__", "federation__", "_service", "_entities", "_Any", "_Entity", "FieldSet"} {
				if strings.Contains(text, trace) {
					t.Errorf("%s is left in the %s schema:\n%s", trace, sg.name, text)
				}
			}
		})
	}
}

// TestLoadSubgraphSchemaRefusesBadSDL checks that what does not parse or validate is
// still refused once Federation is removed.
func TestLoadSubgraphSchemaRefusesBadSDL(t *testing.T) {
	for _, sdl := range []string{
		`type Query { me: User`,
		`type Query { me: Nope }`,
		`type Query { me: String @undeclared }`,
		// A field that returns one of Federation's types has nothing left to return.
		`type Query { me: _Any }`,
	} {
		if _, err := loadSubgraphSchema("users", sdl); err == nil {
			t.Errorf("loadSubgraphSchema(%q) succeeded, want an error", sdl)
		}
	}
}

func formatSchema(s *ast.Schema) string {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(s)
	return buf.String()
}
