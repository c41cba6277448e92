package supergraph

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/formatter"
)

// shop is a small supergraph in the form @apollo/composition writes (join v0.3): an
// entity with two keys in two subgraphs, a field @requires and one @provides, an
// external field, an override, an interface object, an inaccessible field and enum
// value, and a union with members per subgraph.
const shop = `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/tag/v0.3")
{
  query: Query
}

directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

interface Account
  @join__type(graph: STORE, key: "id")
  @join__type(graph: REVIEWS, key: "id", isInterfaceObject: true)
{
  id: ID!
  rating: Float @join__field(graph: REVIEWS)
}

type Customer implements Account
  @join__implements(graph: STORE, interface: "Account")
  @join__type(graph: STORE, key: "id")
{
  id: ID!
  name: String
  rating: Float @join__field
}

enum Color @join__type(graph: STORE) {
  RED @join__enumValue(graph: STORE)
  SECRET @inaccessible @join__enumValue(graph: STORE)
}

union Media @join__type(graph: STORE) @join__type(graph: REVIEWS)
  @join__unionMember(graph: STORE, member: "Product")
  @join__unionMember(graph: REVIEWS, member: "Product")
  @join__unionMember(graph: REVIEWS, member: "Video")
  = Product | Video

type Product
  @join__type(graph: STORE, key: "upc")
  @join__type(graph: STORE, key: "id organization { id }")
  @join__type(graph: REVIEWS, key: "upc")
{
  upc: String!
  id: ID!
  organization: Organization! @join__field(graph: STORE)
  weight: Int @join__field(graph: STORE) @join__field(graph: REVIEWS, external: true)
  shipping: Int @join__field(graph: REVIEWS, requires: "weight")
  color: Color @join__field(graph: STORE)
  cost: Int @join__field(graph: STORE, usedOverridden: true) @join__field(graph: REVIEWS, override: "store")
  secret: String @inaccessible @join__field(graph: STORE) @tag(name: "internal")
  seller: Customer @join__field(graph: STORE, provides: "name")
}

type Organization
  @join__type(graph: STORE, key: "id")
  @join__type(graph: REVIEWS, key: "id", resolvable: false)
{
  id: ID!
}

type Video @join__type(graph: REVIEWS) {
  url: String
}

type Query @join__type(graph: STORE) @join__type(graph: REVIEWS) {
  products: [Product] @join__field(graph: STORE)
  media: [Media] @join__field(graph: REVIEWS, type: "[Media!]")
  accounts(color: Color = RED, hidden: Color @inaccessible): [Account] @join__field(graph: REVIEWS)
}

scalar join__FieldSet

enum join__Graph {
  REVIEWS @join__graph(name: "reviews", url: "http://127.0.0.1:4012/graphql")
  STORE @join__graph(name: "store", url: "http://127.0.0.1:4011/graphql")
}

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}
`

func TestParseGraphs(t *testing.T) {
	s, err := Parse(shop)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range s.Graphs {
		got = append(got, g.Name+"="+g.URL+"("+g.Enum+")")
	}
	want := "reviews=http://127.0.0.1:4012/graphql(REVIEWS) store=http://127.0.0.1:4011/graphql(STORE)"
	if strings.Join(got, " ") != want {
		t.Errorf("graphs: got %s, want %s", strings.Join(got, " "), want)
	}
	if s.JoinVersion != "v0.3" {
		t.Errorf("join version: got %q, want v0.3", s.JoinVersion)
	}
}

