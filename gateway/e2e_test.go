package gateway_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const productsWithOwner = `{ products(first: 3) { edges { node { id name price { amount currencyCode } owner { name email } } } } }`

func TestProductWithOwner(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		ada := g.createUser(t, "Ada Lovelace", "ada@example.com")
		bob := g.createUser(t, "Bob", "bob@example.com")
		g.createProduct(t, "Engine", "12.34", "USD", ada)
		g.createProduct(t, "Loom", "1200", "JPY", bob)

		var d struct {
			Products struct {
				Edges []struct {
					Node struct {
						ID, Name string
						Price    struct{ Amount, CurrencyCode string }
						Owner    *struct{ Name, Email string }
					}
				}
			}
		}
		g.must(t, productsWithOwner, nil, &d)
		type row struct{ name, amount, cur, owner, email string }
		var got []row
		for _, e := range d.Products.Edges {
			n := e.Node
			if n.Owner == nil {
				t.Fatalf("product %s has no owner", n.Name)
			}
			got = append(got, row{n.Name, n.Price.Amount, n.Price.CurrencyCode, n.Owner.Name, n.Owner.Email})
		}
		want := []row{
			{"Engine", "12.34", "USD", "Ada Lovelace", "ada@example.com"},
			{"Loom", "1200", "JPY", "Bob", "bob@example.com"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("products with owner:\n got %+v\nwant %+v", got, want)
		}

		// Money is an object: a client selects what it needs of it, the amount alone.
		r := g.post(t, `{ products(first: 1) { edges { node { price { amount } } } } }`, nil)
		if len(r.Errors) > 0 || string(r.Data) != `{"products":{"edges":[{"node":{"price":{"amount":"12.34"}}}]}}` {
			t.Errorf("the amount alone: data %s, errors %+v", r.Data, r.Errors)
		}
	})
}

func TestUserWithProducts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		ada := g.createUser(t, "Ada", "ada@example.com")
		bob := g.createUser(t, "Bob", "bob@example.com")
		g.createProduct(t, "Engine", "1", "USD", ada)
		g.createProduct(t, "Loom", "2", "USD", bob)
		g.createProduct(t, "Notes", "3", "USD", ada)

		var d struct {
			User struct {
				Name     string
				Products struct {
					Edges []struct{ Node struct{ Name string } }
				}
			}
		}
		g.must(t, `query($id: ID!) { user(id: $id) { name products(first: 10) { edges { node { name } } } } }`,
			map[string]any{"id": ada}, &d)
		var names []string
		for _, e := range d.User.Products.Edges {
			names = append(names, e.Node.Name)
		}
		if d.User.Name != "Ada" || !reflect.DeepEqual(names, []string{"Engine", "Notes"}) {
			t.Errorf("user with products = %q %q, want Ada [Engine Notes]", d.User.Name, names)
		}

		// The same through the list of users: each user's own products.
		var l struct {
			Users struct {
				Edges []struct {
					Node struct {
						Name     string
						Products struct {
							Edges []struct{ Node struct{ Name string } }
						}
					}
				}
			}
		}
		g.must(t, `{ users(first: 5) { edges { node { name products { edges { node { name } } } } } } }`, nil, &l)
		got := map[string][]string{}
		for _, e := range l.Users.Edges {
			got[e.Node.Name] = []string{}
			for _, p := range e.Node.Products.Edges {
				got[e.Node.Name] = append(got[e.Node.Name], p.Node.Name)
			}
		}
		want := map[string][]string{"Ada": {"Engine", "Notes"}, "Bob": {"Loom"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("users with products = %v, want %v", got, want)
		}
	})
}

type page struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID, Name string }
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

func (p page) names() []string {
	var out []string
	for _, e := range p.Edges {
		out = append(out, e.Node.Name)
	}
	return out
}

// walk pages through a connection with pages of size n and returns every page.
func walk(t *testing.T, g *graph, query string, vars map[string]any, field func(any) page, n int) []page {
	t.Helper()
	var pages []page
	var after any
	for i := 0; i < 20; i++ {
		v := map[string]any{"first": n, "after": after}
		for k, x := range vars {
			v[k] = x
		}
		var raw map[string]any
		g.must(t, query, v, &raw)
		p := field(raw)
		pages = append(pages, p)
		if !p.PageInfo.HasNextPage {
			return pages
		}
		after = *p.PageInfo.EndCursor
	}
	t.Fatal("more than 20 pages")
	return nil
}

func pageAt(path ...string) func(any) page {
	return func(v any) page {
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		var out page
		remarshal(v, &out)
		return out
	}
}

