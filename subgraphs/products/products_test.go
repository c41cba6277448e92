package products

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

const testSecret = "test cursor secret"

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
	s, err := newService(Config{Redis: r.Client, KeyPrefix: r.Prefix, CursorSecret: testSecret, Owners: owners}, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, redis: r, owners: owners, url: srv.URL}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// post sends one GraphQL request and returns the decoded response and its raw body.
func (e *env) post(query string, vars map[string]any) (gqlResponse, string) {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.Post(e.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("response %s: %v", raw, err)
	}
	return out, string(raw)
}

// do runs a request that must succeed and decodes its data into dst.
func (e *env) do(query string, vars map[string]any, dst any) {
	e.t.Helper()
	resp, raw := e.post(query, vars)
	if len(resp.Errors) > 0 {
		e.t.Fatalf("query %s\nvariables %v\nerrors: %s", query, vars, raw)
	}
	if err := json.Unmarshal(resp.Data, dst); err != nil {
		e.t.Fatalf("data %s: %v", resp.Data, err)
	}
}

// user returns a fresh user id the fake users subgraph knows.
func (e *env) user() string {
	id := relay.NewID("User")
	e.owners.add(id)
	return id
}

type money struct {
	Amount, Currency string
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

type pageInfo struct {
	HasNextPage, HasPreviousPage bool
	StartCursor, EndCursor       *string
}

type connection struct {
	Edges []struct {
		Cursor string
		Node   product
	}
	PageInfo pageInfo
}

func (c connection) ids() []string {
	out := []string{}
	for _, e := range c.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

const productFields = `__typename id name description price owner { id } createdAt`

const connectionFields = `edges { cursor node { ` + productFields + ` } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

const createMutation = `mutation($input: CreateProductInput!) { createProduct(input: $input) { ` + productFields + ` } }`

func (e *env) create(name, amount, currency, owner string) product {
	e.t.Helper()
	var got struct{ CreateProduct product }
	e.do(createMutation, map[string]any{"input": map[string]any{
		"name": name, "description": "about " + name, "ownerId": owner,
		"price": map[string]any{"amount": amount, "currency": currency},
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

func diffSnapshots(before, after map[string]string) []string {
	var diffs []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			diffs = append(diffs, "removed "+k)
		} else if w != v {
			diffs = append(diffs, fmt.Sprintf("changed %s: %s -> %s", k, v, w))
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, "added "+k)
		}
	}
	sort.Strings(diffs)
	return diffs
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
	if d := diffSnapshots(before, e.redis.Dump(t)); len(d) != 1 {
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
		{map[string]any{"price": map[string]any{"amount": "1200", "currency": "JPY"}}, func(p *product) { p.Price = money{"1200", "JPY"} }},
		{map[string]any{"description": "", "price": map[string]any{"amount": "0.005", "currency": "KWD"}}, func(p *product) {
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

	create := func(mod func(in map[string]any)) (string, map[string]any) {
		in := map[string]any{
			"name": "Table", "description": "Oak", "ownerId": owner,
			"price": map[string]any{"amount": "10", "currency": "USD"},
		}
		mod(in)
		return createMutation, map[string]any{"input": in}
	}
	price := func(amount, currency string) func(map[string]any) {
		return func(in map[string]any) { in["price"] = map[string]any{"amount": amount, "currency": currency} }
	}
	set := func(k string, v any) func(map[string]any) {
		return func(in map[string]any) { in[k] = v }
	}
	update := func(id string, input map[string]any) (string, map[string]any) {
		return `mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id } }`,
			map[string]any{"id": id, "input": input}
	}
	del := func(id string) (string, map[string]any) {
		return `mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": id}
	}
	q := func(query string, vars map[string]any) (string, map[string]any) { return query, vars }
	productQ := `query($id: ID!) { product(id: $id) { id } }`
	nodeQ := `query($id: ID!) { node(id: $id) { id } }`
	productsQ := `query($first: Int, $after: String, $owner: ID) { products(first: $first, after: $after, ownerId: $owner) { edges { cursor } } }`
	userProductsQ := `query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on User { products(first: $first, after: $after) { edges { cursor } } } } }`

	const bad, notFound = "BAD_USER_INPUT", "NOT_FOUND"
	tests := []struct {
		name     string
		query    string
		vars     map[string]any
		wantCode string
		// wantInMessage is a substring the client-facing message must contain.
		wantInMessage string
	}{
		{"create: empty name", "", nil, bad, "name must not be empty"},
		{"create: blank name", "", nil, bad, "name must not be empty"},
		{"create: name of 201 runes", "", nil, bad, "at most 200"},
		{"create: name with a control character", "", nil, bad, "control"},
		{"create: description of 2001 runes", "", nil, bad, "at most 2000"},
		{"create: negative price", "", nil, bad, "not a non-negative decimal"},
		{"create: price not a number", "", nil, bad, "not a non-negative decimal"},
		{"create: price with an exponent", "", nil, bad, "not a non-negative decimal"},
		{"create: price with too many decimals", "", nil, bad, "more decimals"},
		{"create: fractional yen", "", nil, bad, "more decimals"},
		{"create: huge price", "", nil, bad, "too large"},
		{"create: unknown currency", "", nil, bad, "unknown currency"},
		{"create: lower-case currency", "", nil, bad, "unknown currency"},
		{"create: unknown owner", "", nil, bad, "no user with id"},
		{"create: malformed owner id", "", nil, bad, "malformed id"},
		{"create: product id as owner", "", nil, bad, "want a User id"},
		{"update: malformed id", "", nil, bad, "malformed id"},
		{"update: user id", "", nil, bad, "want a Product id"},
		{"update: unknown product", "", nil, notFound, "no product with id"},
		{"update: empty name", "", nil, bad, "name must not be empty"},
		{"update: over-long description", "", nil, bad, "at most 2000"},
		{"update: bad price", "", nil, bad, "more decimals"},
		{"update: bad price on an unknown product", "", nil, bad, "unknown currency"},
		{"update: stale expectedVersion", "", nil, "CONFLICT", "is not at version 7"},
		{"update: expectedVersion 0", "", nil, bad, "expectedVersion must be at least 1"},
		{"create: empty idempotency key", "", nil, bad, "idempotencyKey must not be empty"},
		{"create: over-long idempotency key", "", nil, bad, "at most 255 bytes"},
		{"delete: malformed id", "", nil, bad, "malformed id"},
		{"delete: user id", "", nil, bad, "want a Product id"},
		{"delete: unknown product", "", nil, notFound, "no product with id"},
		{"product: user id", "", nil, bad, "want a Product id"},
		{"product: malformed id", "", nil, bad, "malformed id"},
		{"node: malformed id", "", nil, bad, "malformed id"},
		{"node: id with a hash", "", nil, bad, "malformed id"},
		{"products: first 0", "", nil, bad, "between 1 and 100"},
		{"products: first 101", "", nil, bad, "between 1 and 100"},
		{"products: forged cursor", "", nil, bad, "not issued by this server"},
		{"products: tampered cursor", "", nil, bad, "not issued by this server"},
		{"products: cursor of another secret", "", nil, bad, "not issued by this server"},
		{"products: malformed owner id", "", nil, bad, "malformed id"},
		{"products: product id as owner", "", nil, bad, "want a User id"},
		{"User.products: first 0", "", nil, bad, "between 1 and 100"},
		{"User.products: first 101", "", nil, bad, "between 1 and 100"},
		{"User.products: tampered cursor", "", nil, bad, "not issued by this server"},
	}
	requests := map[string]func() (string, map[string]any){
		"create: empty name":                    func() (string, map[string]any) { return create(set("name", "")) },
		"create: blank name":                    func() (string, map[string]any) { return create(set("name", " \t ")) },
		"create: name of 201 runes":             func() (string, map[string]any) { return create(set("name", strings.Repeat("é", 201))) },
		"create: name with a control character": func() (string, map[string]any) { return create(set("name", "Ta\x00ble")) },
		"create: description of 2001 runes":     func() (string, map[string]any) { return create(set("description", strings.Repeat("ü", 2001))) },
		"create: negative price":                func() (string, map[string]any) { return create(price("-1", "USD")) },
		"create: price not a number":            func() (string, map[string]any) { return create(price("ten", "USD")) },
		"create: price with an exponent":        func() (string, map[string]any) { return create(price("1e3", "USD")) },
		"create: price with too many decimals":  func() (string, map[string]any) { return create(price("12.345", "USD")) },
		"create: fractional yen":                func() (string, map[string]any) { return create(price("12.5", "JPY")) },
		"create: huge price":                    func() (string, map[string]any) { return create(price(strings.Repeat("9", 30), "USD")) },
		"create: unknown currency":              func() (string, map[string]any) { return create(price("1", "XYZ")) },
		"create: lower-case currency":           func() (string, map[string]any) { return create(price("1", "usd")) },
		"create: unknown owner":                 func() (string, map[string]any) { return create(set("ownerId", unknownUser)) },
		"create: malformed owner id":            func() (string, map[string]any) { return create(set("ownerId", "User:42")) },
		"create: product id as owner":           func() (string, map[string]any) { return create(set("ownerId", existing.ID)) },
		"update: malformed id":                  func() (string, map[string]any) { return update("nope", map[string]any{"name": "x"}) },
		"update: user id":                       func() (string, map[string]any) { return update(owner, map[string]any{"name": "x"}) },
		"update: unknown product":               func() (string, map[string]any) { return update(unknownProduct, map[string]any{"name": "x"}) },
		"update: empty name":                    func() (string, map[string]any) { return update(existing.ID, map[string]any{"name": ""}) },
		"update: over-long description": func() (string, map[string]any) {
			return update(existing.ID, map[string]any{"name": "ok", "description": strings.Repeat("x", 2001)})
		},
		"update: bad price": func() (string, map[string]any) {
			return update(existing.ID, map[string]any{"price": map[string]any{"amount": "0.001", "currency": "EUR"}})
		},
		"update: stale expectedVersion": func() (string, map[string]any) {
			return update(existing.ID, map[string]any{"name": "x", "expectedVersion": 7})
		},
		"update: expectedVersion 0": func() (string, map[string]any) {
			return update(existing.ID, map[string]any{"name": "x", "expectedVersion": 0})
		},
		"create: empty idempotency key":     func() (string, map[string]any) { return create(set("idempotencyKey", "")) },
		"create: over-long idempotency key": func() (string, map[string]any) { return create(set("idempotencyKey", strings.Repeat("k", 256))) },
		"update: bad price on an unknown product": func() (string, map[string]any) {
			return update(unknownProduct, map[string]any{"price": map[string]any{"amount": "1", "currency": ""}})
		},
		"delete: malformed id":    func() (string, map[string]any) { return del("Product:") },
		"delete: user id":         func() (string, map[string]any) { return del(owner) },
		"delete: unknown product": func() (string, map[string]any) { return del(unknownProduct) },
		"product: user id":        func() (string, map[string]any) { return q(productQ, map[string]any{"id": owner}) },
		"product: malformed id":   func() (string, map[string]any) { return q(productQ, map[string]any{"id": "42"}) },
		"node: malformed id":      func() (string, map[string]any) { return q(nodeQ, map[string]any{"id": "Product:xyz"}) },
		"node: id with a hash": func() (string, map[string]any) {
			return q(nodeQ, map[string]any{"id": "Pro#duct:" + strings.TrimPrefix(existing.ID, "Product:")})
		},
		"products: first 0":   func() (string, map[string]any) { return q(productsQ, map[string]any{"first": 0}) },
		"products: first 101": func() (string, map[string]any) { return q(productsQ, map[string]any{"first": 101}) },
		"products: forged cursor": func() (string, map[string]any) {
			return q(productsQ, map[string]any{"after": "AQAAAAAAAAABAAAAAAAAAAAAAAAA"})
		},
		"products: tampered cursor":          func() (string, map[string]any) { return q(productsQ, map[string]any{"after": string(tampered)}) },
		"products: cursor of another secret": func() (string, map[string]any) { return q(productsQ, map[string]any{"after": other.Encode(1)}) },
		"products: malformed owner id":       func() (string, map[string]any) { return q(productsQ, map[string]any{"owner": "bob"}) },
		"products: product id as owner":      func() (string, map[string]any) { return q(productsQ, map[string]any{"owner": existing.ID}) },
		"User.products: first 0":             func() (string, map[string]any) { return q(userProductsQ, map[string]any{"id": owner, "first": 0}) },
		"User.products: first 101":           func() (string, map[string]any) { return q(userProductsQ, map[string]any{"id": owner, "first": 101}) },
		"User.products: tampered cursor": func() (string, map[string]any) {
			return q(userProductsQ, map[string]any{"id": owner, "after": string(tampered)})
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, ok := requests[tt.name]
			if !ok {
				t.Fatalf("no request for %q", tt.name)
			}
			query, vars := req()
			before := e.redis.Dump(t)
			calls := e.owners.callCount()
			resp, raw := e.post(query, vars)
			if len(resp.Errors) != 1 {
				t.Fatalf("got %d errors, want 1: %s", len(resp.Errors), raw)
			}
			if code := resp.Errors[0].Extensions["code"]; code != tt.wantCode {
				t.Errorf("extensions.code = %v, want %s: %s", code, tt.wantCode, raw)
			}
			if !strings.Contains(resp.Errors[0].Message, tt.wantInMessage) {
				t.Errorf("message = %q, want it to contain %q", resp.Errors[0].Message, tt.wantInMessage)
			}
			if len(resp.Errors[0].Path) == 0 {
				t.Errorf("error has no path: %s", raw)
			}
			if d := diffSnapshots(before, e.redis.Dump(t)); len(d) > 0 {
				t.Errorf("redis changed:\n%s", strings.Join(d, "\n"))
			}
			// Only a well-formed owner id costs a call to the users subgraph.
			wantCalls := 0
			if tt.name == "create: unknown owner" {
				wantCalls = 1
			}
			if got := e.owners.callCount() - calls; got != wantCalls {
				t.Errorf("owner checker called %d times, want %d", got, wantCalls)
			}
		})
	}
	if len(requests) != len(tests) {
		t.Errorf("%d requests for %d cases", len(requests), len(tests))
	}
}

