package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// corpusCase is one query of the differential corpus.
type corpusCase struct {
	name  string
	query string
	vars  map[string]any // string values "{{key}}" are replaced by the seeded id of key
	// nautilus marks the cases plain nautilus answers right: there its data must be
	// byte for byte ours. The test fails if a mark is missing or wrong, so the marks say
	// exactly where nautilus is right.
	nautilus bool
	// crashesNautilus marks the shapes that kill a process running plain nautilus (its
	// planner panics in a goroutine): they are not sent to the baseline.
	crashesNautilus bool
}

// corpus covers fragments, aliases, variables, @skip/@include, cross-subgraph steps
// nested several deep, node, __typename, introspection, null propagation and errors.
var corpus = []corpusCase{
	// Reading across subgraphs. Selections in alphabetical order let plain nautilus,
	// which sorts keys, give the same bytes where it is right.
	{name: "products with owners", nautilus: true,
		query: `{ products(first: 3) { edges { node { name owner { email name } price } } } }`},
	{name: "products with owners in selection order",
		query: `{ products(first: 3) { edges { node { price owner { name email } name } } } }`},
	{name: "user with products", nautilus: true, vars: map[string]any{"id": "{{ada}}"},
		query: `query($id: ID!) { user(id: $id) { name products(first: 10) { edges { node { name } } pageInfo { hasNextPage } } } }`},
	{name: "users with their products", nautilus: true,
		query: `{ users(first: 10) { edges { node { name products(first: 2) { edges { node { name } } } } } } }`},
	{name: "user, products, owners: three steps", nautilus: true, vars: map[string]any{"id": "{{grace}}"},
		query: `query($id: ID!) { user(id: $id) { name products(first: 5) { edges { node { name owner { email name } } } } } }`},
	{name: "four steps deep", nautilus: true, vars: map[string]any{"id": "{{ada}}"},
		query: `query($id: ID!) { user(id: $id) { products(first: 1) { edges { node { owner { name products(first: 5) { edges { node { name owner { email } } } } } } } } } }`},
	{name: "product by id", nautilus: true, vars: map[string]any{"id": "{{engine}}"},
		query: `query($id: ID!) { product(id: $id) { description id name owner { name } price } }`},
	{name: "unknown product", nautilus: true, vars: map[string]any{"id": "Product:0190f3a0-0000-7000-8000-000000000000"},
		query: `query($id: ID!) { product(id: $id) { name } }`},
	{name: "user by a product id", nautilus: true, vars: map[string]any{"id": "{{engine}}"},
		query: `query($id: ID!) { user(id: $id) { name } }`},
	{name: "pagination page info", nautilus: true,
		query: `{ users(first: 2) { edges { cursor node { name } } pageInfo { endCursor hasNextPage hasPreviousPage startCursor } } }`},
	{name: "products of one owner", nautilus: true, vars: map[string]any{"ada": "{{ada}}"},
		query: `query($ada: ID!) { products(ownerId: $ada) { edges { node { name } } } }`},
	{name: "a forged cursor", nautilus: true,
		query: `{ users(first: 2, after: "forged") { edges { cursor } } }`},

	// Aliases.
	{name: "aliases on the root",
		query: `query($a: ID!, $g: ID!) { a: user(id: $a) { n: name } g: user(id: $g) { n: name e: email } }`,
		vars:  map[string]any{"a": "{{ada}}", "g": "{{grace}}"}},
	{name: "one field with two argument sets", nautilus: true,
		query: `{ first1: products(first: 1) { edges { node { name } } } first2: products(first: 2) { edges { node { name } } } }`},
	{name: "aliases named id over other fields", nautilus: true,
		query: `{ products(first: 2) { edges { node { id: name owner { id: email } } } } }`},
	{name: "aliases in the gateway's reserved prefix", nautilus: true,
		query: `{ _f0: products(first: 2) { edges { node { _fid: name _ft: id owner { _f: name _fid: email } } } } }`},
	{name: "the same alias twice merges",
		query: `{ products(first: 2) { edges { node { o: owner { name } o: owner { email } } } } }`},

	// Fragments.
	{name: "two aliases sharing fragments", vars: map[string]any{"a": "{{engine}}", "b": "{{mark1}}"},
		query: `query($a: ID!, $b: ID!) { a: product(id: $a) { ...P } b: product(id: $b) { ...P } } fragment P on Product { id title: name owner { ...U } } fragment U on User { who: name email }`},
	{name: "nested named fragments", nautilus: true,
		query: `{ users(first: 2) { edges { node { ...UserFields } } } } fragment UserFields on User { name products(first: 2) { edges { node { ...ProductFields } } } } fragment ProductFields on Product { name owner { email } }`},
	{name: "typed inline fragments", nautilus: true,
		query: `{ products(first: 2) { edges { node { ... on Product { name owner { ... on User { email } } } } } } }`},
	{name: "untyped inline fragments", crashesNautilus: true,
		query: `{ ... { products(first: 2) { edges { node { ... { name } ... { owner { name } } } } } } }`},
	{name: "fragment on an interface", nautilus: true,
		query: `{ products(first: 1) { edges { node { ... on Node { id } name } } } }`},
	{name: "fields of one key merged across fragments",
		query: `{ products(first: 2) { edges { node { name owner { name } ...F } } } } fragment F on Product { owner { email } }`},
	{name: "the planner-crashing shape", crashesNautilus: true, vars: map[string]any{"u": "{{ada}}"},
		query: `query($u: ID!) { products(first: 1) { edges { node { ... { id } } } } node(id: $u) { ... { id } ... { id } } }`},
	{name: "fragment spread at the root", nautilus: true,
		query: `{ ...Root } fragment Root on Query { products(first: 1) { edges { node { name owner { name } } } } }`},

	// Variables.
	{name: "variables for pagination", nautilus: true, vars: map[string]any{"n": 2, "after": nil},
		query: `query($n: Int!, $after: String) { users(first: $n, after: $after) { edges { node { name } } } }`},
	{name: "a variable's default", nautilus: true,
		query: `query($n: Int = 1) { products(first: $n) { edges { node { name } } } }`},
	{name: "a variable in a dependent step", nautilus: true, vars: map[string]any{"id": "{{ada}}", "n": 1},
		query: `query($id: ID!, $n: Int!) { user(id: $id) { products(first: $n) { edges { node { name } } } } }`},
	{name: "variables in two dependent steps", nautilus: true, vars: map[string]any{"id": "{{grace}}", "n": 2, "m": 1},
		query: `query($id: ID!, $n: Int!, $m: Int!) { user(id: $id) { products(first: $n) { edges { node { owner { products(first: $m) { edges { node { name } } } } } } } } }`},
	{name: "a string for an Int variable", vars: map[string]any{"n": "3"},
		query: `query($n: Int!) { products(first: $n) { edges { node { name } } } }`},

	// @skip and @include.
	{name: "skip and include with literals", nautilus: true,
		query: `{ products(first: 2) { edges { node { name @skip(if: true) price @include(if: true) owner @include(if: false) { name } } } } }`},
	{name: "a cross-subgraph field included", nautilus: true, vars: map[string]any{"o": true},
		query: `query($o: Boolean!) { products(first: 2) { edges { node { name owner @include(if: $o) { name } } } } }`},
	{name: "a cross-subgraph field left out", nautilus: true, vars: map[string]any{"o": false},
		query: `query($o: Boolean!) { products(first: 2) { edges { node { name owner @include(if: $o) { name } } } } }`},
	{name: "conditions on fragments", vars: map[string]any{"s": true},
		query: `query($s: Boolean!) { products(first: 2) { edges { node { name ...F @skip(if: $s) ... on Product @include(if: $s) { price } } } } } fragment F on Product { owner { name } }`},
	{name: "every field of a selection skipped", nautilus: true,
		query: `{ products(first: 1) { edges { node { owner { name @skip(if: true) } } } } }`},

	// node.
	{name: "node of a user", vars: map[string]any{"id": "{{ada}}"},
		query: `query($id: ID!) { node(id: $id) { id __typename ... on User { name email } ... on Product { name } } }`},
	{name: "node of a product with its owner", nautilus: true, vars: map[string]any{"id": "{{engine}}"},
		query: `query($id: ID!) { node(id: $id) { ... on Product { name owner { name } } } }`},
	{name: "node of an unknown type",
		query: `{ node(id: "Nope:1") { id } }`},
	{name: "node of a malformed id",
		query: `{ node(id: "garbage") { id } }`},
	{name: "node of a deleted user", vars: map[string]any{"id": "{{gone}}"},
		query: `query($id: ID!) { node(id: $id) { id } }`},
	{name: "node with fragments of another type", nautilus: true, vars: map[string]any{"id": "{{ada}}"},
		query: `query($id: ID!) { node(id: $id) { ... on Product { name } } }`},
	{name: "several nodes", vars: map[string]any{"a": "{{ada}}", "g": "{{grace}}", "e": "{{engine}}"},
		query: `query($a: ID!, $g: ID!, $e: ID!) { a: node(id: $a) { ... on User { name } } g: node(id: $g) { ... on User { name } } e: node(id: $e) { __typename ... on Product { name } } }`},

	// __typename.
	{name: "typename everywhere",
		query: `{ __typename products(first: 1) { __typename edges { __typename node { __typename owner { __typename name } } } } }`},
	{name: "typename alone in a cross-subgraph selection", nautilus: true, vars: map[string]any{"id": "{{engine}}"},
		query: `query($id: ID!) { product(id: $id) { owner { __typename } } }`},

	// Introspection.
	{name: "type by a variable name", vars: map[string]any{"n": "User"},
		query: `query($n: String!) { __type(name: $n) { name kind fields { name } interfaces { name } } }`},
	{name: "an interface's possible types",
		query: `{ __type(name: "Node") { kind possibleTypes { name } fields { name } } }`},
	{name: "a scalar's fields are null",
		query: `{ __type(name: "Money") { kind name fields { name } specifiedByURL } }`},
	{name: "root types and directives",
		query: `{ __schema { queryType { name } mutationType { name } subscriptionType { name } directives { name isRepeatable locations } } }`},
	{name: "introspection beside data",
		query: `{ __typename __type(name: "PageInfo") { fields { name } } products(first: 1) { edges { node { name } } } }`},

	// Nulls and errors.
	{name: "a deleted owner is null", vars: map[string]any{"gone": "{{gone}}"},
		query: `query($gone: ID!) { products(ownerId: $gone) { edges { node { name owner { email name } } } } }`},
	{name: "a failing non-null field nulls its parent", vars: map[string]any{"id": "{{ada}}"},
		query: `query($id: ID!) { user(id: $id) { name products(first: 0) { edges { cursor } } } }`},
	{name: "a failing field in a list nulls the data",
		query: `{ users(first: 2) { edges { node { name products(first: 500) { edges { cursor } } } } } }`},
	{name: "a refused mutation", nautilus: true,
		query: `mutation { createUser(input: {name: "", email: "x@example.com"}) { id } }`},
}

