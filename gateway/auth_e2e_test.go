package gateway_test

import (
	"net/http"
	"testing"

	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// TestAuthenticationEndToEnd runs the whole graph with authentication on in all three
// services, as production does: the gateway verifies the token and forwards it, each
// subgraph verifies it again and applies the write rules to its own data. A refusal
// reaches the client as the subgraph's FORBIDDEN at the field, and a caller who goes
// around the gateway gains nothing.
func TestAuthenticationEndToEnd(t *testing.T) {
	a := subgraphtest.NewAuth(t)
	g := startGraph(t, redistest.Miniredis, withVerifier(a.Verifier))
	ur, pr, url := g.usersRedis, g.productsRedis, g.url
	post := func(url string, h http.Header, query string, vars map[string]any) graphqltest.Response {
		t.Helper()
		return graphqltest.Post(t, url, graphqltest.Request{Query: query, Variables: vars, Header: h})
	}
	const (
		createUser    = `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`
		createProduct = `mutation($in: CreateProductInput!) { createProduct(input: $in) { id owner { name } } }`
		deleteProduct = `mutation($id: ID!) { deleteProduct(id: $id) }`
	)
	newUser := func(name, email string) string {
		var d struct{ CreateUser struct{ ID string } }
		post(url, a.Admin(), createUser, map[string]any{"in": map[string]any{"name": name, "email": email}}).Decode(t, &d)
		return d.CreateUser.ID
	}
	ada, bob := newUser("Ada", "ada@example.com"), newUser("Bob", "bob@example.com")
	product := func(owner string) map[string]any {
		return map[string]any{"in": map[string]any{"name": "Engine", "ownerId": owner, "price": map[string]any{"amount": "1.00", "currencyCode": "GBP"}}}
	}

	// The token reaches products through the gateway: Ada may create her own product.
	var made struct {
		CreateProduct struct {
			ID    string
			Owner struct{ Name string }
		}
	}
	post(url, a.As(ada), createProduct, product(ada)).Decode(t, &made)
	if made.CreateProduct.Owner.Name != "Ada" {
		t.Fatalf("created %+v, want Ada's product", made.CreateProduct)
	}

	refusals := []struct {
		name  string
		h     http.Header
		query string
		vars  map[string]any
		code  string
	}{
		{"Ada creates a product for Bob", a.As(ada), createProduct, product(bob), "FORBIDDEN"},
		{"Bob deletes Ada's product", a.As(bob), deleteProduct, map[string]any{"id": made.CreateProduct.ID}, "FORBIDDEN"},
		{"an anonymous caller deletes it", nil, deleteProduct, map[string]any{"id": made.CreateProduct.ID}, "UNAUTHENTICATED"},
		{"an anonymous caller deletes Ada", nil, `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": ada}, "UNAUTHENTICATED"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			ub, pb := ur.Dump(t), pr.Dump(t)
			resp := post(url, c.h, c.query, c.vars)
			if resp.Status != http.StatusOK || resp.Code(t) != c.code || len(resp.Errors) != 1 || len(resp.Errors[0].Path) != 1 {
				t.Errorf("status %d, errors %+v; want 200 and one %s error at the mutation field", resp.Status, resp.Errors, c.code)
			}
			if d := append(subgraphtest.Diff(ub, ur.Dump(t)), subgraphtest.Diff(pb, pr.Dump(t))...); len(d) > 0 {
				t.Errorf("a refused write changed a store: %v", d)
			}
		})
	}

	t.Run("reads stay anonymous", func(t *testing.T) {
		var d struct {
			Product struct{ Owner struct{ Name string } }
		}
		post(url, nil, `query($id: ID!) { product(id: $id) { owner { name } } }`, map[string]any{"id": made.CreateProduct.ID}).Decode(t, &d)
		if d.Product.Owner.Name != "Ada" {
			t.Errorf("product owner %q, want Ada", d.Product.Owner.Name)
		}
	})

	t.Run("around the gateway", func(t *testing.T) {
		pb := pr.Dump(t)
		if r := post(g.productsURL, nil, deleteProduct, map[string]any{"id": made.CreateProduct.ID}); r.Code(t) != "UNAUTHENTICATED" {
			t.Errorf("a direct delete without a token: %s", r.Raw)
		}
		forger := subgraphtest.NewAuth(t)
		forger.Issuer.Issuer, forger.Issuer.Audience = a.Issuer.Issuer, a.Issuer.Audience
		if r := post(g.productsURL, forger.Admin(), deleteProduct, map[string]any{"id": made.CreateProduct.ID}); r.Status != http.StatusUnauthorized || r.Code(t) != "UNAUTHENTICATED" {
			t.Errorf("a direct delete with a forged admin token: status %d %s", r.Status, r.Raw)
		}
		if d := subgraphtest.Diff(pb, pr.Dump(t)); len(d) > 0 {
			t.Errorf("a direct call changed the store: %v", d)
		}
	})

	t.Run("a crit header", func(t *testing.T) {
		// Signed by the trusted key, with the admin scope, but naming an extension
		// that nothing here understands (RFC 7515 §4.1.11): refused at the gateway and
		// at the subgraph alike, and the delete does not happen.
		tok := a.Issuer.Token(issuer.Claims{Subject: "User:admin-of-the-test", Scopes: []string{"admin"},
			Header: map[string]any{"crit": []string{"x-must-understand"}, "x-must-understand": true}})
		h := http.Header{"Authorization": {"Bearer " + tok}}
		pb := pr.Dump(t)
		for _, u := range []string{url, g.productsURL} {
			if r := post(u, h, deleteProduct, map[string]any{"id": made.CreateProduct.ID}); r.Status != http.StatusUnauthorized || r.Code(t) != "UNAUTHENTICATED" {
				t.Errorf("%s: a delete with a crit header: status %d %s", u, r.Status, r.Raw)
			}
		}
		if d := subgraphtest.Diff(pb, pr.Dump(t)); len(d) > 0 {
			t.Errorf("a token with a crit header changed the store: %v", d)
		}
	})

	t.Run("the owner deletes it", func(t *testing.T) {
		if r := post(url, a.As(ada), deleteProduct, map[string]any{"id": made.CreateProduct.ID}); len(r.Errors) > 0 {
			t.Fatalf("Ada deleting her product: %s", r.Raw)
		}
	})
}
