package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
)

// authzSDL is a subgraph that declares Apollo Router's authorization directives and
// uses them on fields and on a type.
const authzSDL = `
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
interface Node { id: ID! }
type Query {
  node(id: ID!): Node
  public: String
  secret: String @authenticated
  audit: Audit
  staff: [Staff!]!
}
type Audit @requiresScopes(scopes: [["admin"], ["audit:read", "users:read"]]) { entries: [String!]! }
type Staff implements Node { id: ID! name: String! salary: Int! @requiresScopes(scopes: [["admin"]]) }
`

// fakeSubgraph answers any query on authzSDL from static data, and records the queries
// it is sent.
type fakeSubgraph struct {
	schema  *ast.Schema
	mu      sync.Mutex
	queries []string
}

var fakeData = map[string]any{
	"public": "hello", "secret": "s3cret",
	"audit": map[string]any{"entries": []any{"e1"}},
	"staff": []any{map[string]any{"id": "Staff:1", "name": "Ada", "salary": 100}},
}

func (f *fakeSubgraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/schema.graphql" {
		io.WriteString(w, authzSDL)
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	f.queries = append(f.queries, req.Query)
	f.mu.Unlock()
	doc, errs := gqlparser.LoadQueryWithRules(f.schema, req.Query, nil)
	if errs != nil {
		json.NewEncoder(w).Encode(map[string]any{"errors": errs})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"data": project(doc.Operations[0].SelectionSet, fakeData, "Query")})
}

func (f *fakeSubgraph) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queries
	f.queries = nil
	return q
}

// project answers a selection set from v.
func project(set ast.SelectionSet, v any, typename string) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = project(set, x, typename)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		var walk func(ast.SelectionSet)
		walk = func(set ast.SelectionSet) {
			for _, sel := range set {
				switch s := sel.(type) {
				case *ast.Field:
					if s.Name == "__typename" {
						out[s.Alias] = typename
						continue
					}
					out[s.Alias] = project(s.SelectionSet, v[s.Name], s.Definition.Type.Name())
				case *ast.InlineFragment:
					walk(s.SelectionSet)
				}
			}
		}
		walk(set)
		return out
	}
	return v
}

// TestAuthorizationDirectives checks @authenticated and @requiresScopes as Apollo Router
// has them: a field the token does not allow is null with one error, propagated per the
// non-null rules, and never sent to the subgraph.
func TestAuthorizationDirectives(t *testing.T) {
	t.Run("stitch", func(t *testing.T) { authorizationDirectives(t, false) })
	t.Run("federation", func(t *testing.T) { authorizationDirectives(t, true) })
}

// authzSupergraph is authzSDL as a subgraph named fake, composed: the directives are
// Apollo's authenticated and requiresScopes specifications, which the API schema leaves
// out and the gateway reads from the supergraph.
const authzSupergraph = `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
{
  query: Query
}
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
scalar requiresScopes__Scope
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph { FAKE @join__graph(name: "fake", url: "http://127.0.0.1:1/graphql") }
interface Node @join__type(graph: FAKE) { id: ID! }
type Query @join__type(graph: FAKE) {
  node(id: ID!): Node
  public: String
  secret: String @authenticated
  audit: Audit
  staff: [Staff!]!
}
type Audit @join__type(graph: FAKE) @requiresScopes(scopes: [["admin"], ["audit:read", "users:read"]]) { entries: [String!]! }
type Staff implements Node @join__implements(graph: FAKE, interface: "Node") @join__type(graph: FAKE) {
  id: ID!
  name: String!
  salary: Int! @requiresScopes(scopes: [["admin"]])
}
`

func authorizationDirectives(t *testing.T, federation bool) {
	fake := &fakeSubgraph{schema: gqlparser.MustLoadSchema(&ast.Source{Input: authzSDL})}
	sub := httptest.NewServer(fake)
	defer sub.Close()
	iss, _ := issuer.New("https://issuer.test", "fedgraph")
	jwks := httptest.NewServer(iss.Handler())
	defer jwks.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	acfg := auth.DefaultConfig()
	acfg.JWKSURL, acfg.Issuer, acfg.Audience = jwks.URL, iss.Issuer, iss.Audience
	v, err := auth.New(context.Background(), acfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := gateway.DefaultConfig()
	cfg.Verifier, cfg.Subgraphs = v, []gateway.Subgraph{{Name: "fake", URL: sub.URL + "/graphql"}}
	if federation {
		cfg.Supergraph = filepath.Join(t.TempDir(), "supergraph.graphql")
		if err := os.WriteFile(cfg.Supergraph, []byte(authzSupergraph), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, url := serveGateway(t, ctx, cfg)
	token := func(scopes ...string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + iss.Token(issuer.Claims{Subject: "User:1", Scopes: scopes})}
	}
	unauthorized := func(path string) string {
		return `[{"message":"Unauthorized field or type","path":` + path + `,"extensions":{"code":"UNAUTHORIZED_FIELD_OR_TYPE"}}]`
	}
	tests := []struct {
		name       string
		query      string
		header     map[string]string
		data, errs string
		unsent     string // a field the subgraph must not be asked for
	}{
		{"anonymous: authenticated field", `{ public secret }`, nil,
			`{"public":"hello","secret":null}`, unauthorized(`["secret"]`), "secret"},
		{"any token: authenticated field", `{ public secret }`, token(),
			`{"public":"hello","secret":"s3cret"}`, `null`, ""},
		{"a type that requires scopes, without them", `{ public audit { entries } }`, token("audit:read"),
			`{"public":"hello","audit":null}`, unauthorized(`["audit"]`), "audit"},
		{"a type that requires scopes, with one set of them", `{ audit { entries } }`, token("users:read", "audit:read"),
			`{"audit":{"entries":["e1"]}}`, `null`, ""},
		{"a type that requires scopes, with the other set", `{ audit { entries } }`, token("admin"),
			`{"audit":{"entries":["e1"]}}`, `null`, ""},
		{"a non-null field without its scope nulls its parents", `{ public staff { name salary } }`, token(),
			`null`, unauthorized(`["staff",0,"salary"]`), "salary"},
		{"a non-null field with its scope", `{ staff { name salary } }`, token("admin"),
			`{"staff":[{"name":"Ada","salary":100}]}`, `null`, ""},
		{"an unauthorized field under a fragment and an alias", `{ ... on Query { s: secret } p: public }`, nil,
			`{"s":null,"p":"hello"}`, unauthorized(`["s"]`), "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.take()
			exact(t, postHeaders(t, url, tt.query, tt.header), tt.data, tt.errs)
			for _, q := range fake.take() {
				if tt.unsent != "" && strings.Contains(q, tt.unsent) {
					t.Errorf("the subgraph was asked for %s: %s", tt.unsent, q)
				}
			}
		})
	}
}

// postHeaders sends a query with headers and decodes the answer.
func postHeaders(t *testing.T, url, query string, hdr map[string]string) graphqltest.Response {
	t.Helper()
	return graphqltest.Post(t, url, graphqltest.Request{Query: query, Header: graphqltest.Headers(hdr)})
}
