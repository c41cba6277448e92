package products

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// forEachBackend runs f on a products subgraph over miniredis and, when REDIS_URL is
// set, over a real Redis.
func forEachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) { f(t, newEnvOn(t, b.New(t))) })
	}
}

// lookup is one alias of a batched document: node(id:) on user, selecting sel.
type lookup struct {
	user, sel string
	// want is the alias's page; nil when sel asks for no products.
	want *wantPage
	// code and msg describe the error of an alias whose products field fails; the
	// alias is then null, products being non-null.
	code, msg string
}

type wantPage struct {
	ids              []string
	hasNext, hasPrev bool
}

// batched returns a document as the gateway's executor sends it: one aliased
// node(id:) per lookup, _0, _1, …, each id a variable _fg0, _fg1, …, followed by
// fragments; and its variables, vars among them.
func batched(varDefs, fragments string, vars map[string]any, lookups []lookup) (string, map[string]any) {
	defs := []string{}
	if varDefs != "" {
		defs = append(defs, varDefs)
	}
	all := map[string]any{}
	for k, v := range vars {
		all[k] = v
	}
	var sels strings.Builder
	for i, l := range lookups {
		defs = append(defs, fmt.Sprintf("$_fg%d: ID!", i))
		all[fmt.Sprintf("_fg%d", i)] = l.user
		fmt.Fprintf(&sels, "  _%d: node(id: $_fg%d) { %s }\n", i, i, l.sel)
	}
	return fmt.Sprintf("query Q(%s) {\n%s}\n%s", strings.Join(defs, ", "), sels.String(), fragments), all
}

// forgedCursor is well-formed base64 that no server signed.
const forgedCursor = "AQAAAAAAAAABAAAAAAAAAAAAAAAA"