func TestPagination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		owner := g.createUser(t, "Owner", "owner@example.com")
		var want []string
		for i := 0; i < 7; i++ {
			name := fmt.Sprintf("u%d", i)
			g.createUser(t, name, name+"@example.com")
			p := fmt.Sprintf("p%d", i)
			g.createProduct(t, p, "1", "EUR", owner)
			want = append(want, p)
		}

		const usersQ = `query($first: Int, $after: String) { users(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
		pages := walk(t, g, usersQ, nil, pageAt("users"), 3)
		if len(pages) != 3 {
			t.Fatalf("users: %d pages, want 3 (8 users by 3)", len(pages))
		}
		var all []string
		for i, p := range pages {
			all = append(all, p.names()...)
			if p.PageInfo.HasPreviousPage != (i > 0) {
				t.Errorf("users page %d: hasPreviousPage = %v", i, p.PageInfo.HasPreviousPage)
			}
			if *p.PageInfo.StartCursor != p.Edges[0].Cursor || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor {
				t.Errorf("users page %d: start/end cursors do not match edges", i)
			}
		}
		if wantUsers := append([]string{"Owner"}, strings.Fields("u0 u1 u2 u3 u4 u5 u6")...); !reflect.DeepEqual(all, wantUsers) {
			t.Errorf("users in pages = %v, want %v", all, wantUsers)
		}

		const productsQ = `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
		first := walk(t, g, productsQ, nil, pageAt("products"), 3)
		all = nil
		for _, p := range first {
			all = append(all, p.names()...)
		}
		if !reflect.DeepEqual(all, want) || len(first) != 3 {
			t.Fatalf("products in %d pages = %v, want %v in 3", len(first), all, want)
		}

		// Cursors are stable: a product created later only appends, and the cursor of
		// page one still leads to the same second page.
		g.createProduct(t, "late", "1", "EUR", owner)
		var again map[string]any
		g.must(t, productsQ, map[string]any{"first": 3, "after": *first[0].PageInfo.EndCursor}, &again)
		if got := pageAt("products")(again).names(); !reflect.DeepEqual(got, first[1].names()) {
			t.Errorf("second page after an insert = %v, want %v", got, first[1].names())
		}
		second := walk(t, g, productsQ, nil, pageAt("products"), 3)
		if last := second[len(second)-1].names(); last[len(last)-1] != "late" {
			t.Errorf("new product not at the end: last page %v", last)
		}

		// A user's products page the same way, through the gateway's stitching.
		const ownerQ = `query($id: ID!, $first: Int, $after: String) { user(id: $id) { products(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`
		ownerPages := walk(t, g, ownerQ, map[string]any{"id": owner}, pageAt("user", "products"), 4)
		all = nil
		for _, p := range ownerPages {
			all = append(all, p.names()...)
		}
		if wantOwner := append(want, "late"); !reflect.DeepEqual(all, wantOwner) || len(ownerPages) != 2 {
			t.Errorf("owner's products in %d pages = %v, want %v in 2", len(ownerPages), all, wantOwner)
		}
	})
}

func TestMutations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		id := g.createUser(t, "Ada", "ada@example.com")
		var u struct {
			UpdateUser struct{ ID, Name, Email string }
		}
		g.must(t, `mutation($id: ID!) { updateUser(id: $id, input: {name: " Ada L. ", email: "ada@lovelace.org"}) { id name email } }`,
			map[string]any{"id": id}, &u)
		if u.UpdateUser.Name != "Ada L." || u.UpdateUser.Email != "ada@lovelace.org" {
			t.Errorf("updateUser = %+v", u.UpdateUser)
		}
		// The old email is free again, the new one taken.
		g.createUser(t, "Other Ada", "ADA@example.com")
		if c := onlyCode(t, g.post(t, `mutation { createUser(input: {name: "X", email: "Ada@Lovelace.org"}) { id } }`, nil)); c != "BAD_USER_INPUT" {
			t.Errorf("duplicate of updated email: code %q", c)
		}

		pid := g.createProduct(t, "Engine", "10", "USD", id)
		var p struct {
			UpdateProduct struct {
				Name, Description string
				Price             struct{ Amount, CurrencyCode string }
			}
		}
		g.must(t, `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Analytical Engine", description: "gears", price: {amount: "99.5", currencyCode: GBP}}) { name description price { amount currencyCode } } }`,
			map[string]any{"id": pid}, &p)
		if p.UpdateProduct.Name != "Analytical Engine" || p.UpdateProduct.Description != "gears" || p.UpdateProduct.Price.Amount != "99.50" || p.UpdateProduct.Price.CurrencyCode != "GBP" {
			t.Errorf("updateProduct = %+v", p.UpdateProduct)
		}
		var read struct {
			Product struct {
				Name  string
				Owner struct{ Name string }
			}
		}
		g.must(t, `query($id: ID!) { product(id: $id) { name owner { name } } }`, map[string]any{"id": pid}, &read)
		if read.Product.Name != "Analytical Engine" || read.Product.Owner.Name != "Ada L." {
			t.Errorf("product read back = %+v", read.Product)
		}

		var dp struct{ DeleteProduct string }
		g.must(t, `mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": pid}, &dp)
		var gone struct{ Product *struct{ ID string } }
		g.must(t, `query($id: ID!) { product(id: $id) { id } }`, map[string]any{"id": pid}, &gone)
		if dp.DeleteProduct != pid || gone.Product != nil {
			t.Errorf("deleteProduct = %q, product afterwards %+v", dp.DeleteProduct, gone.Product)
		}

		var du struct{ DeleteUser string }
		g.must(t, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": id}, &du)
		var ug struct{ User *struct{ ID string } }
		g.must(t, `query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": id}, &ug)
		if du.DeleteUser != id || ug.User != nil {
			t.Errorf("deleteUser = %q, user afterwards %+v", du.DeleteUser, ug.User)
		}
		// Its email is free again.
		g.createUser(t, "Ada again", "ada@lovelace.org")
	})
}

