package products

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

const testSecret = "test cursor secret"

// config is DefaultConfig() on rdb, its keys under prefix, with the tests' cursor
// secret and owners.
func config(rdb redis.UniversalClient, prefix string, owners OwnerChecker) Config {
	cfg := DefaultConfig()
	cfg.Redis, cfg.KeyPrefix, cfg.CursorSecret, cfg.Owners = rdb, prefix, testSecret, owners
	return cfg
}

// fakeOwners is an OwnerChecker over a fixed set of users.
type fakeOwners struct {
	mu    sync.Mutex
	users map[string]bool
	err   error
	calls int
}

func (f *fakeOwners) UserExists(ctx context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return false, f.err
	}
	return f.users[id], nil
}

func (f *fakeOwners) add(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[id] = true
}

func (f *fakeOwners) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// env is a products subgraph served over real HTTP on a test Redis.
type env struct {
	t      *testing.T
	redis  redistest.Redis
	owners *fakeOwners
	url    string
}

func newEnv(t *testing.T) *env { return newEnvOn(t, redistest.New(t)) }

// newEnvOn serves the subgraph on r. Its time-window loader, which reads the
// User.products pages of users found in data, waits a nanosecond rather than
// graph.DefaultLoaderWait, so that it hardly batches at all: a test counting round trips
// fails whenever a page that the operation names is left to it.
func newEnvOn(t *testing.T, r redistest.Redis) *env {
	t.Helper()
	owners := &fakeOwners{users: map[string]bool{}}
	s, err := newService(config(r.Client, r.Prefix, owners), time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, redis: r, owners: owners, url: srv.URL}
}

// post sends one GraphQL request over HTTP and returns the decoded response.
func (e *env) post(query string, vars map[string]any) graphqltest.Response {
	e.t.Helper()
	return graphqltest.Post(e.t, e.url+"/graphql", graphqltest.Request{Query: query, Variables: vars})
}

// do runs a request that must succeed and decodes its data into dst.
func (e *env) do(query string, vars map[string]any, dst any) {
	e.t.Helper()
	e.post(query, vars).Decode(e.t, dst)
}

// user returns a fresh user id the fake users subgraph knows.
func (e *env) user() string {
	id := relay.NewID("User")
	e.owners.add(id)
	return id
}

type money struct {
	Amount, CurrencyCode string
}

type product struct {
	Typename    string `json:"__typename"`
	ID          string
	Name        string
	Description string
	Price       money
	Owner       *struct{ ID string }
	CreatedAt   string
}

type connection struct {
	Edges []struct {
		Cursor string
		Node   product
	}
	PageInfo subgraphtest.PageInfo
}

