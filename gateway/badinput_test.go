package gateway_test

import (
	"reflect"
	"strings"
	"testing"
)

// TestBadInput sends every kind of bad input through the gateway and checks that each
// gets one error with a message and its code, and that neither store changed.
func TestBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		ada := g.createUser(t, "Ada", "ada@example.com")
		pid := g.createProduct(t, "Engine", "1", "USD", ada)
		const unknownUser = "User:0190f3a0-0000-7000-8000-000000000000"
		const unknownProduct = "Product:0190f3a0-0000-7000-8000-000000000000"
		long := strings.Repeat("x", 101)

		createUser := `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`
		createProduct := `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`
		product := func(name, amount, currency, owner string) map[string]any {
			return map[string]any{"in": map[string]any{"name": name, "ownerId": owner,
				"price": map[string]any{"amount": amount, "currencyCode": currency}}}
		}
		user := func(name, email string) map[string]any {
			return map[string]any{"in": map[string]any{"name": name, "email": email}}
		}
		tests := []struct {
			name  string
			query string
			vars  map[string]any
			code  string
		}{
			{"empty user name", createUser, user("  ", "x@example.com"), "BAD_USER_INPUT"},
			{"over-long user name", createUser, user(long, "x@example.com"), "BAD_USER_INPUT"},
			{"malformed email", createUser, user("X", "not-an-email"), "BAD_USER_INPUT"},
			{"email with display name", createUser, user("X", "X <x@example.com>"), "BAD_USER_INPUT"},
			{"duplicate email other case", createUser, user("X", "ADA@EXAMPLE.COM"), "BAD_USER_INPUT"},
			{"update to taken email", `mutation($id: ID!) { updateUser(id: $id, input: {email: "ada@example.com"}) { id } }`, map[string]any{"id": g.createUser(t, "Bea", "bea@example.com")}, "BAD_USER_INPUT"},
			{"update unknown user", `mutation($id: ID!) { updateUser(id: $id, input: {name: "Y"}) { id } }`, map[string]any{"id": unknownUser}, "NOT_FOUND"},
			{"delete unknown user", `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": unknownUser}, "NOT_FOUND"},
			{"empty product name", createProduct, product("", "1", "USD", ada), "BAD_USER_INPUT"},
			{"over-long product name", createProduct, product(strings.Repeat("y", 201), "1", "USD", ada), "BAD_USER_INPUT"},
			{"negative price", createProduct, product("P", "-1", "USD", ada), "BAD_USER_INPUT"},
			{"fractional minor units", createProduct, product("P", "1.005", "USD", ada), "BAD_USER_INPUT"},
			{"decimals on a zero-decimal currency", createProduct, product("P", "1.5", "JPY", ada), "BAD_USER_INPUT"},
			{"float exponent price", createProduct, product("P", "1e3", "USD", ada), "BAD_USER_INPUT"},
			{"price amount as a number", `mutation($id: ID!) { createProduct(input: {name: "P", ownerId: $id, price: {amount: 12.5, currencyCode: USD}}) { id } }`, map[string]any{"id": ada}, "BAD_USER_INPUT"},
			{"price as a bare number", createProduct, map[string]any{"in": map[string]any{"name": "P", "ownerId": ada, "price": 1250}}, "BAD_USER_INPUT"},
			{"price with an extra field", createProduct, map[string]any{"in": map[string]any{"name": "P", "ownerId": ada, "price": map[string]any{"amount": "1", "currencyCode": "USD", "cents": 100}}}, "BAD_USER_INPUT"},
			{"unknown currency", createProduct, product("P", "1", "XYZ", ada), "BAD_USER_INPUT"},
			{"lower-case currency", createProduct, product("P", "1", "usd", ada), "BAD_USER_INPUT"},
			{"unknown owner", createProduct, product("P", "1", "USD", unknownUser), "BAD_USER_INPUT"},
			{"owner id of a product", createProduct, product("P", "1", "USD", pid), "BAD_USER_INPUT"},
			{"malformed owner id", createProduct, product("P", "1", "USD", "42"), "BAD_USER_INPUT"},
			{"malformed user id", `query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": "User:not-a-uuid"}, "BAD_USER_INPUT"},
			{"product id to user", `query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": pid}, "BAD_USER_INPUT"},
			{"user id to product", `query($id: ID!) { product(id: $id) { id } }`, map[string]any{"id": ada}, "BAD_USER_INPUT"},
			{"malformed node id", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "garbage"}, "BAD_USER_INPUT"},
			{"update unknown product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Z"}) { id } }`, map[string]any{"id": unknownProduct}, "NOT_FOUND"},
			{"update product bad price", `mutation($id: ID!) { updateProduct(id: $id, input: {price: {amount: "-3", currencyCode: USD}}) { id } }`, map[string]any{"id": pid}, "BAD_USER_INPUT"},
			{"delete unknown product", `mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": unknownProduct}, "NOT_FOUND"},
			{"users first 0", `{ users(first: 0) { edges { cursor } } }`, nil, "BAD_USER_INPUT"},
			{"users first 101", `{ users(first: 101) { edges { cursor } } }`, nil, "BAD_USER_INPUT"},
			{"products first -1", `{ products(first: -1) { edges { cursor } } }`, nil, "BAD_USER_INPUT"},
			{"user products first 1000", `query($id: ID!) { user(id: $id) { products(first: 1000) { edges { cursor } } } }`, map[string]any{"id": ada}, "BAD_USER_INPUT"},
			{"forged users cursor", `{ users(after: "AQAAAAAAAAABAAAAAAAAAAAAAAAA") { edges { cursor } } }`, nil, "BAD_USER_INPUT"},
			{"garbage products cursor", `{ products(after: "not a cursor") { edges { cursor } } }`, nil, "BAD_USER_INPUT"},
			{"users cursor given to products", `query($c: String) { products(after: $c) { edges { cursor } } }`, map[string]any{"c": firstUserCursor(t, g)}, "BAD_USER_INPUT"},
			{"products of malformed owner", `{ products(ownerId: "nope") { edges { cursor } } }`, nil, "BAD_USER_INPUT"},
		}
		before := [2]map[string]string{g.usersRedis.Dump(t), g.productsRedis.Dump(t)}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := g.post(t, tt.query, tt.vars)
				if got := onlyCode(t, r); got != tt.code {
					t.Errorf("code = %q (message %q), want %q", got, r.Errors[0].Message, tt.code)
				}
				if msg := r.Errors[0].Message; msg == "" || strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "redis") {
					t.Errorf("message %q is empty or leaks internals", msg)
				}
				after := [2]map[string]string{g.usersRedis.Dump(t), g.productsRedis.Dump(t)}
				if !reflect.DeepEqual(before, after) {
					t.Errorf("bad input changed the stores:\nbefore %v\nafter  %v", before, after)
				}
			})
		}
		// An unknown but well-formed id is null, not an error.
		for _, q := range []string{`{ user(id: "` + unknownUser + `") { id } }`, `{ product(id: "` + unknownProduct + `") { id } }`, `{ node(id: "` + unknownUser + `") { id } }`} {
			r := g.post(t, q, nil)
			if len(r.Errors) != 0 || !strings.Contains(string(r.Data), "null") {
				t.Errorf("%s = data %s errors %+v, want null without errors", q, r.Data, r.Errors)
			}
		}
	})
}

func firstUserCursor(t *testing.T, g *graph) string {
	t.Helper()
	var d struct {
		Users struct{ Edges []struct{ Cursor string } }
	}
	g.must(t, `{ users(first: 1) { edges { cursor } } }`, nil, &d)
	return d.Users.Edges[0].Cursor
}
