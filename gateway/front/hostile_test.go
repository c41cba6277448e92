package front_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// fragmentBomb returns a document whose fragments double at each of n levels, so that
// expanding it naively would visit 2^n copies of leaf.
func fragmentBomb(n int, leaf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\n", n)
	fmt.Fprintf(&b, "fragment F0 on Query { %s }\n", leaf)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// TestHostileInputs sends inputs meant to crash, hang or amplify: each gets one short coded
// error (or, for the rewrites, a correct answer), never an executor call it should not get.
func TestHostileInputs(t *testing.T) {
	cases := []httpCase{
		// Malformed or unexpected JSON.
		{name: "malformed json", body: `{"query": `, status: http.StatusBadRequest, code: errcode.InvalidJSON},
		{name: "trailing garbage", body: `{"query":"{ hello }"} {`, status: http.StatusBadRequest, code: errcode.InvalidJSON},
		{name: "json null", body: `null`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "json string", body: `"{ hello }"`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "query is a number", body: `{"query": 1}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "query is an object", body: `{"query": {"a": 1}}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "variables is a string", body: `{"query": "{ hello }", "variables": "x"}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "operationName is an array", body: `{"query": "{ hello }", "operationName": ["a"]}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "extensions is a number", body: `{"query": "{ hello }", "extensions": 3}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "keys match case-sensitively", body: `{"QUERY": "{ hello }"}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "deeply nested json", body: `{"query":"{ hello }","variables":{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`,
			status: http.StatusBadRequest, code: errcode.InvalidJSON},
		{name: "invalid utf-8 body", body: "{\"query\": \"{ hello \xff\xfe }\"}", status: http.StatusBadRequest, code: errcode.InvalidJSON},
		{name: "invalid utf-8 in get", method: http.MethodGet, target: "/graphql?query=%7B%20hello%20%FF%20%7D", status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "invalid variables json in get", method: http.MethodGet, target: getTarget(`{ hello }`, "variables", `{"a":`), status: http.StatusBadRequest, code: errcode.InvalidJSON},
		// Empty bodies.
		{name: "empty body", status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "whitespace body", body: " \n\t ", status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "empty object", body: `{}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "empty query", body: `{"query": ""}`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "empty batch", body: `[]`, status: http.StatusBadRequest, code: errcode.BadRequest},
		{name: "get without query", method: http.MethodGet, status: http.StatusBadRequest, code: errcode.BadRequest},
		// Wrong methods.
		{name: "delete", method: http.MethodDelete, status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed, allow: "GET, POST, OPTIONS"},
		{name: "patch", method: http.MethodPatch, body: queryBody(t, `{ hello }`), status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed},
		{name: "mutation over get with operation name", method: http.MethodGet,
			target: getTarget(`query Q { hello } mutation M { setGreeting(text: "x") }`, "operationName", "M"),
			status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed, allow: "POST"},
		// Wrong content types.
		{name: "no content type", ct: "-", body: queryBody(t, `{ hello }`), status: http.StatusBadRequest, code: errcode.CSRFPrevented},
		{name: "multipart", ct: "multipart/form-data; boundary=x", body: "--x--", status: http.StatusBadRequest, code: errcode.CSRFPrevented},
		{name: "application/graphql", ct: "application/graphql", body: `{ hello }`, status: http.StatusUnsupportedMediaType, code: errcode.UnsupportedMediaType},
		{name: "xml", ct: "application/xml", body: `<q/>`, status: http.StatusUnsupportedMediaType, code: errcode.UnsupportedMediaType},
		{name: "latin-1 charset", ct: "application/json; charset=iso-8859-1", body: queryBody(t, `{ hello }`), status: http.StatusUnsupportedMediaType, code: errcode.UnsupportedMediaType},
		{name: "unparsable content type", ct: "application/json; =", body: queryBody(t, `{ hello }`), status: http.StatusUnsupportedMediaType, code: errcode.UnsupportedMediaType},
		// Persisted queries (the protocol itself is in apq_test.go).
		{name: "persisted query without query", body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`,
			code: errcode.PersistedQueryNotFound},
		{name: "persisted query over get with a malformed hash", method: http.MethodGet,
			target: "/graphql?extensions=" + strings.ReplaceAll(`{"persistedQuery":{"version":1,"sha256Hash":"abc"}}`, `"`, "%22"),
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "persisted query with a query and a malformed hash is refused", body: `{"query":"{ hello }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "persisted query with a huge hash", body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("a", 100<<10) + `"}}}`,
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		// Deep nesting.
		{name: "deep selection past the parser's nesting limit", body: queryBody(t, strings.Repeat("{ a ", 3000)+strings.Repeat("}", 3000)),
			code: errcode.MaxDepthExceeded},
		{name: "deep selection", body: queryBody(t, deepQuery(40)), code: errcode.MaxDepthExceeded},
		{name: "deep through fragments", body: queryBody(t, `{ products { edges { node { ...A } } } }
			fragment A on Product { related(first: 1) { ...B } }
			fragment B on Product { related(first: 1) { ...C } }
			fragment C on Product { related(first: 1) { ...D } }
			fragment D on Product { related(first: 1) { related(first: 1) { related(first: 1) { related(first: 1) { related(first: 1) {
				related(first: 1) { related(first: 1) { related(first: 1) { related(first: 1) { id } } } } } } } } } }`),
			code: errcode.MaxDepthExceeded},
		{name: "deep list argument", body: queryBody(t, `{ hello(name: `+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`) }`),
			code: errcode.MaxDepthExceeded},
		// Alias bombs and amplification.
		{name: "alias bomb", body: queryBody(t, `{ `+repeat("a%d: hello", 2000)+` }`), code: errcode.MaxAliasesExceeded},
		{name: "aliases through a fragment bomb", body: queryBody(t, fragmentBomb(40, "x: hello")), code: errcode.MaxAliasesExceeded},
		{name: "root fields through a fragment bomb", body: queryBody(t, fragmentBomb(60, "hello")), code: errcode.MaxRootFieldsExceeded},
		{name: "overlapping-fields bomb", body: queryBody(t, `{ products { edges { node { `+strings.Repeat("id ", 9000)+`} } } }`), code: errcode.MaxFieldsExceeded},
		{name: "directive bomb", body: queryBody(t, `{ hello`+strings.Repeat(` @unknown`, 3000)+` }`), code: errcode.MaxDirectivesExceeded},
		{name: "token flood", body: queryBody(t, manyTokens(20000)), code: errcode.TokenLimitExceeded},
		{name: "huge name is not echoed", body: queryBody(t, `{ `+strings.Repeat("x", 200<<10)+` }`), code: errcode.ValidationFailed},
		{name: "huge string argument is not echoed", body: queryBody(t, `{ hello(name: 1`+strings.Repeat("0", 100<<10)+`) }`), code: errcode.ValidationFailed},
		{name: "validation error flood", body: queryBody(t, `{ hello(`+repeat("a%d: 1", 500)+`) }`), code: errcode.ValidationFailed, errors: 5},
		// Fragment cycles.
		{name: "fragment cycle", body: queryBody(t, `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`), code: errcode.ValidationFailed},
		{name: "self-spreading fragment", body: queryBody(t, `{ ...A } fragment A on Query { hello ...A }`), code: errcode.ValidationFailed},
		{name: "unknown fragment", body: queryBody(t, `{ ...Nope }`), code: errcode.ValidationFailed},
		// Huge variables.
		{name: "huge variables", body: body(t, map[string]any{"query": `query($v: String) { hello(name: $v) }`, "variables": map[string]any{"v": strings.Repeat("v", 100<<10)}}),
			code: errcode.VariablesTooLarge},
		{name: "huge variables over get", method: http.MethodGet, target: getTarget(`query($v: String) { hello(name: $v) }`, "variables", `{"v":"`+strings.Repeat("v", 12<<10)+`"}`),
			cfg:  func(c *front.Config) { c.MaxVariablesBytes = 8 << 10 },
			code: errcode.VariablesTooLarge},
		{name: "huge variable value is not echoed", body: body(t, map[string]any{"query": `query($v: Int) { products(first: $v) { edges { cursor } } }`,
			"variables": map[string]any{"v": strings.Repeat("7", 50<<10)}}),
			code: errcode.BadUserInput},
		{name: "huge body", body: queryBody(t, `{ hello }`+strings.Repeat("#", 2<<20)), status: http.StatusRequestEntityTooLarge, code: errcode.BodyTooLarge},
		// Batches.
		{name: "too-large batch", body: "[" + strings.TrimSuffix(strings.Repeat(`{"query":"{ hello }"},`, 1000), ",") + "]",
			status: http.StatusBadRequest, code: errcode.BatchLimitExceeded},
		// Untyped inline fragments reach the executor as the client wrote them.
		{name: "two untyped inline fragments", body: queryBody(t, `{ ... { hello } ... { tags } }`), check: jsonEq(`{"hello":"Hello, world!","tags":["a","b"]}`)},
		{name: "untyped inline fragments with directives", body: body(t, map[string]any{
			"query":     `query($no: Boolean!) { ... @include(if: $no) { hello } ... @skip(if: $no) { tags } ... { products(first: 1) { edges { ... { node { ... { id } } } } } } }`,
			"variables": map[string]any{"no": false},
		}), check: jsonEq(`{"tags":["a","b"],"products":{"edges":[{"node":{"id":"Product:1"}}]}}`)},
		{name: "untyped inline fragments in a fragment", body: queryBody(t, `{ ...F } fragment F on Query { ... { hello } ... { hello } }`),
			check: jsonEq(`{"hello":"Hello, world!"}`)},
		// Introspection nested to amplify its answer (graphql-js's MaxIntrospectionDepthRule).
		{name: "introspection lists nested three deep", body: queryBody(t, `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`),
			code: errcode.MaxDepthExceeded},
		{name: "introspection lists nested through a fragment", body: queryBody(t, `{ __type(name: "Query") { ...T } } fragment T on __Type { interfaces { possibleTypes { inputFields { name } } } }`),
			code: errcode.MaxDepthExceeded},
		{name: "introspection lists nested twice passes", body: queryBody(t, `{ __schema { types { fields { type { fields { name } } } } } }`)},
		// Subscriptions and operation names.
		{name: "subscription", body: queryBody(t, `subscription { hello }`), code: errcode.ValidationFailed},
		{name: "several operations without a name", body: queryBody(t, `query A { hello } query B { tags }`), code: errcode.OperationResolutionFailure},
	}
	if len(cases) < 25 {
		t.Fatalf("the hostile table has %d cases, want at least 25", len(cases))
	}
	runCases(t, cases)
}

// TestBatch checks that a batch answers one result per element, in order, each element
// checked on its own.
func TestBatch(t *testing.T) {
	exec := newStaticExecutor(t)
	srv := newServer(t, front.DefaultConfig(), exec)
	for _, accept := range []string{mediaJSON, mediaGQL} {
		t.Run(accept, func(t *testing.T) {
			before := exec.calls.Load()
			r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, accept, strings.NewReader(
				`[{"query":"{ hello }"}, {"query":"{"}, 7, {"query":"mutation { setGreeting(text: \"b\") }"}, {"query":"{ nope }"}]`), nil)
			if r.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200: %s", r.status, r.body)
			}
			var got []gqlResponse
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("body is not a JSON array: %v: %s", err, r.body)
			}
			wantCodes := []string{"", errcode.ParseFailed, errcode.BadRequest, "", errcode.ValidationFailed}
			if len(got) != len(wantCodes) {
				t.Fatalf("got %d results, want %d: %s", len(got), len(wantCodes), r.body)
			}
			for i, want := range wantCodes {
				if c := got[i].code(); c != want {
					t.Errorf("element %d: code got %q, want %q", i, c, want)
				}
			}
			if string(got[3].Data) != `{"setGreeting":"b"}` {
				t.Errorf("element 3: data got %s, want {\"setGreeting\":\"b\"}", got[3].Data)
			}
			if n := exec.calls.Load() - before; n != 2 {
				t.Errorf("executor calls: got %d, want 2", n)
			}
		})
	}
}