func TestParseTypesAndFields(t *testing.T) {
	s, err := Parse(shop)
	if err != nil {
		t.Fatal(err)
	}
	store, reviews := s.Graph("store"), s.Graph("reviews")
	product := s.Types["Product"]
	if product == nil {
		t.Fatal("no Product")
	}
	st := product.In(store)
	if st == nil || len(st.Keys) != 2 || st.Keys[0].Fields != "upc" || st.Keys[1].Fields != "id organization { id }" || !st.Keys[1].Resolvable {
		t.Errorf("Product in store: got %+v", st)
	}
	if rv := product.In(reviews); rv == nil || len(rv.Keys) != 1 || !rv.Keys[0].Resolvable {
		t.Errorf("Product in reviews: want one resolvable key, got %+v", rv)
	}
	if org := s.Types["Organization"].In(reviews); org == nil || len(org.Keys) != 1 || org.Keys[0].Resolvable {
		t.Errorf("Organization in reviews: want one key that is not resolvable, got %+v", org)
	}
	if k := st.Keys[1].Set; len(k) != 2 {
		t.Errorf("composite key: got %d selections, want 2", len(k))
	}

	for _, c := range []struct {
		typ, field, graph   string
		defined, resolvable bool
	}{
		{"Product", "upc", "store", true, true},       // no @join__field: every subgraph of the type
		{"Product", "upc", "reviews", true, true},     //
		{"Product", "weight", "reviews", true, false}, // external
		{"Product", "cost", "store", true, false},     // used, but overridden
		{"Product", "cost", "reviews", true, true},    //
		{"Product", "organization", "reviews", false, false},
		{"Customer", "rating", "store", false, false}, // a graphless @join__field: from the interface object
		{"Account", "rating", "reviews", true, true},
	} {
		f := s.Field(c.typ, c.field)
		if f == nil {
			t.Errorf("%s.%s: no field", c.typ, c.field)
			continue
		}
		fg := f.In(s.Graph(c.graph))
		if (fg != nil) != c.defined || fg.Resolvable() != c.resolvable {
			t.Errorf("%s.%s in %s: got defined %v resolvable %v, want %v %v", c.typ, c.field, c.graph, fg != nil, fg.Resolvable(), c.defined, c.resolvable)
		}
	}
	ship := s.Field("Product", "shipping").In(reviews)
	if ship.RequiresText != "weight" || len(ship.Requires) != 1 {
		t.Errorf("shipping requires: got %q (%d selections)", ship.RequiresText, len(ship.Requires))
	}
	if seller := s.Field("Product", "seller").In(store); seller.ProvidesText != "name" || len(seller.Provides) != 1 {
		t.Errorf("seller provides: got %q", seller.ProvidesText)
	}
	if cost := s.Field("Product", "cost").In(reviews); cost.Override != "store" {
		t.Errorf("cost override: got %q, want store", cost.Override)
	}
	if media := s.Field("Query", "media").In(reviews); media.Type.String() != "[Media!]" {
		t.Errorf("media's type in reviews: got %s, want [Media!]", media.Type)
	}
	acc := s.Types["Account"]
	if io := acc.In(reviews); io == nil || !io.InterfaceObject {
		t.Errorf("Account in reviews: want an interface object, got %+v", io)
	}
	if c := s.Types["Customer"].In(store); c == nil || len(c.Implements) != 1 || c.Implements[0] != "Account" {
		t.Errorf("Customer implements in store: got %+v", c)
	}
	media := s.Types["Media"]
	if got := media.In(reviews).Members; strings.Join(got, ",") != "Product,Video" {
		t.Errorf("Media members in reviews: got %v", got)
	}
	if got := media.In(store).Members; strings.Join(got, ",") != "Product" {
		t.Errorf("Media members in store: got %v", got)
	}
}

func TestAPISchema(t *testing.T) {
	s, err := Parse(shop)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatSchema(s.API)
	api := buf.String()
	for _, gone := range []string{"join__", "link__", "@link", "@inaccessible", "@tag", "secret", "SECRET", "hidden"} {
		if strings.Contains(api, gone) {
			t.Errorf("the API schema has %q:\n%s", gone, api)
		}
	}
	for _, kept := range []string{"type Product", "shipping: Int", "RED", "accounts(color: Color = RED): [Account]", "union Media = Product | Video"} {
		if !strings.Contains(api, kept) {
			t.Errorf("the API schema lacks %q:\n%s", kept, api)
		}
	}
	// The whole schema keeps what the API hides: the planner needs it.
	if s.Schema.Types["Product"].Fields.ForName("secret") == nil {
		t.Error("the supergraph schema lost Product.secret")
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct {
		name, sdl, want string
	}{
		{"not a supergraph", "type Query { a: Int }", "not a supergraph"},
		{"federation 1 core", `schema @core(feature: "https://specs.apollo.dev/core/v0.1") { query: Query }
			directive @core(feature: String!) repeatable on SCHEMA
			type Query { a: Int }`, "core specification"},
		{"join version", strings.Replace(shop, "join/v0.3", "join/v0.1", 1), "join v0.1 is not supported"},
		{"bad key", strings.Replace(shop, `key: "upc")`+"\n  @join__type(graph: STORE, key: \"id", `key: "nope")`+"\n  @join__type(graph: STORE, key: \"id", 1), `Product: key "nope"`},
		{"syntax", "schema {", "supergraph:"},
	} {
		_, err := Parse(c.sdl)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
