package front_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
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

		{name: "body size", body: queryBody(t, `{ hello }`+strings.Repeat(" ", 300<<10)), status: http.StatusRequestEntityTooLarge, code: front.CodeBodyTooLarge},
		{name: "url length", method: http.MethodGet, target: getTarget(`{ hello }` + strings.Repeat(" ", 17<<10)), status: http.StatusRequestURITooLong, code: front.CodeURLTooLong},
		{name: "tokens", body: queryBody(t, manyTokens(10001)), code: front.CodeTokenLimitExceeded},
		{name: "depth", body: queryBody(t, deepQuery(16)), code: front.CodeMaxDepthExceeded},
		{name: "depth at limit passes", body: queryBody(t, deepQuery(15))},
		{name: "aliases", body: queryBody(t, `{ products(first: 1) { edges { node { `+repeat("a%d: id", 31)+` } } } }`), code: front.CodeMaxAliasesExceeded},
		{name: "root fields", body: queryBody(t, `{ `+repeat("hello", 21)+` }`), code: front.CodeMaxRootFieldsExceeded},
		{name: "fields", body: queryBody(t, `{ products(first: 1) { edges { node { `+strings.Repeat("id ", 501)+`} } } }`), code: front.CodeMaxFieldsExceeded},
		{name: "fields at limit pass", body: queryBody(t, `{ products(first: 1) { edges { node { `+strings.Repeat("id ", 497)+`} } } }`)},
		{name: "directives per field", body: queryBody(t, `{ hello`+strings.Repeat(` @include(if: true)`, 6)+` }`), code: front.CodeMaxDirectivesExceeded},
		{name: "cost/first argument", body: queryBody(t, `{ products(first: 100000) { edges { node { id } } } }`), code: front.CodeCostLimitExceeded},
		{name: "cost/first from a variable", body: body(t, map[string]any{
			"query":     `query($n: Int) { products(first: $n) { edges { node { id } } } }`,
			"variables": map[string]any{"n": 100000},
		}), code: front.CodeCostLimitExceeded},
		{name: "cost/nested lists", body: queryBody(t, `{ products(first: 50) { edges { node { related(first: 50) { related(first: 50) { id } } } } } }`), code: front.CodeCostLimitExceeded},
		{name: "cost/default list size", cfg: func(c *front.Config) { c.MaxCost = 50 },
			body: queryBody(t, `{ products { edges { node { related { id name } } } } }`), code: front.CodeCostLimitExceeded},
		// A batch is not a GraphQL-over-HTTP request: refused whole, it is 400 either way.
		{name: "batch size", body: "[" + strings.TrimSuffix(strings.Repeat(queryBody(t, `{ hello }`)+",", 11), ",") + "]",
			status: http.StatusBadRequest, code: front.CodeBatchLimitExceeded},
		{name: "batching off", cfg: func(c *front.Config) { c.MaxBatchSize = 0 }, body: "[" + queryBody(t, `{ hello }`) + "]",
			status: http.StatusBadRequest, code: front.CodeBatchingDisabled},
		// Oversized variables are a limit on a well-formed request: a request error.
		{name: "variables size", body: body(t, map[string]any{
			"query":     `query($n: String) { hello(name: $n) }`,
			"variables": map[string]any{"n": strings.Repeat("x", 65<<10)},
		}), code: front.CodeVariablesTooLarge},
		{name: "parse", body: queryBody(t, `{ hello`), code: front.CodeParseFailed},
		{name: "validation", body: queryBody(t, `{ nope }`), code: front.CodeValidationFailed},
		{name: "validation errors capped", body: queryBody(t, `{ `+repeat("nope%d", 15)+` }`), code: front.CodeValidationFailed, errors: 5},
		{name: "variable coercion", body: body(t, map[string]any{
			"query": `query($n: String!) { hello(name: $n) }`, "variables": map[string]any{"n": nil},
		}), code: front.CodeBadUserInput},
		{name: "operation name unknown", body: body(t, map[string]any{"query": `query A { hello }`, "operationName": "B"}),
			code: front.CodeOperationResolutionFailure},
		{name: "introspection off", cfg: func(c *front.Config) { c.Introspection = false },
			body: queryBody(t, `{ __schema { queryType { name } } }`), code: front.CodeIntrospectionDisabled},
		{name: "introspection off/__type in a fragment", cfg: func(c *front.Config) { c.Introspection = false },
			body: queryBody(t, `{ ...F } fragment F on Query { __type(name: "Query") { name } }`), code: front.CodeIntrospectionDisabled},
		{name: "introspection off/__typename still allowed", cfg: func(c *front.Config) { c.Introspection = false },
			body: queryBody(t, `{ hello __typename }`)},
		{name: "csrf/text/plain", ct: "text/plain", body: queryBody(t, `mutation { setGreeting(text: "csrf") }`),
			status: http.StatusBadRequest, code: front.CodeCSRFPrevented},
		{name: "csrf/form", ct: "application/x-www-form-urlencoded", body: "query=%7Bhello%7D",
			status: http.StatusBadRequest, code: front.CodeCSRFPrevented},
		{name: "csrf/preflight header then content type", ct: "text/plain", hdr: map[string]string{"Apollo-Require-Preflight": "true"},
			body: queryBody(t, `{ hello }`), status: http.StatusUnsupportedMediaType, code: front.CodeUnsupportedMediaType},
		{name: "csrf off/text/plain is still not json", ct: "text/plain", cfg: func(c *front.Config) { c.CSRFPrevention = false },
			body: queryBody(t, `{ hello }`), status: http.StatusUnsupportedMediaType, code: front.CodeUnsupportedMediaType},
		{name: "mutation over get", method: http.MethodGet, target: getTarget(`mutation { setGreeting(text: "get") }`),
			status: http.StatusMethodNotAllowed, code: front.CodeMethodNotAllowed, allow: "POST"},
		{name: "method", method: http.MethodPut, body: queryBody(t, `{ hello }`),
			status: http.StatusMethodNotAllowed, code: front.CodeMethodNotAllowed, allow: "GET, POST, OPTIONS"},
		{name: "not acceptable", accept: "text/xml", body: queryBody(t, `{ hello }`),
			status: http.StatusNotAcceptable, code: front.CodeNotAcceptable},
		{name: "malformed json", body: `{"query": "{ hello }"`, status: http.StatusBadRequest, code: front.CodeInvalidJSON},
		{name: "persisted query unknown", body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			code: front.CodePersistedQueryNotFound},
		{name: "persisted query hash mismatch", body: `{"query":"{ hello }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			status: http.StatusBadRequest, code: front.CodePersistedQueryHashMismatch},
		{name: "persisted query version", body: `{"extensions":{"persistedQuery":{"version":2,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			status: http.StatusBadRequest, code: front.CodePersistedQueryVersionNotSupported},
		{name: "persisted query off", cfg: func(c *front.Config) { c.APQ = false },
			body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			code: front.CodePersistedQueryNotSupported},
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