func TestOwnerCheckFailureIsMasked(t *testing.T) {
	e := newEnv(t)
	owner := e.user()
	e.create("Lamp", "1", "USD", owner)
	e.owners.mu.Lock()
	e.owners.err = errors.New("dial tcp 10.0.0.7:8081: users subgraph exploded")
	e.owners.mu.Unlock()

	before := e.redis.Dump(t)
	resp, raw := e.post(createMutation, map[string]any{"input": map[string]any{
		"name": "Chair", "ownerId": owner, "price": map[string]any{"amount": "1", "currency": "USD"},
	}})
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("want one INTERNAL_SERVER_ERROR, got %s", raw)
	}
	if strings.Contains(raw, "10.0.0.7") || strings.Contains(raw, "exploded") {
		t.Errorf("response leaks the checker's error: %s", raw)
	}
	if d := diffSnapshots(before, e.redis.Dump(t)); len(d) > 0 {
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
		product: node(id: $p) { __typename id ... on Product { name price } }
		user: node(id: $u) { __typename id }
		unknown: node(id: $unknown) { __typename id }
		foreign: node(id: $foreign) { __typename id }
	}`, map[string]any{"p": p.ID, "u": owner, "unknown": relay.NewID("Product"), "foreign": relay.NewID("Order")}, &got)

	if got.Product == nil || got.Product.Typename != "Product" || got.Product.ID != p.ID ||
		got.Product.Name == nil || *got.Product.Name != "Lamp" || got.Product.Price == nil || got.Product.Price.Amount != "0.50" {
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
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The first run loads the scripts into Redis's cache and dials the
			// connections; what is measured is the steady state.
			e.post(tt.query, tt.vars)
			e.redis.RoundTrips.Store(0)
			resp, raw := e.post(tt.query, tt.vars)
			if len(resp.Errors) > 0 {
				t.Fatalf("errors: %s", raw)
			}
			if err := tt.check(resp.Data); err != nil {
				t.Fatal(err)
			}
			if n := e.redis.RoundTrips.Load(); n != 1 {
				t.Errorf("%d redis round trips, want 1", n)
			}
		})
	}
}

func TestHandlerServesSchemaAndHealth(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ path, want string }{
		{"/schema.graphql", schema.Products()},
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
	_, err := NewService(Config{
		IdempotencyTTL: -time.Second, OwnerTombstoneTTL: -time.Second,
		Limits: subgraph.Limits{MaxDepth: -1, RequestTimeout: -time.Second},
	})
	if err == nil {
		t.Fatal("NewService(bad config) succeeded")
	}
	for _, want := range []string{"redis", "owner checker", "cursor secret", "idempotency-ttl", "owner-tombstone-ttl", "max-depth", "request-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("NewService(bad config) error %q does not mention %s", err, want)
		}
	}
	// New serves no consumer, so it refuses a configuration that expects one.
	r := redistest.New(t)
	if _, err := New(Config{Redis: r.Client, CursorSecret: "s", Owners: &fakeOwners{}, Events: EventsConfig{Redis: r.Client}}); err == nil || !strings.Contains(err.Error(), "NewService") {
		t.Errorf("New with an events Redis = %v, want an error pointing to NewService", err)
	}
	if _, err := NewService(Config{Redis: r.Client, CursorSecret: "s", Owners: &fakeOwners{}, Events: EventsConfig{Redis: r.Client, MaxDeliveries: -1}}); err == nil || !strings.Contains(err.Error(), "max deliveries") {
		t.Errorf("NewService with bad events settings = %v, want an error", err)
	}
}
