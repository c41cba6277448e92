package front_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// docExecutor answers like staticExecutor (reading the whole document) and records every
// document it is handed; it is safe for concurrent use.
type docExecutor struct {
	static staticExecutor
	mu     sync.Mutex
	docs   []*ast.QueryDocument
}

func (e *docExecutor) Execute(ctx context.Context, op *front.Operation) *front.Result {
	e.mu.Lock()
	e.docs = append(e.docs, op.Document)
	e.mu.Unlock()
	return e.static.Execute(ctx, op)
}

func (e *docExecutor) lastDoc() *ast.QueryDocument {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.docs) == 0 {
		return nil
	}
	return e.docs[len(e.docs)-1]
}

// serve sends one POST body straight to h and returns the decoded response.
func serve(t testing.TB, h http.Handler, body string) gqlResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", mediaJSON)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return decode(t, httpResult{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()})
}

func newHandler(t testing.TB, cfg front.Config, schema func() *ast.Schema, exec front.Executor) http.Handler {
	t.Helper()
	if schema == nil {
		s := testSchema(t)
		schema = func() *ast.Schema { return s }
	}
	h, err := front.New(cfg, schema, exec, testLogger(t))
	if err != nil {
		t.Fatalf("front.New: %v", err)
	}
	return h
}

// TestDocumentCacheSharesDocuments checks that with the cache on a repeated query text is
// handed to the executor as the same document, and with it off as a new one each time.
func TestDocumentCacheSharesDocuments(t *testing.T) {
	for _, size := range []int{1000, 0} {
		t.Run(fmt.Sprintf("document-cache-size=%d", size), func(t *testing.T) {
			cfg := front.DefaultConfig()
			cfg.DocumentCacheSize = size
			exec := &docExecutor{}
			h := newHandler(t, cfg, nil, exec)
			q := queryBody(t, `query($n: String) { hello(name: $n) }`)
			serve(t, h, q)
			first := exec.lastDoc()
			g := serve(t, h, body(t, map[string]any{"query": `query($n: String) { hello(name: $n) }`, "variables": map[string]any{"n": "again"}}))
			jsonEq(`{"hello":"Hello, again!"}`)(t, g.Data)
			second := exec.lastDoc()
			if first == nil || second == nil {
				t.Fatal("the executor was not called")
			}
			if shared := first == second; shared != (size > 0) {
				t.Errorf("same document for the same text: %v, want %v", shared, size > 0)
			}
			serve(t, h, queryBody(t, `query($n: String) { hello(name: $n)  }`))
			if exec.lastDoc() == first {
				t.Error("another text got the same document")
			}
		})
	}
}

// TestDocumentCacheSchemaReload checks that after the schema func returns a new schema a
// cached outcome is not reused: queries are validated against the schema of the moment.
func TestDocumentCacheSchemaReload(t *testing.T) {
	withTags := testSchema(t)
	withoutTags, err := gqlparser.LoadSchema(&ast.Source{Name: "reloaded", Input: strings.Replace(mergedSDL, "  tags: [String!]!\n", "", 1)})
	if err != nil {
		t.Fatal(err)
	}
	var current atomic.Pointer[ast.Schema]
	current.Store(withTags)
	exec := &docExecutor{}
	h := newHandler(t, front.DefaultConfig(), current.Load, exec)
	q := queryBody(t, `{ tags }`)

	if g := serve(t, h, q); len(g.Errors) != 0 {
		t.Fatalf("before the reload: %+v", g.Errors)
	}
	before := exec.lastDoc()
	current.Store(withoutTags)
	if g := serve(t, h, q); g.code() != errcode.ValidationFailed {
		t.Fatalf("after a reload that removed tags: code %q, want %s", g.code(), errcode.ValidationFailed)
	}
	bad := queryBody(t, `{ nope }`)
	serve(t, h, bad) // a refusal cached for this schema…
	current.Store(withTags)
	if g := serve(t, h, q); len(g.Errors) != 0 {
		t.Fatalf("after reloading tags back: %+v", g.Errors)
	}
	if exec.lastDoc() == before {
		t.Error("the document checked against the first schema object was reused for another")
	}
	if g := serve(t, h, bad); g.code() != errcode.ValidationFailed { // …is checked again for this one
		t.Errorf("{ nope }: code %q, want %s", g.code(), errcode.ValidationFailed)
	}
}