func TestNode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		uid := g.createUser(t, "Ada", "ada@example.com")
		pid := g.createProduct(t, "Engine", "1", "USD", uid)
		const q = `query($id: ID!) { node(id: $id) { id __typename ... on User { name email } ... on Product { name price { amount currencyCode } } } }`

		var u struct{ Node map[string]any }
		g.must(t, q, map[string]any{"id": uid}, &u)
		want := map[string]any{"id": uid, "__typename": "User", "name": "Ada", "email": "ada@example.com"}
		if !reflect.DeepEqual(u.Node, want) {
			t.Errorf("node(user) = %v, want %v", u.Node, want)
		}
		var p struct{ Node map[string]any }
		g.must(t, q, map[string]any{"id": pid}, &p)
		want = map[string]any{"id": pid, "__typename": "Product", "name": "Engine", "price": map[string]any{"amount": "1.00", "currencyCode": "USD"}}
		if !reflect.DeepEqual(p.Node, want) {
			t.Errorf("node(product) = %v, want %v", p.Node, want)
		}
		for _, unknown := range []string{"User:0190f3a0-0000-7000-8000-000000000000", "Product:0190f3a0-0000-7000-8000-000000000000"} {
			var n struct{ Node map[string]any }
			g.must(t, q, map[string]any{"id": unknown}, &n)
			if n.Node != nil {
				t.Errorf("node(%s) = %v, want null", unknown, n.Node)
			}
		}
	})
}

// TestNodeRewriteKeepsTheDocumentValid sends root node fields whose fragments for other
// types are dropped by the gateway's rewrite: the fragments and variables only they used
// must go too, and other operations of the document must not get in the way.
func TestNodeRewriteKeepsTheDocumentValid(t *testing.T) {
	forEachBackend(t, func(t *testing.T, g *graph) {
		uid := g.createUser(t, "Ada", "ada@example.com")
		pid := g.createProduct(t, "Engine", "2.50", "EUR", uid)
		const doc = `
query Both($u: ID!, $p: ID!, $withPrice: Boolean!) {
  user: node(id: $u) { id ...ProductFields ...UserFields }
  product: node(id: $p) { id ... on Product @include(if: $withPrice) { price { amount } } ...UserFields }
  only: node(id: $u) { ...ProductFields }
}
query Other { users(first: 1) { edges { cursor } } }
fragment UserFields on User { name }
fragment ProductFields on Product { name price { amount currencyCode } }`
		body := map[string]any{"u": uid, "p": pid, "withPrice": true}
		r := postOp(t, g, doc, "Both", body)
		if len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
		var d map[string]map[string]any
		json.Unmarshal(r.Data, &d)
		if d["user"]["id"] != uid || d["user"]["name"] != "Ada" || d["user"]["price"] != nil {
			t.Errorf("user = %v", d["user"])
		}
		if d["product"]["id"] != pid || d["product"]["price"] == nil || d["product"]["name"] != nil {
			t.Errorf("product = %v", d["product"])
		}
		if len(d["only"]) != 0 {
			t.Errorf("a user through product-only fragments = %v, want {}", d["only"])
		}
	})
}
