// Package corpus is the differential corpus of the gateway's tests: queries over seeded
// data that cover fragments, aliases, variables, @skip/@include, cross-subgraph steps
// nested several deep, node, __typename, introspection, null propagation and errors.
// gateway's TestCorpus sends each to our gateway (checked against a golden file) and to
// plain nautilus; internal/interop sends each to our gateway and to Apollo Gateway. Each
// case says where another gateway may answer otherwise and why.
package corpus

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
)

// Case is one query of the corpus.
type Case struct {
	Name  string
	Query string
	// Vars are the query's variables; a string value "{{key}}" stands for the seeded id
	// of key (IDs.Variables fills them in).
	Vars map[string]any
	// Nautilus marks the cases plain nautilus answers right: there its data must be
	// byte for byte ours. gateway's TestCorpus fails if a mark is missing or wrong, so
	// the marks say exactly where nautilus is right.
	Nautilus bool
	// CrashesNautilus marks the shapes that kill a process running plain nautilus (its
	// planner panics in a goroutine): they are not sent to the baseline.
	CrashesNautilus bool
	// Apollo says where Apollo Gateway's answer may differ from ours, and why; the zero
	// value means the same data, key order included, and errors at the same paths.
	// internal/interop fails when a difference is not declared here, and when a declared
	// one has gone.
	Apollo Apollo
	// Federation, when set, says why the gateway in federation mode (planned by its own
	// planner from the graph's supergraph) answers otherwise than in stitch mode;
	// otherwise the two answers are byte for byte the same. gateway's
	// TestCorpusFederated fails on an undeclared difference and on a declared one that
	// has gone.
	Federation string
}

// Apollo is how Apollo Gateway's answer to a case may differ from ours. Each field,
// when set, is the reason for the difference it allows.
type Apollo struct {
	// Data: the data differs. What is still compared is its shape: the same keys in the
	// same order at every level, with scalar values and list lengths free and a null
	// standing for any value.
	Data string
	// Errors: the errors differ: not at the same paths, not as many, or only one answer
	// has any.
	Errors string
}

