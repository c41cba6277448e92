package products

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// TestService checks the two SDLs the subgraph serves: `_service { sdl }`, what a
// federation router composes, is the SDL it was generated from; /schema.graphql, what
// the gateway reads, is that SDL with the definitions of the federation directives it
// uses, so that a reader that knows nothing of Federation loads it as it is.
func TestService(t *testing.T) {
	e := newEnv(t)
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	e.do(`{ _service { sdl } }`, nil, &got)
	if got.Service.SDL != schema.Products() {
		t.Errorf("_service { sdl } is not schema.Products():\n%s", got.Service.SDL)
	}
	for _, want := range []string{`@link(url: "https://specs.apollo.dev/federation/v2.3"`, `type Product implements Node @key(fields: "id")`,
		`type User implements Node @key(fields: "id")`, `node(id: ID!): Node @shareable`, `type PageInfo @shareable`} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("_service { sdl } lacks %s", want)
		}
	}

	resp, err := http.Get(e.url + "/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sdl, _ := io.ReadAll(resp.Body)
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "products", Input: string(sdl)})
	if err != nil {
		t.Fatalf("/schema.graphql does not load on its own: %v", err)
	}
	if s.Types["Money"] == nil || s.Types["Money"].Kind != ast.Object || s.Directives["key"] == nil {
		t.Errorf("/schema.graphql: Money is %v, @key is %v", s.Types["Money"], s.Directives["key"])
	}
}

