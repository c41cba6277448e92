package front_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// remoteSDL is the one fake subgraph behind the test gateway.
const remoteSDL = `
type Query {
  hello(name: String): String!
  products(first: Int = 20, after: String): ProductConnection!
  tags: [String!]!
}
type Mutation {
  setGreeting(text: String!): String!
}
type ProductConnection {
  edges: [ProductEdge!]!
  pageInfo: PageInfo!
}
type ProductEdge {
  cursor: String!
  node: Product!
}
type PageInfo {
  hasNextPage: Boolean!
}
type Product {
  id: ID!
  name: String!
  price: Money!
  related(first: Int): [Product!]!
  owner: User
}
type User {
  id: ID!
  name: String!
  email: String!
}
type Money {
  amount: String!
  currency: String!
}
`

// mergedSDL is remoteSDL as a stitching gateway serves it, with Node and Query.node.
const mergedSDL = remoteSDL + `
interface Node { id: ID! }
extend type Query { node(id: ID!): Node }
`

// testSchema returns the merged schema the front validates against.
func testSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "merged", Input: mergedSDL})
	if err != nil {
		t.Fatalf("load merged schema: %v", err)
	}
	return s
}

// staticExecutor answers operations from static data by walking the validated document
// itself, so that the front's tests exercise the front alone, with no planner behind it.
// It counts its calls.
type staticExecutor struct {
	calls atomic.Int64
}

func (e *staticExecutor) Execute(_ context.Context, op *front.Operation) *front.Result {
	e.calls.Add(1)
	data, err := resolveRemote(op.Document, op.OperationName, op.Variables)
	if err != nil {
		return &front.Result{Errors: gqlerror.List{{Message: err.Error()}}}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return &front.Result{Errors: gqlerror.List{{Message: err.Error()}}}
	}
	return &front.Result{Data: b}
}

// newStaticExecutor returns an executor over the fake graph of remoteSDL.
func newStaticExecutor(testing.TB) *staticExecutor { return &staticExecutor{} }

// resolveRemote answers an operation of doc from the fake graph's static data.
func resolveRemote(doc *ast.QueryDocument, operationName string, vars map[string]any) (any, error) {
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil, errors.New("no such operation")
	}
	root := map[string]any{}
	for _, f := range collect(op.SelectionSet, doc, vars) {
		args := f.ArgumentMap(vars)
		var v any
		switch f.Name {
		case "__typename":
			v = f.ObjectDefinition.Name
		case "hello":
			name, _ := args["name"].(string)
			if name == "" {
				name = "world"
			}
			v = "Hello, " + name + "!"
		case "setGreeting":
			v = args["text"]
		case "tags":
			v = []any{"a", "b"}
		case "products":
			n := 3
			if first, ok := toInt(args["first"]); ok && first < n {
				n = first
			}
			edges := make([]any, n)
			for i := range n {
				edges[i] = map[string]any{
					"cursor": fmt.Sprint(i),
					"node": map[string]any{
						"id": fmt.Sprintf("Product:%d", i+1), "name": fmt.Sprintf("Product %d", i+1),
						"price":   map[string]any{"amount": fmt.Sprintf("%d.00", 10*(i+1)), "currency": "EUR"},
						"related": []any{},
						"owner":   map[string]any{"id": "User:1", "name": "Ada Lovelace", "email": "ada@example.com"},
					},
				}
			}
			v = map[string]any{"edges": edges, "pageInfo": map[string]any{"hasNextPage": n < 3}}
		}
		root[f.Alias] = project(v, f, doc, vars)
	}
	return root, nil
}

func toInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// project keeps the selected fields of v, following aliases and __typename.
func project(v any, f *ast.Field, doc *ast.QueryDocument, vars map[string]any) any {
	if len(f.SelectionSet) == 0 || v == nil {
		return v
	}
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = project(e, f, doc, vars)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for _, sub := range collect(f.SelectionSet, doc, vars) {
			if sub.Name == "__typename" {
				out[sub.Alias] = f.Definition.Type.Name()
				continue
			}
			out[sub.Alias] = project(v[sub.Name], sub, doc, vars)
		}
		return out
	}
	return v
}

// collect flattens fragments and applies @skip and @include; the fake data has no abstract
// types.
func collect(set ast.SelectionSet, doc *ast.QueryDocument, vars map[string]any) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if included(sel.Directives, vars) {
				out = append(out, sel)
			}
		case *ast.InlineFragment:
			if included(sel.Directives, vars) {
				out = append(out, collect(sel.SelectionSet, doc, vars)...)
			}
		case *ast.FragmentSpread:
			if def := doc.Fragments.ForName(sel.Name); def != nil && included(sel.Directives, vars) {
				out = append(out, collect(def.SelectionSet, doc, vars)...)
			}
		}
	}
	return out
}

func included(dirs ast.DirectiveList, vars map[string]any) bool {
	for _, d := range dirs {
		arg := d.Arguments.ForName("if")
		if arg == nil {
			continue
		}
		v, _ := arg.Value.Value(vars)
		b, _ := v.(bool)
		if d.Name == "skip" && b || d.Name == "include" && !b {
			return false
		}
	}
	return true
}

// recordingExecutor keeps the last operation it was given.
type recordingExecutor struct{ last *front.Operation }

func (e *recordingExecutor) Execute(_ context.Context, op *front.Operation) *front.Result {
	e.last = op
	return &front.Result{Data: []byte(`{}`)}
}

// trivialExecutor answers every operation with the same data; it counts its calls.
type trivialExecutor struct{ calls atomic.Int64 }

func (e *trivialExecutor) Execute(context.Context, *front.Operation) *front.Result {
	e.calls.Add(1)
	return &front.Result{Data: []byte(`{"__typename":"Query"}`)}
}

// testLogger discards logs unless the test runs with -v.
func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// newServer starts the front over exec with cfg on a loopback httptest server.
func newServer(t testing.TB, cfg front.Config, exec front.Executor) *httptest.Server {
	t.Helper()
	schema := testSchema(t)
	h, err := front.New(cfg, func() *ast.Schema { return schema }, exec, testLogger(t))
	if err != nil {
		t.Fatalf("front.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// gqlResponse is a decoded GraphQL response.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// httpResult is a response read in full.
type httpResult struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request and reads the whole response.
func do(t testing.TB, method, url, contentType, accept string, body io.Reader, hdr map[string]string) httpResult {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return httpResult{status: resp.StatusCode, header: resp.Header, body: b}
}

// decode parses a single GraphQL response, failing the test on anything else.
func decode(t testing.TB, r httpResult) gqlResponse {
	t.Helper()
	var g gqlResponse
	if err := json.Unmarshal(r.body, &g); err != nil {
		t.Fatalf("response is not a GraphQL JSON object (status %d): %v: %.300s", r.status, err, r.body)
	}
	return g
}

func jsonBody(t testing.TB, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return bytes.NewReader(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// newHTTPTestServer serves h on loopback and returns its URL.
func newHTTPTestServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