func (c connection) ids() []string {
	out := []string{}
	for _, e := range c.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

func (c connection) cursors() []string {
	var out []string
	for _, e := range c.Edges {
		out = append(out, e.Cursor)
	}
	return out
}

const productFields = `__typename id name description price { amount currencyCode } owner { id } createdAt`

const connectionFields = `edges { cursor node { ` + productFields + ` } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

const createMutation = `mutation($input: CreateProductInput!) { createProduct(input: $input) { ` + productFields + ` } }`

func (e *env) create(name, amount, currency, owner string) product {
	e.t.Helper()
	var got struct{ CreateProduct product }
	e.do(createMutation, map[string]any{"input": map[string]any{
		"name": name, "description": "about " + name, "ownerId": owner,
		"price": map[string]any{"amount": amount, "currencyCode": currency},
	}}, &got)
	return got.CreateProduct
}

func (e *env) get(id string) *product {
	e.t.Helper()
	var got struct{ Product *product }
	e.do(`query($id: ID!) { product(id: $id) { `+productFields+` } }`, map[string]any{"id": id}, &got)
	return got.Product
}

func (e *env) page(first int, after *string, owner *string) connection {
	e.t.Helper()
	var got struct{ Products connection }
	e.do(`query($first: Int, $after: String, $owner: ID) { products(first: $first, after: $after, ownerId: $owner) { `+connectionFields+` } }`,
		map[string]any{"first": first, "after": after, "owner": owner}, &got)
	return got.Products
}

func TestSnapshotSeesWrites(t *testing.T) {
	// The bad-input tests rely on snapshot noticing any write; check that it does.
	e := newEnv(t)
	owner := e.user()
	p := e.create("Lamp", "1", "USD", owner)
	before := e.redis.Dump(t)
	if len(before) != 4 {
		t.Errorf("snapshot after one create has %d keys, want 4 (product, created, owner, pos): %v", len(before), before)
	}
	e.do(`mutation($id: ID!) { updateProduct(id: $id, input: {description: "x"}) { id } }`, map[string]any{"id": p.ID}, &struct{}{})
	if d := subgraphtest.Diff(before, e.redis.Dump(t)); len(d) != 1 {
		t.Errorf("after an update, snapshot differences = %v, want one changed key", d)
	}
}

func TestCreateUpdateDelete(t *testing.T) {
	e := newEnv(t)
	owner := e.user()

	created := e.create("  Desk lamp ", "12.34", "USD", owner)
	if err := relay.CheckID(created.ID, "Product"); err != nil {
		t.Fatalf("createProduct id: %v", err)
	}
	if _, err := time.Parse(time.RFC3339Nano, created.CreatedAt); err != nil {
		t.Errorf("createdAt %q: %v", created.CreatedAt, err)
	}
	want := product{
		Typename: "Product", ID: created.ID, Name: "Desk lamp", Description: "about   Desk lamp ",
		Price: money{"12.34", "USD"}, Owner: &struct{ ID string }{owner}, CreatedAt: created.CreatedAt,
	}
	if !equalProducts(created, want) {
		t.Errorf("createProduct = %+v, want %+v", created, want)
	}
	if got := e.get(created.ID); got == nil || !equalProducts(*got, want) {
		t.Errorf("product(id) after create = %+v, want %+v", got, want)
	}

	updates := []struct {
		input map[string]any
		apply func(p *product)
	}{
		{map[string]any{"name": " Floor lamp"}, func(p *product) { p.Name = "Floor lamp" }},
		{map[string]any{"description": "Tall.\nBright."}, func(p *product) { p.Description = "Tall.\nBright." }},
		{map[string]any{"price": map[string]any{"amount": "1200", "currencyCode": "JPY"}}, func(p *product) { p.Price = money{"1200", "JPY"} }},
		{map[string]any{"description": "", "price": map[string]any{"amount": "0.005", "currencyCode": "KWD"}}, func(p *product) {
			p.Description, p.Price = "", money{"0.005", "KWD"}
		}},
		{map[string]any{}, func(p *product) {}},
	}
	for _, u := range updates {
		var got struct{ UpdateProduct product }
		e.do(`mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { `+productFields+` } }`,
			map[string]any{"id": created.ID, "input": u.input}, &got)
		u.apply(&want)
		if !equalProducts(got.UpdateProduct, want) {
			t.Errorf("updateProduct(%v) = %+v, want %+v", u.input, got.UpdateProduct, want)
		}
		if got := e.get(created.ID); got == nil || !equalProducts(*got, want) {
			t.Errorf("product(id) after updateProduct(%v) = %+v, want %+v", u.input, got, want)
		}
	}

	var deleted struct{ DeleteProduct string }
	e.do(`mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": created.ID}, &deleted)
	if deleted.DeleteProduct != created.ID {
		t.Errorf("deleteProduct = %q, want %q", deleted.DeleteProduct, created.ID)
	}
	if got := e.get(created.ID); got != nil {
		t.Errorf("product(id) after delete = %+v, want null", got)
	}
	if got := e.page(10, nil, nil).ids(); len(got) != 0 {
		t.Errorf("products after delete = %v, want none", got)
	}
	if got := e.page(10, nil, &owner).ids(); len(got) != 0 {
		t.Errorf("products(ownerId) after delete = %v, want none", got)
	}
	// Only the position counter remains: the hash and both index entries are gone.
	if keys := slices.Sorted(mapKeys(e.redis.Dump(t))); len(keys) != 1 || !strings.HasSuffix(keys[0], "{products}:pos") {
		t.Errorf("keys after delete = %v, want only the pos counter", keys)
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func equalProducts(a, b product) bool {
	if (a.Owner == nil) != (b.Owner == nil) || a.Owner != nil && *a.Owner != *b.Owner {
		return false
	}
	a.Owner, b.Owner = nil, nil
	return a == b
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	owner := e.user()
	existing := e.create("Lamp", "1", "USD", owner)
	e.create("Chair", "2", "EUR", e.user())
	realCursor := *e.page(1, nil, nil).PageInfo.EndCursor
	other, err := relay.NewCursors("another secret")
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(realCursor)
	tampered[3] ^= 1 // still base64url, different bytes
	unknownProduct := relay.NewID("Product")
	unknownUser := relay.NewID("User")
	ours, err := relay.NewCursors(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	usersCursor := ours.Encode("UserConnection users", 1) // as the users subgraph signs it, with the same secret

	req := func(query string, vars map[string]any) graphqltest.Request {
		return graphqltest.Request{Query: query, Variables: vars}
	}
	create := func(mod func(in map[string]any)) graphqltest.Request {
		in := map[string]any{
			"name": "Table", "description": "Oak", "ownerId": owner,
			"price": map[string]any{"amount": "10", "currencyCode": "USD"},
		}
		mod(in)
		return req(createMutation, map[string]any{"input": in})
	}
	price := func(amount any, currency string) func(map[string]any) {
		return func(in map[string]any) { in["price"] = map[string]any{"amount": amount, "currencyCode": currency} }
	}
	set := func(k string, v any) func(map[string]any) {
		return func(in map[string]any) { in[k] = v }
	}
	update := func(id string, input map[string]any) graphqltest.Request {
		return req(`mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id } }`,
			map[string]any{"id": id, "input": input})
	}
	del := func(id string) graphqltest.Request {
		return req(`mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": id})
	}
	productQ := func(id string) graphqltest.Request {
		return req(`query($id: ID!) { product(id: $id) { id } }`, map[string]any{"id": id})
	}
	nodeQ := func(id string) graphqltest.Request {
		return req(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
	}
	productsQ := func(vars map[string]any) graphqltest.Request {
		return req(`query($first: Int, $after: String, $owner: ID) { products(first: $first, after: $after, ownerId: $owner) { edges { cursor } } }`, vars)
	}
	userProductsQ := func(vars map[string]any) graphqltest.Request {
		return req(`query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on User { products(first: $first, after: $after) { edges { cursor } } } } }`, vars)
	}

	const bad, notFound, invalid = "BAD_USER_INPUT", "NOT_FOUND", "GRAPHQL_VALIDATION_FAILED"
	cases := []subgraphtest.BadInput{
		{Name: "create: empty name", Request: create(set("name", "")), Code: bad, Message: "name must not be empty"},
		{Name: "create: blank name", Request: create(set("name", " \t ")), Code: bad, Message: "name must not be empty"},
		{Name: "create: name of 201 runes", Request: create(set("name", strings.Repeat("é", 201))), Code: bad, Message: "at most 200"},
		{Name: "create: name with a control character", Request: create(set("name", "Ta\x00ble")), Code: bad, Message: "control"},
		{Name: "create: description of 2001 runes", Request: create(set("description", strings.Repeat("ü", 2001))), Code: bad, Message: "at most 2000"},
		{Name: "create: negative price", Request: create(price("-1", "USD")), Code: bad, Message: "not a non-negative decimal"},
		{Name: "create: price not a number", Request: create(price("ten", "USD")), Code: bad, Message: "is not a Decimal"},
		{Name: "create: price with an exponent", Request: create(price("1e3", "USD")), Code: bad, Message: "is not a Decimal"},
		{Name: "create: price with a plus", Request: create(price("+1", "USD")), Code: bad, Message: "is not a Decimal"},
		{Name: "create: price as a JSON number", Request: create(price(12.5, "USD")), Code: bad, Message: "a Decimal is a string"},
		{Name: "create: price with too many decimals", Request: create(price("12.345", "USD")), Code: bad, Message: "more decimals"},
		{Name: "create: fractional yen", Request: create(price("12.5", "JPY")), Code: bad, Message: "more decimals"},
		{Name: "create: huge price", Request: create(price(strings.Repeat("9", 30), "USD")), Code: bad, Message: "too large"},
		{Name: "create: lower-case currency", Request: create(price("1", "usd")), Code: bad, Message: "is not a CurrencyCode"},
		// gqlgen refuses a variable outside the enum before any resolver runs.
		{Name: "create: unknown currency", Request: create(price("1", "XYZ")), Code: invalid, Message: "is not a valid CurrencyCode"},
		{Name: "create: withdrawn currency", Request: create(price("1", "HRK")), Code: invalid, Message: "is not a valid CurrencyCode"},
		{Name: "create: price without a currency", Request: create(set("price", map[string]any{"amount": "1"})), Code: invalid, Message: "must be defined"},
		{Name: "create: price as a literal number", Request: req(`mutation($o: ID!) { createProduct(input: {name: "T", ownerId: $o, price: {amount: 12.5, currencyCode: USD}}) { id } }`, map[string]any{"o": owner}), Code: bad, Message: "a Decimal is a string"},
		{Name: "create: unknown owner", Request: create(set("ownerId", unknownUser)), Code: bad, Message: "no user with id"},
		{Name: "create: malformed owner id", Request: create(set("ownerId", "User:42")), Code: bad, Message: "malformed id"},
		{Name: "create: product id as owner", Request: create(set("ownerId", existing.ID)), Code: bad, Message: "want a User id"},
		{Name: "create: empty idempotency key", Request: create(set("idempotencyKey", "")), Code: bad, Message: "idempotencyKey must not be empty"},
		{Name: "create: over-long idempotency key", Request: create(set("idempotencyKey", strings.Repeat("k", 256))), Code: bad, Message: "at most 255 bytes"},
		{Name: "update: malformed id", Request: update("nope", map[string]any{"name": "x"}), Code: bad, Message: "malformed id"},
		{Name: "update: user id", Request: update(owner, map[string]any{"name": "x"}), Code: bad, Message: "want a Product id"},
		{Name: "update: unknown product", Request: update(unknownProduct, map[string]any{"name": "x"}), Code: notFound, Message: "no product with id"},
		{Name: "update: empty name", Request: update(existing.ID, map[string]any{"name": ""}), Code: bad, Message: "name must not be empty"},
		{Name: "update: over-long description", Request: update(existing.ID, map[string]any{"name": "ok", "description": strings.Repeat("x", 2001)}), Code: bad, Message: "at most 2000"},
		{Name: "update: bad price", Request: update(existing.ID, map[string]any{"price": map[string]any{"amount": "0.001", "currencyCode": "EUR"}}), Code: bad, Message: "more decimals"},
		{Name: "update: bad price on an unknown product", Request: update(unknownProduct, map[string]any{"price": map[string]any{"amount": "-1", "currencyCode": "USD"}}), Code: bad, Message: "not a non-negative decimal"},
		{Name: "update: stale expectedVersion", Request: update(existing.ID, map[string]any{"name": "x", "expectedVersion": 7}), Code: "CONFLICT", Message: "is not at version 7"},
		{Name: "update: expectedVersion 0", Request: update(existing.ID, map[string]any{"name": "x", "expectedVersion": 0}), Code: bad, Message: "expectedVersion must be at least 1"},
		{Name: "delete: malformed id", Request: del("Product:"), Code: bad, Message: "malformed id"},
		{Name: "delete: user id", Request: del(owner), Code: bad, Message: "want a Product id"},
		{Name: "delete: unknown product", Request: del(unknownProduct), Code: notFound, Message: "no product with id"},
		{Name: "product: user id", Request: productQ(owner), Code: bad, Message: "want a Product id"},
		{Name: "product: malformed id", Request: productQ("42"), Code: bad, Message: "malformed id"},
		{Name: "node: malformed id", Request: nodeQ("Product:xyz"), Code: bad, Message: "malformed id"},
		{Name: "node: id with a hash", Request: nodeQ("Pro#duct:" + strings.TrimPrefix(existing.ID, "Product:")), Code: bad, Message: "malformed id"},
		{Name: "products: first 0", Request: productsQ(map[string]any{"first": 0}), Code: bad, Message: "between 1 and 100"},
		{Name: "products: first 101", Request: productsQ(map[string]any{"first": 101}), Code: bad, Message: "between 1 and 100"},
		{Name: "products: forged cursor", Request: productsQ(map[string]any{"after": "Ag" + strings.Repeat("A", 37)}), Code: bad, Message: "not issued by this server"},
		{Name: "products: tampered cursor", Request: productsQ(map[string]any{"after": string(tampered)}), Code: bad, Message: "not issued by this server"},
		{Name: "products: cursor of another secret", Request: productsQ(map[string]any{"after": other.Encode("ProductConnection products", 1)}), Code: bad, Message: "not issued by this server"},
		{Name: "products: a users cursor", Request: productsQ(map[string]any{"after": usersCursor}), Code: bad, Message: "belongs to another list"},
		{Name: "products: malformed owner id", Request: productsQ(map[string]any{"owner": "bob"}), Code: bad, Message: "malformed id"},
		{Name: "products: product id as owner", Request: productsQ(map[string]any{"owner": existing.ID}), Code: bad, Message: "want a User id"},
		{Name: "products of an owner: a cursor of all products", Request: productsQ(map[string]any{"owner": owner, "after": realCursor}), Code: bad, Message: "belongs to another list"},
		{Name: "User.products: first 0", Request: userProductsQ(map[string]any{"id": owner, "first": 0}), Code: bad, Message: "between 1 and 100"},
		{Name: "User.products: first 101", Request: userProductsQ(map[string]any{"id": owner, "first": 101}), Code: bad, Message: "between 1 and 100"},
		{Name: "User.products: tampered cursor", Request: userProductsQ(map[string]any{"id": owner, "after": string(tampered)}), Code: bad, Message: "not issued by this server"},
		{Name: "User.products: a cursor of all products", Request: userProductsQ(map[string]any{"id": owner, "after": realCursor}), Code: bad, Message: "belongs to another list"},
	}
	subgraphtest.BadInputs{
		URL:  e.url + "/graphql",
		Dump: e.redis.Dump,
		// Only a well-formed owner id costs a call to the users subgraph.
		Around: func(t *testing.T, c subgraphtest.BadInput) func() {
			calls := e.owners.callCount()
			return func() {
				want := 0
				if c.Name == "create: unknown owner" {
					want = 1
				}
				if got := e.owners.callCount() - calls; got != want {
					t.Errorf("owner checker called %d times, want %d", got, want)
				}
			}
		},
	}.Run(t, cases)
}

func TestOwnerCheckFailureIsMasked(t *testing.T) {
	e := newEnv(t)
	owner := e.user()
	e.create("Lamp", "1", "USD", owner)
	e.owners.mu.Lock()
	e.owners.err = errors.New("dial tcp 10.0.0.7:8081: users subgraph exploded")
	e.owners.mu.Unlock()

	before := e.redis.Dump(t)
	resp := e.post(createMutation, map[string]any{"input": map[string]any{
		"name": "Chair", "ownerId": owner, "price": map[string]any{"amount": "1", "currencyCode": "USD"},
	}})
	if resp.Code(t) != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("want one INTERNAL_SERVER_ERROR, got %s", resp.Raw)
	}
	if strings.Contains(resp.Raw, "10.0.0.7") || strings.Contains(resp.Raw, "exploded") {
		t.Errorf("response leaks the checker's error: %s", resp.Raw)
	}
	if d := subgraphtest.Diff(before, e.redis.Dump(t)); len(d) > 0 {
		t.Errorf("redis changed:\n%s", strings.Join(d, "\n"))
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.user(), e.user()
	var all, anns []string
	for i := range 7 {
		owner := ann
		if i%2 == 1 {
			owner = bob
		}
		p := e.create(fmt.Sprintf("p%d", i), "1", "USD", owner)
		all = append(all, p.ID)
		if owner == ann {
			anns = append(anns, p.ID)
		}
	}

	type want struct {
		ids              []string
		hasNext, hasPrev bool
	}
	check := func(label string, got connection, w want) {
		t.Helper()
		if !slices.Equal(got.ids(), w.ids) {
			t.Errorf("%s: ids = %v, want %v", label, got.ids(), w.ids)
		}
		if got.PageInfo.HasNextPage != w.hasNext || got.PageInfo.HasPreviousPage != w.hasPrev {
			t.Errorf("%s: hasNextPage, hasPreviousPage = %v, %v; want %v, %v", label,
				got.PageInfo.HasNextPage, got.PageInfo.HasPreviousPage, w.hasNext, w.hasPrev)
		}
		if n := len(got.Edges); n > 0 {
			if got.PageInfo.StartCursor == nil || *got.PageInfo.StartCursor != got.Edges[0].Cursor ||
				got.PageInfo.EndCursor == nil || *got.PageInfo.EndCursor != got.Edges[n-1].Cursor {
				t.Errorf("%s: start/end cursors %v/%v do not match the edges", label, got.PageInfo.StartCursor, got.PageInfo.EndCursor)
			}
		} else if got.PageInfo.StartCursor != nil || got.PageInfo.EndCursor != nil {
			t.Errorf("%s: empty page has cursors", label)
		}
	}

	p1 := e.page(3, nil, nil)
	check("page 1", p1, want{all[0:3], true, false})
	p2 := e.page(3, p1.PageInfo.EndCursor, nil)
	check("page 2", p2, want{all[3:6], true, true})
	p3 := e.page(3, p2.PageInfo.EndCursor, nil)
	check("page 3", p3, want{all[6:7], false, true})
	p4 := e.page(3, p3.PageInfo.EndCursor, nil)
	check("after the last", p4, want{nil, false, true})

	// A new product only appends: earlier cursors lead to the same pages, and the last
	// page grows.
	late := e.create("late", "1", "USD", ann)
	all, anns = append(all, late.ID), append(anns, late.ID)
	again := e.page(3, p1.PageInfo.EndCursor, nil)
	check("page 2 again", again, want{all[3:6], true, true})
	for i := range again.Edges {
		if again.Edges[i].Cursor != p2.Edges[i].Cursor {
			t.Errorf("cursor of %s changed from %q to %q", again.Edges[i].Node.ID, p2.Edges[i].Cursor, again.Edges[i].Cursor)
		}
	}
	check("page 3 again", e.page(3, p2.PageInfo.EndCursor, nil), want{all[6:8], false, true})
	check("one page of all", e.page(100, nil, nil), want{all, false, false})
	check("a page of exactly all", e.page(len(all), nil, nil), want{all, false, false})
	check("a page of all but one", e.page(len(all)-1, nil, nil), want{all[:len(all)-1], true, false})

	// products(ownerId:) pages through one owner's products the same way.
	o1 := e.page(2, nil, &ann)
	check("ann page 1", o1, want{anns[0:2], true, false})
	o2 := e.page(2, o1.PageInfo.EndCursor, &ann)
	check("ann page 2", o2, want{anns[2:4], true, true})
	o3 := e.page(2, o2.PageInfo.EndCursor, &ann)
	check("ann page 3", o3, want{anns[4:5], false, true})
	stranger := relay.NewID("User")
	check("stranger", e.page(5, nil, &stranger), want{nil, false, false})

	// The same pages through User.products, as the gateway asks for them.
	var got struct {
		Node struct {
			Typename string `json:"__typename"`
			ID       string
			Products connection
		}
	}
	userQ := `query($id: ID!, $after: String) { node(id: $id) { __typename id ... on User { products(first: 2, after: $after) { ` + connectionFields + ` } } } }`
	e.do(userQ, map[string]any{"id": ann}, &got)
	if got.Node.Typename != "User" || got.Node.ID != ann {
		t.Errorf("node(user) = %s %s, want User %s", got.Node.Typename, got.Node.ID, ann)
	}
	check("User.products page 1", got.Node.Products, want{anns[0:2], true, false})
	e.do(userQ, map[string]any{"id": ann, "after": got.Node.Products.PageInfo.EndCursor}, &got)
	check("User.products page 2", got.Node.Products, want{anns[2:4], true, true})
	for _, edge := range got.Node.Products.Edges {
		if edge.Node.Owner == nil || edge.Node.Owner.ID != ann {
			t.Errorf("User.products of %s holds %s owned by %v", ann, edge.Node.ID, edge.Node.Owner)
		}
	}
}

func TestNode(t *testing.T) {
	e := newEnv(t)
	owner := e.user()
	p := e.create("Lamp", "0.5", "EUR", owner)

	var got struct {
		Product, User, Unknown, Foreign *struct {
			Typename string `json:"__typename"`
			ID       string
			Name     *string
			Price    *money
		}
	}
	e.do(`query($p: ID!, $u: ID!, $unknown: ID!, $foreign: ID!) {
		product: node(id: $p) { __typename id ... on Product { name price { amount currencyCode } } }
		user: node(id: $u) { __typename id }
		unknown: node(id: $unknown) { __typename id }
		foreign: node(id: $foreign) { __typename id }
	}`, map[string]any{"p": p.ID, "u": owner, "unknown": relay.NewID("Product"), "foreign": relay.NewID("Order")}, &got)

	if got.Product == nil || got.Product.Typename != "Product" || got.Product.ID != p.ID ||
		got.Product.Name == nil || *got.Product.Name != "Lamp" || got.Product.Price == nil || *got.Product.Price != (money{"0.50", "EUR"}) {
		t.Errorf("node(product) = %+v, want the Lamp at 0.50", got.Product)
	}
	// A User id answers a stub: the gateway fetches User.products through node(id:).
	if got.User == nil || got.User.Typename != "User" || got.User.ID != owner {
		t.Errorf("node(user) = %+v, want a User stub with id %s", got.User, owner)
	}
	if got.Unknown != nil {
		t.Errorf("node(unknown product) = %+v, want null", got.Unknown)
	}
	if got.Foreign != nil {
		t.Errorf("node(Order id) = %+v, want null", got.Foreign)
	}
	if got := e.get(relay.NewID("Product")); got != nil {
		t.Errorf("product(unknown id) = %+v, want null", got)
	}
}

func TestUserProductsOfSeveralUsers(t *testing.T) {
	e := newEnv(t)
	ann, bob, cy := e.user(), e.user(), e.user()
	var anns, bobs []string
	for i := range 5 {
		owner, list := ann, &anns
		if i%2 == 1 {
			owner, list = bob, &bobs
		}
		*list = append(*list, e.create(fmt.Sprintf("p%d", i), "1", "USD", owner).ID)
	}
	type userProducts struct {
		ID       string
		Products connection
	}
	var got struct{ A, B, C, A2 userProducts }
	e.do(`query($a: ID!, $b: ID!, $c: ID!) {
		a: node(id: $a) { id ... on User { products { `+connectionFields+` } } }
		b: node(id: $b) { id ... on User { products(first: 1) { `+connectionFields+` } } }
		c: node(id: $c) { id ... on User { products { `+connectionFields+` } } }
		a2: node(id: $a) { id ... on User { products(first: 2) { `+connectionFields+` } } }
	}`, map[string]any{"a": ann, "b": bob, "c": cy}, &got)
	for _, c := range []struct {
		label   string
		got     userProducts
		id      string
		want    []string
		hasNext bool
	}{
		{"ann", got.A, ann, anns, false},
		{"bob, first 1", got.B, bob, bobs[:1], true},
		{"cy", got.C, cy, nil, false},
		{"ann, first 2", got.A2, ann, anns[:2], true},
	} {
		if c.got.ID != c.id || !slices.Equal(c.got.Products.ids(), c.want) || c.got.Products.PageInfo.HasNextPage != c.hasNext {
			t.Errorf("%s: got %s %v hasNext %v, want %s %v hasNext %v", c.label,
				c.got.ID, c.got.Products.ids(), c.got.Products.PageInfo.HasNextPage, c.id, c.want, c.hasNext)
		}
	}
	if got.C.Products.Edges == nil {
		t.Error("edges of a user without products is null, want []")
	}
}

func TestRoundTrips(t *testing.T) {
	// No batching window to widen: root lookups by id and the User.products pages below
	// them are read from the operation itself (subgraph.Batch), not gathered over time.
	// Records by id take one round trip, a page (or pages) two (hashstore.Pages).
	e := newEnv(t)
	owners := []string{e.user(), e.user(), e.user()}
	var ids []string
	for i := range 20 {
		ids = append(ids, e.create(fmt.Sprintf("p%d", i), "1.99", "USD", owners[i%3]).ID)
	}

	tests := []struct {
		name  string
		query string
		vars  map[string]any
		check func(data json.RawMessage) error
		trips int64
	}{
		{
			"a page of 20 products",
			`{ products(first: 20) { ` + connectionFields + ` } }`, nil,
			func(data json.RawMessage) error {
				var got struct{ Products connection }
				json.Unmarshal(data, &got)
				if !slices.Equal(got.Products.ids(), ids) {
					return fmt.Errorf("ids = %v, want %v", got.Products.ids(), ids)
				}
				return nil
			},
			2,
		},
		{
			"a page of an owner's products",
			`query($o: ID!) { products(first: 20, ownerId: $o) { ` + connectionFields + ` } }`, map[string]any{"o": owners[0]},
			func(data json.RawMessage) error {
				var got struct{ Products connection }
				json.Unmarshal(data, &got)
				if n := len(got.Products.Edges); n != 7 {
					return fmt.Errorf("%d products, want 7", n)
				}
				return nil
			},
			2,
		},
		{
			"three aliased node fields",
			`query($a: ID!, $b: ID!, $c: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } c: node(id: $c) { id } }`,
			map[string]any{"a": ids[0], "b": ids[7], "c": ids[19]},
			func(data json.RawMessage) error {
				var got struct{ A, B, C struct{ ID string } }
				json.Unmarshal(data, &got)
				if got.A.ID != ids[0] || got.B.ID != ids[7] || got.C.ID != ids[19] {
					return fmt.Errorf("got %s", data)
				}
				return nil
			},
			1,
		},
		{
			"product and node fields together",
			`query($a: ID!, $b: ID!) { a: product(id: $a) { name } b: node(id: $b) { ... on Product { name } } c: product(id: $a) { id } }`,
			map[string]any{"a": ids[1], "b": ids[2]},
			func(data json.RawMessage) error {
				var got struct{ A, B struct{ Name string } }
				json.Unmarshal(data, &got)
				if got.A.Name != "p1" || got.B.Name != "p2" {
					return fmt.Errorf("got %s", data)
				}
				return nil
			},
			1,
		},
		{
			"User.products of three users",
			`query($a: ID!, $b: ID!, $c: ID!) {
				a: node(id: $a) { ... on User { products(first: 20) { edges { node { id } } } } }
				b: node(id: $b) { ... on User { products(first: 20) { edges { node { id } } } } }
				c: node(id: $c) { ... on User { products(first: 20) { edges { node { id } } } } }
			}`,
			map[string]any{"a": owners[0], "b": owners[1], "c": owners[2]},
			func(data json.RawMessage) error {
				var got struct{ A, B, C struct{ Products connection } }
				json.Unmarshal(data, &got)
				if len(got.A.Products.Edges)+len(got.B.Products.Edges)+len(got.C.Products.Edges) != 20 {
					return fmt.Errorf("got %s", data)
				}
				return nil
			},
			2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The first run loads the scripts into Redis's cache and dials the
			// connections; what is measured is the steady state.
			e.post(tt.query, tt.vars)
			e.redis.RoundTrips.Store(0)
			resp := e.post(tt.query, tt.vars)
			if len(resp.Errors) > 0 {
				t.Fatalf("errors: %s", resp.Raw)
			}
			if err := tt.check(resp.Data); err != nil {
				t.Fatal(err)
			}
			if n := e.redis.RoundTrips.Load(); n != tt.trips {
				t.Errorf("%d redis round trips, want %d", n, tt.trips)
			}
		})
	}
}

func TestHandlerServesSchemaAndHealth(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ path, want string }{
		{"/schema.graphql", schema.Standalone(schema.Products())},
		{"/healthz", "ok\n"},
		{"/readyz", "ready\n"},
	} {
		resp, err := http.Get(e.url + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != c.want {
			t.Errorf("GET %s = %d %.60q, want 200 %.60q", c.path, resp.StatusCode, body, c.want)
		}
	}
}

func TestNewReportsEveryMissingSetting(t *testing.T) {
	bad := DefaultConfig()
	bad.CursorSecret, bad.IdempotencyTTL, bad.OwnerTombstoneTTL, bad.MaxSubscriptions = "", -time.Second, -time.Second, -1
	bad.Limits.MaxDepth, bad.Limits.RequestTimeout = -1, -time.Second
	_, err := NewService(bad)
	if err == nil {
		t.Fatal("NewService(bad config) succeeded")
	}
	for _, want := range []string{"redis", "owner checker", "cursor secret", "idempotency-ttl", "owner-tombstone-ttl", "max-subscriptions", "max-depth", "request-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("NewService(bad config) error %q does not mention %s", err, want)
		}
	}
	// New serves no consumer, so it refuses a configuration that expects one.
	r := redistest.New(t)
	withEvents := config(r.Client, "", &fakeOwners{})
	withEvents.Events.Redis = r.Client
	if _, err := New(withEvents); err == nil || !strings.Contains(err.Error(), "NewService") {
		t.Errorf("New with an events Redis = %v, want an error pointing to NewService", err)
	}
	withEvents.Events.MaxDeliveries = -1
	if _, err := NewService(withEvents); err == nil || !strings.Contains(err.Error(), "events-max-deliveries") {
		t.Errorf("NewService with bad events settings = %v, want an error", err)
	}
}