// seedCorpus makes the corpus's data and returns the placeholder of each id.
func seedCorpus(t *testing.T, g *graph) map[string]string {
	ids := map[string]string{}
	for _, u := range []struct{ key, name, email string }{
		{"ada", "Ada Lovelace", "ada@example.com"}, {"grace", "Grace Hopper", "grace@example.com"},
		{"alan", "Alan Turing", "alan@example.com"}, {"katherine", "Katherine Johnson", "katherine@example.com"},
		{"gone", "Gone Away", "gone@example.com"},
	} {
		ids[u.key] = g.createUser(t, u.name, u.email)
	}
	for _, p := range []struct{ key, name, amount, currency, owner string }{
		{"engine", "Analytical Engine", "1843.00", "GBP", "ada"}, {"difference", "Difference Engine", "1822.00", "GBP", "ada"},
		{"mark1", "Mark I", "1944.00", "USD", "grace"}, {"cobol", "COBOL manual", "59.00", "USD", "grace"},
		{"bombe", "Bombe", "1939", "JPY", "alan"}, {"orphan", "Orphan", "1.00", "USD", "gone"},
		{"tables", "Trajectory tables", "1962.50", "USD", "katherine"}, {"notes", "Notes on the Engine", "5.00", "GBP", "ada"},
	} {
		ids[p.key] = g.createProduct(t, p.name, p.amount, p.currency, ids[p.owner])
	}
	g.must(t, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": ids["gone"]}, &map[string]any{})
	return ids
}

// TestCorpus runs the corpus through our gateway and checks every answer, data and
// errors byte for byte, against testdata/corpus.golden (`go test ./gateway -run
// Corpus -update` rewrites it, to be reviewed). Each query also goes to plain nautilus
// over the same subgraphs: where the case says nautilus is right, its data must be ours
// byte for byte, and where it does not, nautilus must indeed differ.
func TestCorpus(t *testing.T) {
	if len(corpus) < 40 {
		t.Fatalf("the corpus has %d queries, want at least 40", len(corpus))
	}
	g := startGraph(t, redistest.Miniredis)
	ids := seedCorpus(t, g)
	baseline := plainNautilus(t, g)
	placeholders := func(b []byte) []byte {
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
	var golden bytes.Buffer
	want := readGolden(t)
	for _, c := range corpus {
		vars := map[string]any{}
		for k, v := range c.vars {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "{{") {
				v = ids[strings.Trim(s, "{}")]
			}
			vars[k] = v
		}
		body := placeholders(rawPost(t, g.url, c.query, vars))
		fmt.Fprintf(&golden, "### %s\n%s\n", c.name, body)
		t.Run(c.name, func(t *testing.T) {
			if w, ok := want[c.name]; !*update && (!ok || w != string(body)) {
				t.Errorf("answer:\n got %s\nwant %s", body, w)
			}
			if c.crashesNautilus {
				return
			}
			var ours struct{ Data json.RawMessage }
			json.Unmarshal(body, &ours)
			var theirs struct{ Data json.RawMessage }
			json.Unmarshal(placeholders(rawPost(t, baseline, c.query, vars)), &theirs)
			same := bytes.Equal(ours.Data, theirs.Data)
			switch {
			case c.nautilus && !same:
				t.Errorf("marked as answered right by nautilus, but its data differs:\nnautilus %s\n    ours %s", theirs.Data, ours.Data)
			case !c.nautilus && same:
				t.Errorf("nautilus answers this one exactly as we do: mark it")
			}
		})
	}
	if *update {
		if err := os.WriteFile("testdata/corpus.golden", golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T) map[string]string {
	b, err := os.ReadFile("testdata/corpus.golden")
	if err != nil {
		if *update {
			return nil
		}
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, section := range strings.Split(string(b), "### ")[1:] {
		name, body, _ := strings.Cut(section, "\n")
		out[name] = strings.TrimSuffix(body, "\n")
	}
	return out
}

// rawPost sends a query and returns the response body as it came.
func rawPost(t *testing.T, url, query string, vars map[string]any) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return bytes.TrimSpace(b)
}