// Cases returns the corpus, in the order the golden file lists it.
func Cases() []Case {
	return []Case{
		// Reading across subgraphs. Selections in alphabetical order let plain nautilus,
		// which sorts keys, give the same bytes where it is right.
		{Name: "products with owners", Nautilus: true,
			Query: `{ products(first: 3) { edges { node { name owner { email name } price { amount currencyCode } } } } }`},
		{Name: "products with owners in selection order",
			Query: `{ products(first: 3) { edges { node { price { currencyCode amount } owner { name email } name } } } }`},
		{Name: "user with products", Nautilus: true, Vars: map[string]any{"id": "{{ada}}"},
			Query: `query($id: ID!) { user(id: $id) { name products(first: 10) { edges { node { name } } pageInfo { hasNextPage } } } }`},
		{Name: "users with their products", Nautilus: true,
			Query: `{ users(first: 10) { edges { node { name products(first: 2) { edges { node { name } } } } } } }`},
		{Name: "user, products, owners: three steps", Nautilus: true, Vars: map[string]any{"id": "{{grace}}"},
			Query: `query($id: ID!) { user(id: $id) { name products(first: 5) { edges { node { name owner { email name } } } } } }`},
		{Name: "four steps deep", Nautilus: true, Vars: map[string]any{"id": "{{ada}}"},
			Query: `query($id: ID!) { user(id: $id) { products(first: 1) { edges { node { owner { name products(first: 5) { edges { node { name owner { email } } } } } } } } } }`},
		{Name: "product by id", Nautilus: true, Vars: map[string]any{"id": "{{engine}}"},
			Query: `query($id: ID!) { product(id: $id) { description id name owner { name } price { amount currencyCode } } }`},
		{Name: "unknown product", Nautilus: true, Vars: map[string]any{"id": "Product:0190f3a0-0000-7000-8000-000000000000"},
			Query: `query($id: ID!) { product(id: $id) { name } }`},
		{Name: "user by a product id", Nautilus: true, Vars: map[string]any{"id": "{{engine}}"},
			Query: `query($id: ID!) { user(id: $id) { name } }`},
		{Name: "pagination page info", Nautilus: true,
			Query: `{ users(first: 2) { edges { cursor node { name } } pageInfo { endCursor hasNextPage hasPreviousPage startCursor } } }`},
		{Name: "products of one owner", Nautilus: true, Vars: map[string]any{"ada": "{{ada}}"},
			Query: `query($ada: ID!) { products(ownerId: $ada) { edges { node { name } } } }`},
		{Name: "a forged cursor", Nautilus: true,
			Query: `{ users(first: 2, after: "forged") { edges { cursor } } }`},

		// Aliases.
		{Name: "aliases on the root",
			Query: `query($a: ID!, $g: ID!) { a: user(id: $a) { n: name } g: user(id: $g) { n: name e: email } }`,
			Vars:  map[string]any{"a": "{{ada}}", "g": "{{grace}}"}},
		{Name: "one field with two argument sets", Nautilus: true,
			Query: `{ first1: products(first: 1) { edges { node { name } } } first2: products(first: 2) { edges { node { name } } } }`},
		{Name: "aliases named id over other fields", Nautilus: true,
			Query: `{ products(first: 2) { edges { node { id: name owner { id: email } } } } }`},
		{Name: "aliases in the gateway's reserved prefix", Nautilus: true,
			Query: `{ _f0: products(first: 2) { edges { node { _fid: name _ft: id owner { _f: name _fid: email } } } } }`},
		{Name: "the same alias twice merges",
			Query: `{ products(first: 2) { edges { node { o: owner { name } o: owner { email } } } } }`},

		// Fragments.
		{Name: "two aliases sharing fragments", Vars: map[string]any{"a": "{{engine}}", "b": "{{mark1}}"},
			Query: `query($a: ID!, $b: ID!) { a: product(id: $a) { ...P } b: product(id: $b) { ...P } } fragment P on Product { id title: name owner { ...U } } fragment U on User { who: name email }`},
		{Name: "nested named fragments", Nautilus: true,
			Query: `{ users(first: 2) { edges { node { ...UserFields } } } } fragment UserFields on User { name products(first: 2) { edges { node { ...ProductFields } } } } fragment ProductFields on Product { name owner { email } }`},
		{Name: "typed inline fragments", Nautilus: true,
			Query: `{ products(first: 2) { edges { node { ... on Product { name owner { ... on User { email } } } } } } }`},
		{Name: "untyped inline fragments", CrashesNautilus: true,
			Query: `{ ... { products(first: 2) { edges { node { ... { name } ... { owner { name } } } } } } }`},
		{Name: "fragment on an interface", Nautilus: true,
			Query: `{ products(first: 1) { edges { node { ... on Node { id } name } } } }`},
		{Name: "fields of one key merged across fragments",
			Query: `{ products(first: 2) { edges { node { name owner { name } ...F } } } } fragment F on Product { owner { email } }`},
		{Name: "the planner-crashing shape", CrashesNautilus: true, Vars: map[string]any{"u": "{{ada}}"},
			Query: `query($u: ID!) { products(first: 1) { edges { node { ... { id } } } } node(id: $u) { ... { id } ... { id } } }`},
		{Name: "fragment spread at the root", Nautilus: true,
			Query: `{ ...Root } fragment Root on Query { products(first: 1) { edges { node { name owner { name } } } } }`},

		// Variables.
		{Name: "variables for pagination", Nautilus: true, Vars: map[string]any{"n": 2, "after": nil},
			Query: `query($n: Int!, $after: String) { users(first: $n, after: $after) { edges { node { name } } } }`},
		{Name: "a variable's default", Nautilus: true,
			Query: `query($n: Int = 1) { products(first: $n) { edges { node { name } } } }`},
		{Name: "a variable in a dependent step", Nautilus: true, Vars: map[string]any{"id": "{{ada}}", "n": 1},
			Query: `query($id: ID!, $n: Int!) { user(id: $id) { products(first: $n) { edges { node { name } } } } }`},
		{Name: "variables in two dependent steps", Nautilus: true, Vars: map[string]any{"id": "{{grace}}", "n": 2, "m": 1},
			Query: `query($id: ID!, $n: Int!, $m: Int!) { user(id: $id) { products(first: $n) { edges { node { owner { products(first: $m) { edges { node { name } } } } } } } } }`},
		{Name: "a string for an Int variable", Vars: map[string]any{"n": "3"},
			Query: `query($n: Int!) { products(first: $n) { edges { node { name } } } }`},

		// @skip and @include.
		{Name: "skip and include with literals", Nautilus: true,
			Query: `{ products(first: 2) { edges { node { name @skip(if: true) price @include(if: true) { amount } owner @include(if: false) { name } } } } }`},
		{Name: "a cross-subgraph field included", Nautilus: true, Vars: map[string]any{"o": true},
			Query: `query($o: Boolean!) { products(first: 2) { edges { node { name owner @include(if: $o) { name } } } } }`},
		{Name: "a cross-subgraph field left out", Nautilus: true, Vars: map[string]any{"o": false},
			Query: `query($o: Boolean!) { products(first: 2) { edges { node { name owner @include(if: $o) { name } } } } }`},
		{Name: "conditions on fragments", Vars: map[string]any{"s": true},
			Query: `query($s: Boolean!) { products(first: 2) { edges { node { name ...F @skip(if: $s) ... on Product @include(if: $s) { price { amount } } } } } } fragment F on Product { owner { name } }`},
		{Name: "every field of a selection skipped", Nautilus: true,
			Query: `{ products(first: 1) { edges { node { owner { name @skip(if: true) } } } } }`},

		// node.
		{Name: "node of a user", Vars: map[string]any{"id": "{{ada}}"},
			Query: `query($id: ID!) { node(id: $id) { id __typename ... on User { name email } ... on Product { name } } }`},
		{Name: "node of a product with its owner", Nautilus: true, Vars: map[string]any{"id": "{{engine}}"},
			Query: `query($id: ID!) { node(id: $id) { ... on Product { name owner { name } } } }`},
		{Name: "node of an unknown type",
			Query: `{ node(id: "Nope:1") { id } }`,
			Apollo: Apollo{Errors: "our gateway reads the type in the id and answers null itself when no subgraph owns it; " +
				"Apollo Gateway's planner sends the id to a subgraph, which refuses \"Nope:1\" as malformed (BAD_USER_INPUT at node)"},
			Federation: "as Apollo Gateway: node goes to products, which refuses \"Nope:1\" as malformed"},
		{Name: "node of a malformed id",
			Query:      `{ node(id: "garbage") { id } }`,
			Federation: "the same error, from products rather than the gateway: it names its subgraph in extensions.subgraph"},
		{Name: "node of a deleted user", Vars: map[string]any{"id": "{{gone}}"},
			Query: `query($id: ID!) { node(id: $id) { id } }`,
			Apollo: Apollo{Data: "Apollo Gateway's planner sends node to products, whose key-only User stub answers any well-formed User id; " +
				"with only the key selected no subgraph is asked whether the user exists, so a deleted user's node is {id}, not null " +
				"(our gateway asks users, which owns User)"},
			Federation: "as Apollo Gateway: products' User stub answers any well-formed User id with its key"},
		{Name: "node with fragments of another type", Nautilus: true, Vars: map[string]any{"id": "{{ada}}"},
			Query: `query($id: ID!) { node(id: $id) { ... on Product { name } } }`},
		{Name: "several nodes", Vars: map[string]any{"a": "{{ada}}", "g": "{{grace}}", "e": "{{engine}}"},
			Query: `query($a: ID!, $g: ID!, $e: ID!) { a: node(id: $a) { ... on User { name } } g: node(id: $g) { ... on User { name } } e: node(id: $e) { __typename ... on Product { name } } }`},

		// __typename.
		{Name: "typename everywhere",
			Query: `{ __typename products(first: 1) { __typename edges { __typename node { __typename owner { __typename name } } } } }`},
		{Name: "typename alone in a cross-subgraph selection", Nautilus: true, Vars: map[string]any{"id": "{{engine}}"},
			Query: `query($id: ID!) { product(id: $id) { owner { __typename } } }`},

		// Introspection.
		{Name: "type by a variable name", Vars: map[string]any{"n": "User"},
			Query: `query($n: String!) { __type(name: $n) { name kind fields { name } interfaces { name } } }`,
			Apollo: Apollo{Data: "the composed API schema lists User's fields in its own order (id, products, then users' fields); " +
				"our merged schema keeps each subgraph's order, users' first: the same fields, in another order"},
			Federation: "the composed API schema's order, as Apollo Gateway's"},
		{Name: "an interface's possible types",
			Query: `{ __type(name: "Node") { kind possibleTypes { name } fields { name } } }`},
		{Name: "a scalar's fields are null",
			Query: `{ __type(name: "Decimal") { kind name fields { name } specifiedByURL } }`},
		{Name: "root types and directives",
			Query: `{ __schema { queryType { name } mutationType { name } subscriptionType { name } directives { name isRepeatable locations } } }`,
			Apollo: Apollo{Data: "graphql-js lists the built-in directives and their locations in its declaration order " +
				"(include, skip, deprecated, specifiedBy, oneOf); our gateway sorts both by name"},
			Federation: "a directive's locations in the supergraph's declaration order, where stitch mode's merged schema " +
				"has them sorted"},
		{Name: "introspection beside data",
			Query: `{ __typename __type(name: "PageInfo") { fields { name } } products(first: 1) { edges { node { name } } } }`},

		// Nulls and errors.
		{Name: "a deleted owner is null", Vars: map[string]any{"gone": "{{gone}}"},
			Query: `query($gone: ID!) { products(ownerId: $gone) { edges { node { name owner { email name } } } } }`,
			Federation: "the same data with an error: users answers the owner's entity null, so its fields are null, and the " +
				"non-null email is an error (the spec's rule) before the null reaches owner; stitch mode reads a null node as no owner"},
		{Name: "a failing non-null field nulls its parent", Vars: map[string]any{"id": "{{ada}}"},
			Query: `query($id: ID!) { user(id: $id) { name products(first: 0) { edges { cursor } } } }`},
		{Name: "a failing field in a list nulls the data",
			Query: `{ users(first: 2) { edges { node { name products(first: 500) { edges { cursor } } } } } }`,
			Apollo: Apollo{Errors: "our gateway answers one error per failure cause (docs/architecture.md, The executor); " +
				"Apollo Gateway passes on the subgraph's error for each failed item, at each item's path"}},
		{Name: "a refused mutation", Nautilus: true,
			Query: `mutation { createUser(input: {name: "", email: "x@example.com"}) { id } }`},
	}
}