// TestDocumentCacheRepeatsRefusals checks that a cached refusal answers exactly as the first
// time, for each stage that can refuse, and that the GET-mutation rule still applies to a
// document that validation refused.
func TestDocumentCacheRepeatsRefusals(t *testing.T) {
	srv := newServer(t, front.DefaultConfig(), newStaticExecutor(t))
	for _, tc := range []struct{ query, code string }{
		{`{ hello`, errcode.ParseFailed},
		{manyTokens(20000), errcode.TokenLimitExceeded},
		{deepQuery(40), errcode.MaxDepthExceeded},
		{`{ ` + repeat("nope%d", 15) + ` }`, errcode.ValidationFailed},
	} {
		var first string
		for i := range 3 {
			r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaGQL, strings.NewReader(queryBody(t, tc.query)), nil)
			if r.status != http.StatusBadRequest || decode(t, r).code() != tc.code {
				t.Fatalf("%.30s… request %d: got %d %.200s, want 400 %s", tc.query, i, r.status, r.body, tc.code)
			}
			if i == 0 {
				first = string(r.body)
			} else if string(r.body) != first {
				t.Errorf("%.30s… request %d: body %s, want the first answer %s", tc.query, i, r.body, first)
			}
		}
	}
	for range 2 {
		r := do(t, http.MethodGet, srv.URL+getTarget(`mutation { nope }`), "", mediaJSON, http.NoBody, nil)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("invalid mutation over GET: got %d %s, want 405", r.status, r.body)
		}
	}
}

// TestSharedDocumentIsNotChanged sends the same document from many goroutines with
// different operation names, variables and settings: -race reports any write the front
// makes to the shared document while the executor reads it, and the document must print
// the same at the end.
func TestSharedDocumentIsNotChanged(t *testing.T) {
	query := `
query Products($n: Int = 2, $skip: Boolean = false) {
  products(first: $n) { edges { node { ...P related(first: 1) @skip(if: $skip) { ...P } } } }
  ... on Query { hello }
  ... { tags }
}
query Intro { __type(name: "Product") { name } ...F }
fragment P on Product { id name price { amount currency } owner { name } }
fragment F on Query { __typename hello(name: "x") }
`
	for _, introspection := range []bool{true, false} {
		t.Run(fmt.Sprintf("introspection=%v", introspection), func(t *testing.T) {
			cfg := front.DefaultConfig()
			cfg.Introspection = introspection
			exec := &docExecutor{}
			h := newHandler(t, cfg, nil, exec)
			serve(t, h, body(t, map[string]any{"query": query, "operationName": "Products"}))
			doc := exec.lastDoc()
			if doc == nil {
				t.Fatal("the executor was not called")
			}
			var before bytes.Buffer
			formatter.NewFormatter(&before).FormatQueryDocument(doc)

			bodies := []string{
				body(t, map[string]any{"query": query, "operationName": "Products", "variables": map[string]any{"n": 3, "skip": true}}),
				body(t, map[string]any{"query": query, "operationName": "Products", "variables": map[string]any{"n": 1.0}}),
				body(t, map[string]any{"query": query, "operationName": "Products", "variables": map[string]any{"n": "x"}}),
				body(t, map[string]any{"query": query, "operationName": "Intro"}),
				body(t, map[string]any{"query": query, "operationName": "Nope"}),
				body(t, map[string]any{"query": query}),
				body(t, map[string]any{"query": query, "operationName": "Products", "variables": map[string]any{"n": 100000}}),
			}
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 40 {
						req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(bodies[(g+i)%len(bodies)]))
						req.Header.Set("Content-Type", mediaJSON)
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK || !json.Valid(rec.Body.Bytes()) {
							t.Errorf("got %d %s", rec.Code, rec.Body.Bytes())
						}
					}
				})
			}
			wg.Wait()

			var after bytes.Buffer
			formatter.NewFormatter(&after).FormatQueryDocument(doc)
			if before.String() != after.String() {
				t.Errorf("the shared document changed:\nbefore:\n%s\nafter:\n%s", before.String(), after.String())
			}
			exec.mu.Lock()
			defer exec.mu.Unlock()
			for _, d := range exec.docs {
				if d != doc {
					t.Fatalf("a request got another document than the cached one")
				}
			}
		})
	}
}

// TestOperationVariablesArePlain checks the Operation contract at the executor: coerced
// variables hold no json.Number.
func TestOperationVariablesArePlain(t *testing.T) {
	exec := &recordingExecutor{}
	h := newHandler(t, front.DefaultConfig(), nil, exec)
	serve(t, h, `{"query":"query($n: Int, $s: String) { products(first: $n) { edges { cursor } } hello(name: $s) }","variables":{"n":2,"s":"x"}}`)
	if exec.last == nil {
		t.Fatal("the executor was not called")
	}
	for k, v := range exec.last.Variables {
		if _, ok := v.(json.Number); ok {
			t.Errorf("Variables[%q] is a json.Number", k)
		}
	}
	if got := exec.last.Variables["n"]; got != int64(2) {
		t.Errorf("Variables[n]: got %#v, want int64(2)", got)
	}
}
