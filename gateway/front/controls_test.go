package front_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// TestControls checks each control of the front at its default limit: the exact status and
// extensions.code with both media types, and that what it refuses is never executed.
func TestControls(t *testing.T) {
	productsQuery := `{ products(first: 2) { edges { node { id name } } } }`
	cases := []httpCase{
		{name: "ok/post", body: queryBody(t, `{ hello }`), check: jsonEq(`{"hello":"Hello, world!"}`)},
		{name: "ok/get", method: http.MethodGet, target: getTarget(`query($n: String) { hello(name: $n) }`, "variables", `{"n":"GET"}`),
			check: jsonEq(`{"hello":"Hello, GET!"}`)},
		{name: "ok/get without csrf header is served", method: http.MethodGet, target: getTarget(productsQuery),
			check: jsonEq(`{"products":{"edges":[{"node":{"id":"Product:1","name":"Product 1"}},{"node":{"id":"Product:2","name":"Product 2"}}]}}`)},
		{name: "ok/mutation over post", body: queryBody(t, `mutation { setGreeting(text: "hi") }`), check: jsonEq(`{"setGreeting":"hi"}`)},

		{name: "body size", body: queryBody(t, `{ hello }`+strings.Repeat(" ", 300<<10)), status: http.StatusRequestEntityTooLarge, code: errcode.BodyTooLarge},
		{name: "url length", method: http.MethodGet, target: getTarget(`{ hello }` + strings.Repeat(" ", 17<<10)), status: http.StatusRequestURITooLong, code: errcode.URLTooLong},
		{name: "tokens", body: queryBody(t, manyTokens(10001)), code: errcode.TokenLimitExceeded},
		{name: "depth", body: queryBody(t, deepQuery(16)), code: errcode.MaxDepthExceeded},
		{name: "depth at limit passes", body: queryBody(t, deepQuery(15))},
		{name: "aliases", body: queryBody(t, `{ products(first: 1) { edges { node { `+repeat("a%d: id", 31)+` } } } }`), code: errcode.MaxAliasesExceeded},
		{name: "root fields", body: queryBody(t, `{ `+repeat("hello", 21)+` }`), code: errcode.MaxRootFieldsExceeded},
		{name: "fields", body: queryBody(t, `{ products(first: 1) { edges { node { `+strings.Repeat("id ", 501)+`} } } }`), code: errcode.MaxFieldsExceeded},
		{name: "fields at limit pass", body: queryBody(t, `{ products(first: 1) { edges { node { `+strings.Repeat("id ", 497)+`} } } }`)},
		{name: "directives per field", body: queryBody(t, `{ hello`+strings.Repeat(` @include(if: true)`, 6)+` }`), code: errcode.MaxDirectivesExceeded},
		{name: "cost/first argument", body: queryBody(t, `{ products(first: 100000) { edges { node { id } } } }`), code: errcode.CostLimitExceeded},
		{name: "cost/first from a variable", body: body(t, map[string]any{
			"query":     `query($n: Int) { products(first: $n) { edges { node { id } } } }`,
			"variables": map[string]any{"n": 100000},
		}), code: errcode.CostLimitExceeded},
		{name: "cost/nested lists", body: queryBody(t, `{ products(first: 50) { edges { node { related(first: 50) { related(first: 50) { id } } } } } }`), code: errcode.CostLimitExceeded},
		{name: "cost/default list size", cfg: func(c *front.Config) { c.MaxCost = 50 },
			body: queryBody(t, `{ products { edges { node { related { id name } } } } }`), code: errcode.CostLimitExceeded},
		// A batch is not a GraphQL-over-HTTP request: refused whole, it is 400 either way.
		{name: "batch size", body: "[" + strings.TrimSuffix(strings.Repeat(queryBody(t, `{ hello }`)+",", 11), ",") + "]",
			status: http.StatusBadRequest, code: errcode.BatchLimitExceeded},
		{name: "batching off", cfg: func(c *front.Config) { c.MaxBatchSize = 0 }, body: "[" + queryBody(t, `{ hello }`) + "]",
			status: http.StatusBadRequest, code: errcode.BatchingDisabled},
		// Oversized variables are a limit on a well-formed request: a request error.
		{name: "variables size", body: body(t, map[string]any{
			"query":     `query($n: String) { hello(name: $n) }`,
			"variables": map[string]any{"n": strings.Repeat("x", 65<<10)},
		}), code: errcode.VariablesTooLarge},
		{name: "parse", body: queryBody(t, `{ hello`), code: errcode.ParseFailed},
		{name: "validation", body: queryBody(t, `{ nope }`), code: errcode.ValidationFailed},
		{name: "validation errors capped", body: queryBody(t, `{ `+repeat("nope%d", 15)+` }`), code: errcode.ValidationFailed, errors: 5},
		{name: "variable coercion", body: body(t, map[string]any{
			"query": `query($n: String!) { hello(name: $n) }`, "variables": map[string]any{"n": nil},
		}), code: errcode.BadUserInput},
		{name: "operation name unknown", body: body(t, map[string]any{"query": `query A { hello }`, "operationName": "B"}),
			code: errcode.OperationResolutionFailure},
		{name: "introspection off", cfg: func(c *front.Config) { c.Introspection = false },
			body: queryBody(t, `{ __schema { queryType { name } } }`), code: errcode.IntrospectionDisabled},
		{name: "introspection off/__type in a fragment", cfg: func(c *front.Config) { c.Introspection = false },
			body: queryBody(t, `{ ...F } fragment F on Query { __type(name: "Query") { name } }`), code: errcode.IntrospectionDisabled},
		{name: "introspection off/__typename still allowed", cfg: func(c *front.Config) { c.Introspection = false },
			body: queryBody(t, `{ hello __typename }`)},
		{name: "csrf/text/plain", ct: "text/plain", body: queryBody(t, `mutation { setGreeting(text: "csrf") }`),
			status: http.StatusBadRequest, code: errcode.CSRFPrevented},
		{name: "csrf/form", ct: "application/x-www-form-urlencoded", body: "query=%7Bhello%7D",
			status: http.StatusBadRequest, code: errcode.CSRFPrevented},
		{name: "csrf/preflight header then content type", ct: "text/plain", hdr: map[string]string{"Apollo-Require-Preflight": "true"},
			body: queryBody(t, `{ hello }`), status: http.StatusUnsupportedMediaType, code: errcode.UnsupportedMediaType},
		{name: "csrf off/text/plain is still not json", ct: "text/plain", cfg: func(c *front.Config) { c.CSRFPrevention = false },
			body: queryBody(t, `{ hello }`), status: http.StatusUnsupportedMediaType, code: errcode.UnsupportedMediaType},
		{name: "mutation over get", method: http.MethodGet, target: getTarget(`mutation { setGreeting(text: "get") }`),
			status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed, allow: "POST"},
		{name: "method", method: http.MethodPut, body: queryBody(t, `{ hello }`),
			status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed, allow: "GET, POST, OPTIONS"},
		{name: "not acceptable", accept: "text/xml", body: queryBody(t, `{ hello }`),
			status: http.StatusNotAcceptable, code: errcode.NotAcceptable},
		{name: "malformed json", body: `{"query": "{ hello }"`, status: http.StatusBadRequest, code: errcode.InvalidJSON},
		{name: "persisted query unknown", body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			code: errcode.PersistedQueryNotFound},
		{name: "persisted query hash mismatch", body: `{"query":"{ hello }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			status: http.StatusBadRequest, code: errcode.PersistedQueryHashMismatch},
		{name: "persisted query version", body: `{"extensions":{"persistedQuery":{"version":2,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			status: http.StatusBadRequest, code: errcode.PersistedQueryVersionNotSupported},
		{name: "persisted query off", cfg: func(c *front.Config) { c.APQ = false },
			body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			code: errcode.PersistedQueryNotSupported},
	}
	runCases(t, cases)
}

// TestMediaTypeNegotiation checks which media type each Accept header gets.
func TestMediaTypeNegotiation(t *testing.T) {
	srv := newServer(t, front.DefaultConfig(), newStaticExecutor(t))
	tests := []struct {
		accept string
		want   string // "" means 406
	}{
		{"", mediaJSON},
		{"*/*", mediaJSON},
		{"application/*", mediaJSON},
		{"application/json", mediaJSON},
		{mediaGQL, mediaGQL},
		{mediaGQL + ", application/json;q=0.9", mediaGQL},
		{"application/json, " + mediaGQL, mediaGQL},
		{"application/json;q=1, " + mediaGQL + ";q=0.5", mediaJSON},
		{mediaGQL + ";charset=utf-8", mediaGQL},
		{"text/html, */*;q=0.8", mediaJSON},
		{"application/json;q=0", ""},
		{"text/xml", ""},
		{"garbage;;;", ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, tt.accept, strings.NewReader(`{"query":"{ hello }"}`), nil)
			if tt.want == "" {
				if r.status != http.StatusNotAcceptable {
					t.Fatalf("status: got %d, want 406", r.status)
				}
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200: %s", r.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != tt.want+"; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want %q", got, tt.want+"; charset=utf-8")
			}
		})
	}
}
