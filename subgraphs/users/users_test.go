package users_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// inMemory returns gqlgen's client on the users subgraph's handler, with no network
// between them: for what the resolvers answer.
func inMemory(t *testing.T) (*client.Client, redistest.Redis) {
	t.Helper()
	r := redistest.New(t)
	h, err := users.New(config(r.Client, r.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	return client.New(h, client.Path(subgraph.GraphQLPath)), r
}

// mustPost sends a request in memory, failing the test on any error, and decodes its
// data into dst.
func mustPost(t *testing.T, c *client.Client, query string, dst any, opts ...client.Option) {
	t.Helper()
	if err := c.Post(query, dst, opts...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// TestCreateReadUpdateDelete runs every operation on a user, in memory.
func TestCreateReadUpdateDelete(t *testing.T) {
	c, r := inMemory(t)
	type full struct {
		Typename        string `json:"__typename"`
		ID, Name, Email string
		CreatedAt       string
		Version         int
	}
	const fields = `__typename id name email createdAt version`

	var created struct{ CreateUser full }
	mustPost(t, c, `mutation($in: CreateUserInput!) { createUser(input: $in) { `+fields+` } }`, &created,
		client.Var("in", map[string]any{"name": "  Ada Lovelace ", "email": "ada@example.com"}))
	u := created.CreateUser
	if err := relay.CheckID(u.ID, "User"); err != nil {
		t.Fatalf("createUser id: %v", err)
	}
	if at, err := time.Parse(time.RFC3339Nano, u.CreatedAt); err != nil || time.Since(at) > time.Minute {
		t.Errorf("createdAt %q: %v", u.CreatedAt, err)
	}
	want := full{Typename: "User", ID: u.ID, Name: "Ada Lovelace", Email: "ada@example.com", CreatedAt: u.CreatedAt, Version: 1}
	if u != want {
		t.Errorf("createUser = %+v, want %+v", u, want)
	}

	var read struct{ User, Node full }
	mustPost(t, c, `query($id: ID!) { user(id: $id) { `+fields+` } node(id: $id) { ... on User { `+fields+` } } }`, &read, client.Var("id", u.ID))
	if read.User != want || read.Node != want {
		t.Errorf("user, node = %+v, %+v; want %+v", read.User, read.Node, want)
	}

	for _, step := range []struct {
		input map[string]any
		apply func(*full)
	}{
		{map[string]any{"name": " Ada King "}, func(u *full) { u.Name = "Ada King" }},
		{map[string]any{"email": "ADA@lovelace.org"}, func(u *full) { u.Email = "ADA@lovelace.org" }},
		{map[string]any{"name": "Ada", "email": "ada@lovelace.org", "expectedVersion": 3}, func(u *full) { u.Name, u.Email = "Ada", "ada@lovelace.org" }},
		{map[string]any{}, func(*full) {}},
	} {
		var got struct{ UpdateUser full }
		mustPost(t, c, `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { `+fields+` } }`, &got,
			client.Var("id", u.ID), client.Var("in", step.input))
		step.apply(&want)
		want.Version++
		if got.UpdateUser != want {
			t.Errorf("updateUser(%v) = %+v, want %+v", step.input, got.UpdateUser, want)
		}
	}

	var deleted struct{ DeleteUser string }
	mustPost(t, c, `mutation($id: ID!) { deleteUser(id: $id) }`, &deleted, client.Var("id", u.ID))
	var gone struct{ User, Node *full }
	mustPost(t, c, `query($id: ID!) { user(id: $id) { id } node(id: $id) { id } }`, &gone, client.Var("id", u.ID))
	if deleted.DeleteUser != u.ID || gone.User != nil || gone.Node != nil {
		t.Errorf("deleteUser = %q, then user %+v, node %+v; want the id, then nulls", deleted.DeleteUser, gone.User, gone.Node)
	}
	// Only the position counter and the events stream remain; the email is free again.
	keys, err := r.Client.Keys(context.Background(), r.Prefix+"*").Result()
	for i := range keys {
		keys[i] = strings.TrimPrefix(keys[i], r.Prefix)
	}
	if slices.Sort(keys); err != nil || !slices.Equal(keys, []string{"{users}:events", "{users}:pos"}) {
		t.Errorf("keys after delete = %v, %v; want only the pos counter and the events stream", keys, err)
	}
	mustPost(t, c, `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`, &map[string]any{})
}

// TestNode checks node(id:) for every kind of id, in memory: a user, a reference for a
// product (a router completes it from the products subgraph), null for what names
// nothing or another type, and an error for a malformed id.
func TestNode(t *testing.T) {
	c, _ := inMemory(t)
	var created struct{ CreateUser struct{ ID string } }
	mustPost(t, c, `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`, &created)
	ada, product := created.CreateUser.ID, relay.NewID("Product")

	type node struct {
		Typename string `json:"__typename"`
		ID       string
		Name     string
	}
	var got struct{ User, Product, Unknown, Foreign *node }
	mustPost(t, c, `query($u: ID!, $p: ID!, $unknown: ID!, $foreign: ID!) {
		user: node(id: $u) { __typename id ... on User { name } }
		product: node(id: $p) { __typename id }
		unknown: node(id: $unknown) { __typename id }
		foreign: node(id: $foreign) { __typename id }
	}`, &got, client.Var("u", ada), client.Var("p", product), client.Var("unknown", relay.NewID("User")), client.Var("foreign", relay.NewID("Order")))
	if got.User == nil || *got.User != (node{"User", ada, "Ada"}) {
		t.Errorf("node(user) = %+v, want Ada", got.User)
	}
	if got.Product == nil || *got.Product != (node{Typename: "Product", ID: product}) {
		t.Errorf("node(product) = %+v, want a Product reference %s", got.Product, product)
	}
	if got.Unknown != nil || got.Foreign != nil {
		t.Errorf("node(unknown user), node(Order id) = %+v, %+v; want null, null", got.Unknown, got.Foreign)
	}
	err := c.Post(`{ node(id: "User:42") { id } }`, &struct{}{})
	if err == nil || !strings.Contains(err.Error(), errcode.BadUserInput) {
		t.Errorf("node of a malformed id: %v, want BAD_USER_INPUT", err)
	}
}

// TestBadInputChangesNothing sends every kind of bad input over HTTP: each gets one
// error with its code and message, and the store is byte for byte what it was.
func TestBadInputChangesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ada := e.create("Ada", "ada@example.com")
		e.create("Bea", "bea@example.com")
		var page struct {
			Users struct{ PageInfo subgraphtest.PageInfo }
		}
		e.post(graphqltest.Request{Query: `{ users(first: 1) { pageInfo { endCursor } } }`}).Decode(t, &page)
		cursor := *page.Users.PageInfo.EndCursor
		tampered := []byte(cursor)
		tampered[3] ^= 1
		other, _ := relay.NewCursors("another secret")
		ours, _ := relay.NewCursors("s")
		productsCursor := ours.Encode("ProductConnection products", 1) // signed as the products subgraph signs, with the same secret
		unknown := relay.NewID("User")

		req := func(query string, vars map[string]any) graphqltest.Request {
			return graphqltest.Request{Query: query, Variables: vars}
		}
		create := func(name, email string) graphqltest.Request {
			return req(createUser, map[string]any{"in": map[string]any{"name": name, "email": email}})
		}
		update := func(id string, in map[string]any) graphqltest.Request {
			return req(`mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id } }`, map[string]any{"id": id, "in": in})
		}
		users := func(vars map[string]any) graphqltest.Request {
			return req(`query($first: Int, $after: String) { users(first: $first, after: $after) { edges { cursor } } }`, vars)
		}
		const bad, notFound = errcode.BadUserInput, errcode.NotFound
		subgraphtest.BadInputs{URL: e.gql, Dump: e.redis.Dump}.Run(t, []subgraphtest.BadInput{
			{Name: "create: empty name", Request: create("", "x@example.com"), Code: bad, Message: "name must not be empty"},
			{Name: "create: blank name", Request: create(" \t ", "x@example.com"), Code: bad, Message: "name must not be empty"},
			{Name: "create: name of 101 runes", Request: create(strings.Repeat("é", 101), "x@example.com"), Code: bad, Message: "at most 100"},
			{Name: "create: name with a control character", Request: create("A\x00da", "x@example.com"), Code: bad, Message: "control"},
			{Name: "create: malformed email", Request: create("X", "not-an-email"), Code: bad, Message: "is not an address"},
			{Name: "create: email with a display name", Request: create("X", "X <x@example.com>"), Code: bad, Message: "is not an address"},
			{Name: "create: email without a dot in its domain", Request: create("X", "x@localhost"), Code: bad, Message: "is not an address"},
			{Name: "create: over-long email", Request: create("X", strings.Repeat("x", 250)+"@example.com"), Code: bad, Message: "at most 254"},
			{Name: "create: email in use, other case", Request: create("X", "ADA@EXAMPLE.COM"), Code: bad, Message: "already in use"},
			{Name: "create: empty idempotency key", Request: req(createUser, keyed("", map[string]any{"name": "X", "email": "x@example.com"})), Code: bad, Message: "idempotencyKey must not be empty"},
			{Name: "update: malformed id", Request: update("nope", map[string]any{"name": "X"}), Code: bad, Message: "malformed id"},
			{Name: "update: product id", Request: update(relay.NewID("Product"), map[string]any{"name": "X"}), Code: bad, Message: "want a User id"},
			{Name: "update: unknown user", Request: update(unknown, map[string]any{"name": "X"}), Code: notFound, Message: "no user with id"},
			{Name: "update: empty name", Request: update(ada.ID, map[string]any{"name": ""}), Code: bad, Message: "name must not be empty"},
			{Name: "update: taken email", Request: update(ada.ID, map[string]any{"email": "Bea@example.com"}), Code: bad, Message: "already in use"},
			{Name: "update: stale expectedVersion", Request: update(ada.ID, map[string]any{"name": "X", "expectedVersion": 7}), Code: errcode.Conflict, Message: "is not at version 7"},
			{Name: "update: expectedVersion 0", Request: update(ada.ID, map[string]any{"name": "X", "expectedVersion": 0}), Code: bad, Message: "at least 1"},
			{Name: "delete: malformed id", Request: req(`mutation { deleteUser(id: "User:") }`, nil), Code: bad, Message: "malformed id"},
			{Name: "delete: unknown user", Request: req(`mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": unknown}), Code: notFound, Message: "no user with id"},
			{Name: "user: product id", Request: req(`query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": relay.NewID("Product")}), Code: bad, Message: "want a User id"},
			{Name: "user: malformed id", Request: req(`{ user(id: "42") { id } }`, nil), Code: bad, Message: "malformed id"},
			{Name: "node: id with a hash", Request: req(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "Us#er:" + strings.TrimPrefix(ada.ID, "User:")}), Code: bad, Message: "malformed id"},
			{Name: "users: first 0", Request: users(map[string]any{"first": 0}), Code: bad, Message: "between 1 and 100"},
			{Name: "users: first 101", Request: users(map[string]any{"first": 101}), Code: bad, Message: "between 1 and 100"},
			{Name: "users: forged cursor", Request: users(map[string]any{"after": "Ag" + strings.Repeat("A", 37)}), Code: bad, Message: "not issued by this server"},
			{Name: "users: tampered cursor", Request: users(map[string]any{"after": string(tampered)}), Code: bad, Message: "not issued by this server"},
			{Name: "users: cursor of another secret", Request: users(map[string]any{"after": other.Encode("UserConnection users", 1)}), Code: bad, Message: "not issued by this server"},
			{Name: "users: a products cursor", Request: users(map[string]any{"after": productsCursor}), Code: bad, Message: "belongs to another list"},
			{Name: "_entities: a product id as a User", Request: req(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`,
				map[string]any{"r": []any{map[string]any{"__typename": "User", "id": relay.NewID("Product")}}}), Code: bad, Message: "want a User id"},
		})
	})
}

// TestPagination pages through the users over HTTP: pages in creation order, stable
// cursors as users are added, and the page bounds.
func TestPagination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var all []string
		for i := range 7 {
			all = append(all, e.create(fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@example.com", i)).ID)
		}
		type page struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
			PageInfo subgraphtest.PageInfo
		}
		get := func(first int, after *string) page {
			t.Helper()
			var d struct{ Users page }
			e.post(graphqltest.Request{
				Query:     `query($first: Int, $after: String) { users(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
				Variables: map[string]any{"first": first, "after": after},
			}).Decode(t, &d)
			return d.Users
		}
		check := func(label string, p page, want []string, hasNext, hasPrev bool) {
			t.Helper()
			var ids, cursors []string
			for _, edge := range p.Edges {
				ids, cursors = append(ids, edge.Node.ID), append(cursors, edge.Cursor)
			}
			if p.Edges == nil {
				t.Errorf("%s: edges is null, want a list", label)
			}
			subgraphtest.CheckPage(t, label, ids, cursors, p.PageInfo, want, hasNext, hasPrev)
		}
		p1 := get(3, nil)
		check("page 1", p1, all[0:3], true, false)
		p2 := get(3, p1.PageInfo.EndCursor)
		check("page 2", p2, all[3:6], true, true)
		p3 := get(3, p2.PageInfo.EndCursor)
		check("page 3", p3, all[6:7], false, true)
		check("after the last", get(3, p3.PageInfo.EndCursor), nil, false, true)
		check("all on one page", get(100, nil), all, false, false)
		check("exactly all", get(len(all), nil), all, false, false)

		// A new user only appends: earlier cursors lead to the same pages.
		all = append(all, e.create("Late", "late@example.com").ID)
		again := get(3, p1.PageInfo.EndCursor)
		check("page 2 again", again, all[3:6], true, true)
		for i := range again.Edges {
			if again.Edges[i].Cursor != p2.Edges[i].Cursor {
				t.Errorf("the cursor of %s changed from %q to %q", again.Edges[i].Node.ID, p2.Edges[i].Cursor, again.Edges[i].Cursor)
			}
		}
		check("page 3 again", get(3, p2.PageInfo.EndCursor), all[6:8], false, true)

		// The default page is 20.
		for i := range 15 {
			e.create("More", fmt.Sprintf("more%d@example.com", i))
		}
		if p := get(20, nil); len(p.Edges) != 20 || !p.PageInfo.HasNextPage {
			t.Errorf("first 20 of 23: %d edges, hasNextPage %v", len(p.Edges), p.PageInfo.HasNextPage)
		}
		var d struct{ Users page }
		e.post(graphqltest.Request{Query: `{ users { edges { cursor } pageInfo { hasNextPage } } }`}).Decode(t, &d)
		if len(d.Users.Edges) != relay.DefaultFirst || !d.Users.PageInfo.HasNextPage {
			t.Errorf("users without first: %d edges, want %d", len(d.Users.Edges), relay.DefaultFirst)
		}
	})
}

// TestEntities sends _entities as a federation router does, over real HTTP: 30 user
// representations cost one Redis round trip; unknown users are null; a product
// representation is answered with a reference, from no store at all.
func TestEntities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var reps []any
		var want []string
		for i := range 30 {
			u := e.create(fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@example.com", i))
			reps = append(reps, map[string]any{"__typename": "User", "id": u.ID})
			want = append(want, fmt.Sprintf(`{"__typename":"User","id":%q,"name":"U%d","email":"u%d@example.com","version":1}`, u.ID, i, i))
		}
		unknown, product := relay.NewID("User"), relay.NewID("Product")
		reps = append(reps, map[string]any{"__typename": "User", "id": unknown}, map[string]any{"__typename": "Product", "id": product})
		want = append(want, "null", fmt.Sprintf(`{"__typename":"Product","id":%q}`, product))

		req := graphqltest.Request{
			Query:     `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id name email version } ... on Product { id } } }`,
			Variables: map[string]any{"r": reps},
		}
		e.post(req) // dials: the steady state is counted
		e.redis.RoundTrips.Store(0)
		var d struct {
			Entities []json.RawMessage `json:"_entities"`
		}
		e.post(req).Decode(t, &d)
		if n := e.redis.RoundTrips.Load(); n != 1 {
			t.Errorf("31 user representations and a product one took %d Redis round trips, want 1", n)
		}
		if len(d.Entities) != len(want) {
			t.Fatalf("%d entities for %d representations", len(d.Entities), len(want))
		}
		for i := range want {
			if string(d.Entities[i]) != want[i] {
				t.Errorf("entity %d = %s, want %s", i, d.Entities[i], want[i])
			}
		}
	})
}

// TestService checks the two SDLs the subgraph serves: `_service { sdl }`, what a
// federation router composes, is the SDL it was generated from; /schema.graphql, what
// the gateway reads, is that SDL with the definitions of the federation directives it
// uses, so that a reader that knows nothing of Federation loads it as it is. Health
// endpoints answer beside them.
func TestService(t *testing.T) {
	e := newEnv(t, redistest.New(t))
	var got struct {
		Service struct{ SDL string } `json:"_service"`
	}
	e.post(graphqltest.Request{Query: `{ _service { sdl } }`}).Decode(t, &got)
	if got.Service.SDL != schema.Users() {
		t.Errorf("_service { sdl } is not schema.Users():\n%s", got.Service.SDL)
	}
	for _, want := range []string{`@link(url: "https://specs.apollo.dev/federation/v2.3"`, `type User implements Node @key(fields: "id")`,
		`type Product implements Node @key(fields: "id")`, `node(id: ID!): Node @shareable`, `type PageInfo @shareable`} {
		if !strings.Contains(got.Service.SDL, want) {
			t.Errorf("_service { sdl } lacks %s", want)
		}
	}
	base := strings.TrimSuffix(e.gql, subgraph.GraphQLPath)
	for _, c := range []struct{ path, want string }{
		{subgraph.SchemaPath, schema.Standalone(schema.Users())},
		{"/healthz", "ok\n"},
		{"/readyz", "ready\n"},
	} {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != c.want {
			t.Errorf("GET %s = %d %.60q, want 200 %.60q", c.path, resp.StatusCode, body, c.want)
		}
		if c.path == subgraph.SchemaPath {
			if _, err := gqlparser.LoadSchema(&ast.Source{Name: "users", Input: string(body)}); err != nil {
				t.Errorf("%s does not load on its own: %v", c.path, err)
			}
		}
	}
}

// TestBulkReads checks that a page of users costs two Redis round trips and several
// user lookups in one request one, whatever their number.
func TestBulkReads(t *testing.T) {
	e := newEnv(t, redistest.New(t))
	var ids []string
	for i := 0; i < 25; i++ {
		ids = append(ids, e.create(fmt.Sprintf("u%d", i), fmt.Sprintf("u%d@example.com", i)).ID)
	}
	e.post(graphqltest.Request{Query: `{ users(first: 1) { edges { cursor } } }`}) // dials

	e.redis.RoundTrips.Store(0)
	res := e.post(graphqltest.Request{Query: `{ users(first: 20) { edges { node { id name email createdAt } } pageInfo { hasNextPage } } }`})
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"hasNextPage":true`) {
		t.Fatalf("page: %s", res.Raw)
	}
	if n := e.redis.RoundTrips.Load(); n != 2 {
		t.Errorf("a page of 20 users took %d round trips, want 2", n)
	}

	var q strings.Builder
	q.WriteString("{")
	for i, id := range ids[:10] {
		fmt.Fprintf(&q, ` n%d: node(id: %q) { id ... on User { name } } u%d: user(id: %q) { email }`, i, id, i, id)
	}
	q.WriteString(" }")
	e.redis.RoundTrips.Store(0)
	res = e.post(graphqltest.Request{Query: q.String()})
	var data map[string]json.RawMessage
	json.Unmarshal(res.Data, &data)
	if len(res.Errors) > 0 || len(data) != 20 {
		t.Fatalf("lookups: %d fields, errors %s", len(data), res.Raw)
	}
	if n := e.redis.RoundTrips.Load(); n != 1 {
		t.Errorf("20 user lookups in one request took %d round trips, want 1", n)
	}
}

// TestRedisThatDoesNotAnswer points the subgraph at a server that accepts connections
// and never replies: requests must fail with a coded error, not hang, and say nothing
// of the address.
func TestRedisThatDoesNotAnswer(t *testing.T) {
	rdb, closeRedis, err := subgraph.OpenRedis("redis://"+subgraphtest.Silent(t), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRedis()
	url := serve(t, config(rdb, ""))

	for _, q := range []string{
		`{ user(id: "User:0190f3a0-0000-7000-8000-000000000000") { id } }`,
		`{ users { edges { cursor } } }`,
		`mutation { createUser(input: {name: "A", email: "a@example.com"}) { id } }`,
		`{ _entities(representations: [{__typename: "User", id: "User:0190f3a0-0000-7000-8000-000000000000"}]) { ... on User { name } } }`,
	} {
		res := graphqltest.Post(t, url+subgraph.GraphQLPath, graphqltest.Request{Query: q})
		if res.Code(t) != errcode.ServiceUnavailable || strings.Contains(res.Raw, "127.0.0.1") {
			t.Errorf("%s: %s, want one %s error without the address", q, res.Raw, errcode.ServiceUnavailable)
		}
	}
	if code := ready(t, url); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d with a silent Redis, want 503", code)
	}
}

func TestNewReportsEveryBadSetting(t *testing.T) {
	bad := users.DefaultConfig()
	bad.CursorSecret, bad.IdempotencyTTL, bad.EventsMaxLen = "", -time.Second, -1
	bad.Limits.MaxBodyBytes, bad.Limits.MaxComplexity = -1, -1
	_, err := users.New(bad)
	if err == nil {
		t.Fatal("New(bad config) succeeded")
	}
	for _, want := range []string{"redis", "cursor secret", "idempotency-ttl", "events-max-len", "max-body-bytes", "max-complexity"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New(bad config) error %q does not mention %s", err, want)
		}
	}
	// Zero is not a default: a zero TTL or bound is refused, not replaced.
	zero := users.DefaultConfig()
	zero.Redis, zero.IdempotencyTTL, zero.EventsMaxLen, zero.Limits = redistest.Miniredis.New(t).Client, 0, 0, subgraph.Limits{}
	_, err = users.New(zero)
	for _, want := range []string{"idempotency-ttl must be positive", "events-max-len must be positive", "max-depth must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(zero settings) = %v, lacks %q", err, want)
		}
	}
}
