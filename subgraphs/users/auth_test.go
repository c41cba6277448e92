package users_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

const (
	updateUser = `mutation($id: ID!, $name: String!) { updateUser(id: $id, input: {name: $name}) { id name } }`
	deleteUser = `mutation($id: ID!) { deleteUser(id: $id) }`
)

// TestWriteRules checks, over real HTTP with authentication on, who may write users: only
// an admin creates one; a user updates and deletes only their own user, an admin
// anyone's; an anonymous caller nothing. Every refusal leaves the store as it was.
// Reads stay anonymous.
func TestWriteRules(t *testing.T) {
	a := subgraphtest.NewAuth(t)
	r := redistest.New(t)
	cfg := config(r.Client, r.Prefix)
	cfg.Verifier = a.Verifier
	url := serve(t, cfg) + "/graphql"
	create := func(h http.Header, name, email string) graphqltest.Response {
		return graphqltest.Post(t, url, graphqltest.Request{Query: createUser, Header: h,
			Variables: map[string]any{"in": map[string]any{"name": name, "email": email}}})
	}
	var ada, bob struct{ CreateUser user }
	create(a.Admin(), "Ada", "ada@example.com").Decode(t, &ada)
	create(a.Admin(), "Bob", "bob@example.com").Decode(t, &bob)
	adaID, bobID := ada.CreateUser.ID, bob.CreateUser.ID
	asAda := a.As(adaID)

	refused := []struct {
		name string
		req  graphqltest.Request
		code string
	}{
		{"anonymous create", graphqltest.Request{Query: createUser, Variables: map[string]any{"in": map[string]any{"name": "Eve", "email": "eve@example.com"}}}, "UNAUTHENTICATED"},
		{"create without admin", graphqltest.Request{Query: createUser, Header: asAda, Variables: map[string]any{"in": map[string]any{"name": "Eve", "email": "eve@example.com"}}}, "FORBIDDEN"},
		{"create with another scope", graphqltest.Request{Query: createUser, Header: a.As(adaID, "products:write"), Variables: map[string]any{"in": map[string]any{"name": "Eve", "email": "eve@example.com"}}}, "FORBIDDEN"},
		{"anonymous update", graphqltest.Request{Query: updateUser, Variables: map[string]any{"id": adaID, "name": "Eve"}}, "UNAUTHENTICATED"},
		{"update another user", graphqltest.Request{Query: updateUser, Header: asAda, Variables: map[string]any{"id": bobID, "name": "Eve"}}, "FORBIDDEN"},
		{"anonymous delete", graphqltest.Request{Query: deleteUser, Variables: map[string]any{"id": adaID}}, "UNAUTHENTICATED"},
		{"delete another user", graphqltest.Request{Query: deleteUser, Header: asAda, Variables: map[string]any{"id": bobID}}, "FORBIDDEN"},
		{"delete another user, even one that does not exist", graphqltest.Request{Query: deleteUser, Header: asAda, Variables: map[string]any{"id": "User:00000000-0000-7000-8000-000000000000"}}, "FORBIDDEN"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			before := r.Dump(t)
			resp := graphqltest.Post(t, url, c.req)
			if got := resp.Code(t); got != c.code {
				t.Errorf("code %q, want %q: %s", got, c.code, resp.Raw)
			}
			if resp.Status != http.StatusOK {
				t.Errorf("status %d, want 200 (the refusal is a GraphQL error)", resp.Status)
			}
			if d := subgraphtest.Diff(before, r.Dump(t)); len(d) > 0 {
				t.Errorf("a refused write changed the store: %v", d)
			}
		})
	}

	allowed := []struct {
		name string
		req  graphqltest.Request
	}{
		{"a user updates their own user", graphqltest.Request{Query: updateUser, Header: asAda, Variables: map[string]any{"id": adaID, "name": "Ada L."}}},
		{"an admin updates anyone", graphqltest.Request{Query: updateUser, Header: a.Admin(), Variables: map[string]any{"id": bobID, "name": "Bob B."}}},
		{"an anonymous read", graphqltest.Request{Query: `{ users(first: 5) { edges { node { id name } } } }`}},
		{"a user deletes their own user", graphqltest.Request{Query: deleteUser, Header: asAda, Variables: map[string]any{"id": adaID}}},
		{"an admin deletes anyone", graphqltest.Request{Query: deleteUser, Header: a.Admin(), Variables: map[string]any{"id": bobID}}},
	}
	for _, c := range allowed {
		t.Run(c.name, func(t *testing.T) {
			resp := graphqltest.Post(t, url, c.req)
			if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
				t.Fatalf("status %d: %s", resp.Status, resp.Raw)
			}
		})
	}
	var left struct{ Users struct{ Edges []any } }
	graphqltest.Post(t, url, graphqltest.Request{Query: `{ users(first: 5) { edges { cursor } } }`}).Decode(t, &left)
	if len(left.Users.Edges) != 0 {
		t.Errorf("%d users left after both were deleted", len(left.Users.Edges))
	}
}