// IDs maps each seeded object's key ("ada", "engine") to its global id.
type IDs map[string]string

// Seed makes the corpus's data through the GraphQL endpoint url (a gateway's, which
// sends each mutation to its subgraph): five users, one of them then deleted, and eight
// products, one of them the deleted user's.
func Seed(t testing.TB, url string) IDs {
	t.Helper()
	ids := IDs{}
	for _, u := range []struct{ key, name, email string }{
		{"ada", "Ada Lovelace", "ada@example.com"}, {"grace", "Grace Hopper", "grace@example.com"},
		{"alan", "Alan Turing", "alan@example.com"}, {"katherine", "Katherine Johnson", "katherine@example.com"},
		{"gone", "Gone Away", "gone@example.com"},
	} {
		var d struct{ CreateUser struct{ ID string } }
		graphqltest.Post(t, url, graphqltest.Request{
			Query:     `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			Variables: map[string]any{"in": map[string]any{"name": u.name, "email": u.email}},
		}).Decode(t, &d)
		ids[u.key] = d.CreateUser.ID
	}
	for _, p := range []struct{ key, name, amount, currency, owner string }{
		{"engine", "Analytical Engine", "1843.00", "GBP", "ada"}, {"difference", "Difference Engine", "1822.00", "GBP", "ada"},
		{"mark1", "Mark I", "1944.00", "USD", "grace"}, {"cobol", "COBOL manual", "59.00", "USD", "grace"},
		{"bombe", "Bombe", "1939", "JPY", "alan"}, {"orphan", "Orphan", "1.00", "USD", "gone"},
		{"tables", "Trajectory tables", "1962.50", "USD", "katherine"}, {"notes", "Notes on the Engine", "5.00", "GBP", "ada"},
	} {
		var d struct{ CreateProduct struct{ ID string } }
		graphqltest.Post(t, url, graphqltest.Request{
			Query: `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
			Variables: map[string]any{"in": map[string]any{"name": p.name, "ownerId": ids[p.owner],
				"price": map[string]any{"amount": p.amount, "currencyCode": p.currency}}},
		}).Decode(t, &d)
		ids[p.key] = d.CreateProduct.ID
	}
	var d map[string]any
	graphqltest.Post(t, url, graphqltest.Request{
		Query:     `mutation($id: ID!) { deleteUser(id: $id) }`,
		Variables: map[string]any{"id": ids["gone"]},
	}).Decode(t, &d)
	return ids
}

// Variables returns c's variables with each "{{key}}" replaced by the id of key.
func (ids IDs) Variables(c Case) map[string]any {
	vars := map[string]any{}
	for k, v := range c.Vars {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "{{") {
			v = ids[strings.Trim(s, "{}")]
		}
		vars[k] = v
	}
	return vars
}

// Mask replaces every seeded id in b by its "{{key}}" placeholder, so that answers read
// the same from one run to the next.
func (ids IDs) Mask(b []byte) []byte {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b = bytes.ReplaceAll(b, []byte(ids[k]), []byte("{{"+k+"}}"))
	}
	return b
}