// TestUserProductsOfRootUsers sends User.products as the gateway's executor does, and
// counts Redis round trips: the pages of the users looked up at the root are read from
// the operation itself in ceil(pages/25) reads of two round trips each
// (hashstore.Pages), however the scheduler runs the resolvers, so the counts hold on
// every run. Bad arguments fail their alias alone.
func TestUserProductsOfRootUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		// User i owns 1 + i%4 products, created in turns so that owners interleave.
		users := make([]string, 30)
		for i := range users {
			users[i] = e.user()
		}
		owned := map[string][]string{}
		for turn := range 4 {
			for i, u := range users {
				if turn < 1+i%4 {
					owned[u] = append(owned[u], e.create(fmt.Sprintf("u%d-p%d", i, turn), "1", "USD", u).ID)
				}
			}
		}
		nobody := e.user()
		u1, u2, u3 := users[1], users[2], users[3] // 2, 3 and 4 products
		afterFirst := *e.page(1, nil, &u3).PageInfo.EndCursor

		// first returns the first n of u's products as a page.
		first := func(u string, n int) *wantPage {
			ps := owned[u]
			return &wantPage{ids: ps[:min(n, len(ps))], hasNext: len(ps) > n}
		}
		const s0 = "..._fgS0"
		fragment := func(name, args string) string {
			return fmt.Sprintf("fragment %s on User { products%s { %s } }\n", name, args, connectionFields)
		}
		inline := func(args string) string {
			return fmt.Sprintf("... on User { products%s { %s } }", args, connectionFields)
		}
		var all []lookup
		for _, u := range users {
			all = append(all, lookup{user: u, sel: s0, want: first(u, 20)})
		}

		tests := []struct {
			name      string
			varDefs   string
			vars      map[string]any
			fragments string
			lookups   []lookup
			// roundTrips is what the request costs once the scripts are cached.
			roundTrips int64
		}{
			{
				name:    "three users",
				varDefs: "$first: Int", vars: map[string]any{"first": 2},
				fragments: fragment("_fgS0", "(first: $first)"),
				lookups: []lookup{
					{user: u1, sel: s0, want: first(u1, 2)},
					{user: u2, sel: s0, want: first(u2, 2)},
					{user: u3, sel: s0, want: first(u3, 2)},
				},
				roundTrips: 2,
			},
			{
				name:    "thirty users, first by the schema's default",
				varDefs: "$first: Int", vars: nil, // $first not given: first is 20
				fragments:  fragment("_fgS0", "(first: $first)"),
				lookups:    all,
				roundTrips: 4,
			},
			{
				name:    "arguments that differ per alias",
				varDefs: "$first: Int, $after: String", vars: map[string]any{"first": 3, "after": afterFirst},
				fragments: fragment("_fgS0", "(first: 1)") + fragment("_fgS1", "(first: $first)"),
				lookups: []lookup{
					{user: u3, sel: s0, want: first(u3, 1)},
					{user: u3, sel: "..._fgS1", want: first(u3, 3)},
					{user: u3, sel: inline("(first: 2, after: $after)"), want: &wantPage{ids: owned[u3][1:3], hasNext: true, hasPrev: true}},
					{user: u2, sel: s0, want: first(u2, 1)},
					{user: u1, sel: "..._fgS1", want: first(u1, 3)},
				},
				roundTrips: 2,
			},
			{
				name:      "a repeated id",
				fragments: fragment("_fgS0", "(first: 2)"),
				lookups: []lookup{
					{user: u3, sel: s0, want: first(u3, 2)},
					{user: u1, sel: s0, want: first(u1, 2)},
					{user: u3, sel: s0, want: first(u3, 2)},
					{user: nobody, sel: s0, want: &wantPage{}},
					{user: u3, sel: s0, want: first(u3, 2)},
				},
				roundTrips: 2,
			},
			{
				name:      "a bad first on one alias",
				fragments: fragment("_fgS0", "(first: 2)"),
				lookups: []lookup{
					{user: u1, sel: s0, want: first(u1, 2)},
					{user: u2, sel: inline("(first: 0)"), code: errcode.BadUserInput, msg: "between 1 and 100"},
					{user: u3, sel: s0, want: first(u3, 2)},
				},
				roundTrips: 2,
			},
			{
				name:    "a forged cursor and a first of 101 among good aliases",
				varDefs: "$after: String, $big: Int", vars: map[string]any{"after": forgedCursor, "big": 101},
				fragments: fragment("_fgS0", "(first: 2)"),
				lookups: []lookup{
					{user: u1, sel: inline("(after: $after)"), code: errcode.BadUserInput, msg: "not issued by this server"},
					{user: u2, sel: s0, want: first(u2, 2)},
					{user: u3, sel: inline("(first: $big)"), code: errcode.BadUserInput, msg: "between 1 and 100"},
					{user: u3, sel: s0, want: first(u3, 2)},
				},
				roundTrips: 2,
			},
			{
				name: "skipped and bad fields read nothing",
				lookups: []lookup{
					{user: u1, sel: "... on User @skip(if: true) { products { edges { cursor } } }"},
					{user: u2, sel: inline("(first: 101)"), code: errcode.BadUserInput, msg: "between 1 and 100"},
				},
				roundTrips: 0,
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				query, vars := batched(tt.varDefs, tt.fragments, tt.vars, tt.lookups)
				// The first run loads the script into Redis's cache and dials; what is
				// counted is the steady state.
				e.post(query, vars)
				e.redis.RoundTrips.Store(0)
				resp := e.post(query, vars)
				if n := e.redis.RoundTrips.Load(); n != tt.roundTrips {
					t.Errorf("%d redis round trips, want %d", n, tt.roundTrips)
				}
				checkLookups(t, tt.lookups, resp)
			})
		}
	})
}

// checkLookups compares each alias of resp with its lookup: its page, or its error and
// no other.
func checkLookups(t *testing.T, lookups []lookup, resp graphqltest.Response) {
	t.Helper()
	raw := resp.Raw
	var data map[string]*struct{ Products *connection }
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		t.Fatalf("data %s: %v", resp.Data, err)
	}
	wantErrors := 0
	for i, l := range lookups {
		alias := fmt.Sprintf("_%d", i)
		got, present := data[alias]
		switch {
		case !present:
			t.Errorf("%s: missing from %s", alias, raw)
		case l.code != "":
			wantErrors++
			if got != nil {
				t.Errorf("%s: got %+v, want null for a failed products field", alias, got)
			}
			if !slices.ContainsFunc(resp.Errors, func(e graphqltest.Error) bool {
				return slices.Equal(e.Path, []any{alias, "products"}) && e.Extensions["code"] == l.code && strings.Contains(e.Message, l.msg)
			}) {
				t.Errorf("%s: no %s error containing %q at [%s products] in %s", alias, l.code, l.msg, alias, raw)
			}
		case got == nil:
			t.Errorf("%s: null, want a user: %s", alias, raw)
		case l.want == nil:
			if got.Products != nil {
				t.Errorf("%s: got products %+v, want none", alias, got.Products)
			}
		case got.Products == nil:
			t.Errorf("%s: no products, want %v", alias, l.want.ids)
		default:
			checkPage(t, alias, *got.Products, *l.want)
		}
	}
	if len(resp.Errors) != wantErrors {
		t.Errorf("got %d errors, want %d: %s", len(resp.Errors), wantErrors, raw)
	}
}