// TestDirectCallsNeedAValidToken calls the subgraph as a client that bypasses the
// gateway would: every bad token is refused with 401 UNAUTHENTICATED, a read as much as
// a write, and changes nothing; no token at all is anonymous, which may read but not
// write.
func TestDirectCallsNeedAValidToken(t *testing.T) {
	a := subgraphtest.NewAuth(t)
	r := redistest.New(t)
	cfg := config(r.Client, r.Prefix)
	cfg.Verifier = a.Verifier
	url := serve(t, cfg) + "/graphql"
	var ada struct{ CreateUser user }
	graphqltest.Post(t, url, graphqltest.Request{Query: createUser, Header: a.Admin(),
		Variables: map[string]any{"in": map[string]any{"name": "Ada", "email": "ada@example.com"}}}).Decode(t, &ada)

	// A forged admin token: right claims, signed by a key the subgraph does not trust.
	forger := subgraphtest.NewAuth(t)
	forger.Issuer.Issuer, forger.Issuer.Audience = a.Issuer.Issuer, a.Issuer.Audience
	bad := append(a.Issuer.BadTokens(), issuer.BadToken{Name: "forged admin token", Header: forger.Admin().Get("Authorization")})
	for _, b := range bad {
		for _, op := range []struct{ name, query string }{
			{"read", `{ users(first: 1) { edges { node { id } } } }`},
			{"write", deleteUser},
		} {
			t.Run(b.Name+"/"+op.name, func(t *testing.T) {
				before := r.Dump(t)
				resp := graphqltest.Post(t, url, graphqltest.Request{Query: op.query, Header: http.Header{"Authorization": {b.Header}},
					Variables: map[string]any{"id": ada.CreateUser.ID}})
				if resp.Status != http.StatusUnauthorized || resp.Code(t) != "UNAUTHENTICATED" {
					t.Errorf("status %d code %q, want 401 UNAUTHENTICATED: %s", resp.Status, resp.Code(t), resp.Raw)
				}
				if strings.Contains(resp.Raw, "eyJ") {
					t.Errorf("the answer echoes the token: %s", resp.Raw)
				}
				if d := subgraphtest.Diff(before, r.Dump(t)); len(d) > 0 {
					t.Errorf("a refused request changed the store: %v", d)
				}
			})
		}
	}

	t.Run("WWW-Authenticate", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer not.a.token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
			t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
		}
	})
}

// TestAuthenticationOff checks the development default: with no verifier every caller
// is anonymous, may write, and a token is ignored rather than refused.
func TestAuthenticationOff(t *testing.T) {
	r := redistest.New(t)
	url := serve(t, config(r.Client, r.Prefix)) + "/graphql"
	resp := graphqltest.Post(t, url, graphqltest.Request{Query: createUser, Header: http.Header{"Authorization": {"Bearer whatever"}},
		Variables: map[string]any{"in": map[string]any{"name": "Ada", "email": "ada@example.com"}}})
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("status %d: %s", resp.Status, resp.Raw)
	}
}