// TestEntities sends _entities as a federation router does, over real HTTP: however
// many representations of a type, they cost one Redis round trip, and the
// User.products pages below User representations two (hashstore.Pages).
func TestEntities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var owners, products []string
		for i := range 20 {
			owners = append(owners, e.user())
			products = append(products, e.create(fmt.Sprintf("p%d", i), "1.25", "EUR", owners[i]).ID)
		}
		reps := func(typ string, ids ...string) []any {
			var out []any
			for _, id := range ids {
				out = append(out, map[string]any{"__typename": typ, "id": id})
			}
			return out
		}
		const productsQ = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Product { id name price { amount currencyCode } owner { id } } } }`
		const pagesQ = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id products(first: 2) { edges { node { id } } pageInfo { hasNextPage } } } } }`
		unknown := relay.NewID("Product")
		tests := []struct {
			name       string
			query      string
			reps       []any
			roundTrips int64
			check      func(t *testing.T, entities []json.RawMessage)
		}{
			{
				name: "20 products", query: productsQ, reps: reps("Product", products...), roundTrips: 1,
				check: func(t *testing.T, got []json.RawMessage) {
					for i, raw := range got {
						want := fmt.Sprintf(`{"__typename":"Product","id":%q,"name":"p%d","price":{"amount":"1.25","currencyCode":"EUR"},"owner":{"id":%q}}`, products[i], i, owners[i])
						if string(raw) != want {
							t.Errorf("entity %d = %s, want %s", i, raw, want)
						}
					}
				},
			},
			{
				name: "an unknown product is null", query: productsQ, reps: reps("Product", products[3], unknown, products[4]), roundTrips: 1,
				check: func(t *testing.T, got []json.RawMessage) {
					if string(got[1]) != "null" || !strings.Contains(string(got[0]), products[3]) || !strings.Contains(string(got[2]), products[4]) {
						t.Errorf("entities = %s", got)
					}
				},
			},
			{
				name: "the products pages of 20 users", query: pagesQ, reps: reps("User", owners...), roundTrips: 2,
				check: func(t *testing.T, got []json.RawMessage) {
					for i, raw := range got {
						want := fmt.Sprintf(`{"__typename":"User","id":%q,"products":{"edges":[{"node":{"id":%q}}],"pageInfo":{"hasNextPage":false}}}`, owners[i], products[i])
						if string(raw) != want {
							t.Errorf("entity %d = %s, want %s", i, raw, want)
						}
					}
				},
			},
			{
				name: "users and products together: their pages and the products", query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { products { edges { node { name } } } } ... on Product { name } } }`,
				reps: append(reps("User", owners[:10]...), reps("Product", products[10:]...)...), roundTrips: 3,
				check: func(t *testing.T, got []json.RawMessage) {
					for i, raw := range got {
						want := fmt.Sprintf(`{"products":{"edges":[{"node":{"name":"p%d"}}]}}`, i)
						if i >= 10 {
							want = fmt.Sprintf(`{"name":"p%d"}`, i)
						}
						if string(raw) != want {
							t.Errorf("entity %d = %s, want %s", i, raw, want)
						}
					}
				},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req := graphqltest.Request{Query: tt.query, Variables: map[string]any{"r": tt.reps}}
				e.post(req.Query, req.Variables) // loads the scripts and dials: the steady state is counted
				e.redis.RoundTrips.Store(0)
				var d struct {
					Entities []json.RawMessage `json:"_entities"`
				}
				e.post(req.Query, req.Variables).Decode(t, &d)
				if n := e.redis.RoundTrips.Load(); n != tt.roundTrips {
					t.Errorf("%d Redis round trips, want %d", n, tt.roundTrips)
				}
				if len(d.Entities) != len(tt.reps) {
					t.Fatalf("%d entities for %d representations", len(d.Entities), len(tt.reps))
				}
				tt.check(t, d.Entities)
			})
		}

		// A representation that is not one of its type's ids fails alone, at its index.
		r := e.post(productsQ, map[string]any{"r": []any{
			map[string]any{"__typename": "Product", "id": products[0]},
			map[string]any{"__typename": "Product", "id": owners[0]},
		}})
		var d struct {
			Entities []json.RawMessage `json:"_entities"`
		}
		json.Unmarshal(r.Data, &d)
		if len(d.Entities) != 2 || !strings.Contains(string(d.Entities[0]), products[0]) || string(d.Entities[1]) != "null" ||
			r.Code(t) != errcode.BadUserInput || !slices.Equal(r.Errors[0].Path, []any{"_entities", 1.0}) {
			t.Errorf("a User id as a Product representation: %s", r.Raw)
		}
	})
}

// TestCursorsAreBoundToTheirList pages through the three lists of products: all of
// them, one owner's through products(ownerId:), the same owner's through User.products.
// The last two are one list, whose cursors each accepts; any other list refuses them.
func TestCursorsAreBoundToTheirList(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.user(), e.user()
	for i := range 4 {
		e.create(fmt.Sprintf("a%d", i), "1", "USD", ann)
		e.create(fmt.Sprintf("b%d", i), "1", "USD", bob)
	}
	all := e.page(1, nil, nil)
	anns := e.page(1, nil, &ann)
	var viaUser struct{ Node struct{ Products connection } }
	e.do(`query($id: ID!) { node(id: $id) { ... on User { products(first: 1) { `+connectionFields+` } } } }`, map[string]any{"id": ann}, &viaUser)

	// The first product is Ann's: one position, three lists, three cursors.
	if c := all.Edges[0].Cursor; c == anns.Edges[0].Cursor {
		t.Errorf("the first of all products and Ann's first have one cursor %q", c)
	}
	if a, u := anns.Edges[0].Cursor, viaUser.Node.Products.Edges[0].Cursor; a != u {
		t.Errorf("Ann's first product has cursor %q in products(ownerId:) and %q in User.products, want one", a, u)
	}
	if got := e.page(2, anns.PageInfo.EndCursor, &ann).ids(); len(got) != 2 || e.get(got[0]).Name != "a1" {
		t.Errorf("Ann's products after her first: %v, want a1 and a2", got)
	}
	var next struct{ Node struct{ Products connection } }
	e.do(`query($id: ID!, $after: String) { node(id: $id) { ... on User { products(first: 1, after: $after) { `+connectionFields+` } } } }`,
		map[string]any{"id": ann, "after": anns.PageInfo.EndCursor}, &next)
	if got := next.Node.Products.ids(); len(got) != 1 || e.get(got[0]).Name != "a1" {
		t.Errorf("User.products after products(ownerId:)'s cursor: %v, want a1", got)
	}

	for _, c := range []struct {
		name   string
		after  string
		owner  *string
		refuse bool
	}{
		{"all products' cursor on all products", *all.PageInfo.EndCursor, nil, false},
		{"all products' cursor on Ann's", *all.PageInfo.EndCursor, &ann, true},
		{"Ann's cursor on all products", *anns.PageInfo.EndCursor, nil, true},
		{"Ann's cursor on Bob's", *anns.PageInfo.EndCursor, &bob, true},
	} {
		r := e.post(`query($after: String, $owner: ID) { products(first: 1, after: $after, ownerId: $owner) { edges { cursor } } }`,
			map[string]any{"after": c.after, "owner": c.owner})
		if got := r.Code(t); (got == errcode.BadUserInput) != c.refuse || (!c.refuse && got != "") {
			t.Errorf("%s: code %q, want refused %v: %s", c.name, got, c.refuse, r.Raw)
		}
	}
}

// TestCurrencyCodesAreWhatTheStoreAccepts checks that the CurrencyCode enum has exactly
// the codes the store accepts, each described with the store's number of decimals.
func TestCurrencyCodesAreWhatTheStoreAccepts(t *testing.T) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "products", Input: schema.Standalone(schema.Products())})
	if err != nil {
		t.Fatal(err)
	}
	enum := s.Types["CurrencyCode"]
	decimals := regexp.MustCompile(`, (no|\d) decimals?\.$`)
	var inSchema []string
	for _, v := range enum.EnumValues {
		inSchema = append(inSchema, v.Name)
		digits, ok := store.MinorUnits(v.Name)
		m := decimals.FindStringSubmatch(v.Description)
		want := "no"
		if digits > 0 {
			want = fmt.Sprint(digits)
		}
		if !ok || m == nil || m[1] != want {
			t.Errorf("CurrencyCode.%s is described %q; the store has %d decimals (accepted %v)", v.Name, v.Description, digits, ok)
		}
	}
	var inStore []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			for c := 'A'; c <= 'Z'; c++ {
				if code := string([]rune{a, b, c}); func() bool { _, ok := store.MinorUnits(code); return ok }() {
					inStore = append(inStore, code)
				}
			}
		}
	}
	slices.Sort(inSchema)
	if !slices.Equal(inSchema, inStore) {
		t.Errorf("CurrencyCode has %d values, the store accepts %d codes:\nenum  %v\nstore %v", len(inSchema), len(inStore), inSchema, inStore)
	}
}