func checkPage(t *testing.T, label string, got connection, want wantPage) {
	t.Helper()
	if got.Edges == nil {
		t.Errorf("%s: edges is null, want a list", label)
	}
	subgraphtest.CheckPage(t, label, got.ids(), got.cursors(), got.PageInfo, want.ids, want.hasNext, want.hasPrev)
}

// TestUserProductsOfOwnersFromData checks the pages of users that only the data names
// (a product's owner), which a time-window loader reads, alongside root ones. It checks
// answers, not round trips: how such pages batch depends on the scheduler.
func TestUserProductsOfOwnersFromData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ann, bob := e.user(), e.user()
		var anns, bobs []string
		for i := range 6 {
			owner, list := ann, &anns
			if i%2 == 1 {
				owner, list = bob, &bobs
			}
			*list = append(*list, e.create(fmt.Sprintf("p%d", i), "1", "USD", owner).ID)
		}
		type owner struct {
			ID       string
			Products connection
		}
		type page struct {
			Edges []struct {
				Node struct {
					ID    string
					Owner owner
				}
			}
		}
		var got struct {
			A        struct{ Products page }
			Products page
		}
		// a's inner page has the arguments of a root page of ann's (b), so it may come
		// from the root batch; the others come from the loader.
		e.do(`query($a: ID!) {
			a: node(id: $a) { ... on User { products(first: 2) { edges { node { id owner { id products(first: 1) { `+connectionFields+` } } } } } } }
			b: node(id: $a) { ... on User { products(first: 1) { edges { cursor } } } }
			products(first: 4) { edges { node { id owner { id products(first: 2) { `+connectionFields+` } } } } }
		}`, map[string]any{"a": ann}, &got)

		want := map[string]wantPage{ann: {ids: anns[:1], hasNext: true}}
		for _, edge := range got.A.Products.Edges {
			checkPage(t, "a: owner of "+edge.Node.ID, edge.Node.Owner.Products, want[ann])
		}
		want = map[string]wantPage{ann: {ids: anns[:2], hasNext: true}, bob: {ids: bobs[:2], hasNext: true}}
		if len(got.Products.Edges) != 4 {
			t.Fatalf("products: %d edges, want 4", len(got.Products.Edges))
		}
		for _, edge := range got.Products.Edges {
			o := edge.Node.Owner
			if o.ID != ann && o.ID != bob {
				t.Fatalf("products: %s has owner %q", edge.Node.ID, o.ID)
			}
			checkPage(t, "products: owner of "+edge.Node.ID, o.Products, want[o.ID])
		}
	})
}

// TestUserProductsWhenRedisDoesNotAnswer points the subgraph at a server that accepts
// connections and never replies: each alias whose page the batch was to read fails
// with SERVICE_UNAVAILABLE, naming no address; an alias with bad arguments still
// fails with BAD_USER_INPUT.
func TestUserProductsWhenRedisDoesNotAnswer(t *testing.T) {
	rdb, closeRedis, err := subgraph.OpenRedis("redis://"+subgraphtest.Silent(t), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeRedis)
	e := newEnvOn(t, redistest.Redis{Client: rdb})
	u1, u2, u3 := e.user(), e.user(), e.user()

	unavailable := func(u string) lookup {
		return lookup{user: u, sel: "..._fgS0", code: errcode.ServiceUnavailable, msg: "did not answer in time"}
	}
	lookups := []lookup{
		unavailable(u1),
		unavailable(u2),
		{user: u3, sel: "... on User { products(first: 0) { edges { cursor } } }", code: errcode.BadUserInput, msg: "between 1 and 100"},
		unavailable(u3),
	}
	query, vars := batched("", "fragment _fgS0 on User { products(first: 2) { edges { cursor } } }\n", nil, lookups)
	resp := e.post(query, vars)
	checkLookups(t, lookups, resp)
	if strings.Contains(resp.Raw, "127.0.0.1") {
		t.Errorf("response leaks the store's address: %s", resp.Raw)
	}
}
