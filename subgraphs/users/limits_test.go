package users_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// rawPost sends body as is, with Content-Length unless chunked.
func rawPost(t *testing.T, url string, body []byte, chunked bool) graphqltest.Response {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // hides the length: the client sends it chunked
	}
	req, err := http.NewRequest(http.MethodPost, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := graphqltest.Response{Status: resp.StatusCode, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response %s: %v", raw, err)
	}
	return out
}

func body(query string) []byte {
	b, _ := json.Marshal(map[string]any{"query": query})
	return b
}

// bomb is a document whose fragments spread each other twice over, n levels deep:
// 2^n fields once expanded, a few hundred bytes written.
func bomb(n int) string {
	var b strings.Builder
	b.WriteString("{ users { ...f0 } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment f%d on UserConnection { edges { cursor } ...f%d ...f%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment f%d on UserConnection { edges { cursor } }\n", n)
	return b.String()
}

// TestLimits checks each limit the subgraph enforces on its own, at its edge: a
// request past it is refused with the gateway front's code and shape, before it runs
// (no Redis round trip), and one at the limit runs.
func TestLimits(t *testing.T) {
	r := redistest.New(t)
	cfg := config(r.Client, r.Prefix)
	cfg.Limits.MaxBodyBytes, cfg.Limits.MaxDepth, cfg.Limits.MaxSelections, cfg.Limits.MaxComplexity = 200, 3, 6, 21
	url := serve(t, cfg) + "/graphql"
	defaults := serve(t, config(r.Client, r.Prefix)) + "/graphql"
	// padded is a request for query of exactly size bytes.
	padded := func(query string, size int) []byte {
		b := body(query)
		prefix := string(b[:len(b)-1]) + `,"extensions":{"pad":"`
		return []byte(prefix + strings.Repeat("x", size-len(prefix)-len(`"}}`)) + `"}}`)
	}
	tests := []struct {
		name       string
		url        string
		body       []byte
		chunked    bool
		wantStatus int
		wantCode   string // "" runs
	}{
		{"body at the limit", url, padded(`{ __typename }`, 200), false, 200, ""},
		{"body past the limit", url, padded(`{ __typename }`, 201), false, 413, errcode.BodyTooLarge},
		{"chunked body past the limit", url, padded(`{ __typename }`, 201), true, 413, errcode.BodyTooLarge},
		{"depth at the limit", url, body(`{ users(first: 10) { edges { cursor } } }`), false, 200, ""},
		{"depth past the limit", url, body(`{ users(first: 1) { edges { node { id } } } }`), false, 200, errcode.MaxDepthExceeded},
		{"depth past the limit through a fragment", url, body(`{ users(first: 1) { ...F } } fragment F on UserConnection { edges { node { id } } }`), false, 200, errcode.MaxDepthExceeded},
		{"a mutation past a limit", url, body(`mutation { createUser(input: {name: "A", email: "a@example.com"}) { id name email createdAt version __typename } }`), false, 200, errcode.MaxFieldsExceeded},
		{"selections past the limit", url, body(`{ a: __typename b: __typename c: __typename d: __typename e: __typename f: __typename g: __typename }`), false, 200, errcode.MaxFieldsExceeded},
		{"complexity at the limit", url, body(`{ users(first: 10) { edges { cursor } } }`), false, 200, ""},
		{"complexity past the limit", url, body(`{ users(first: 11) { edges { cursor } } }`), false, 200, errcode.CostLimitExceeded},
		{"complexity of the default page", url, body(`{ users { edges { cursor } } }`), false, 200, errcode.CostLimitExceeded},
		// With the defaults: hostile documents are refused at once rather than tying
		// the subgraph up. gqlgen's own complexity would walk 2^60 fields here, and
		// gqlparser's validation of 20,000 copies of one field takes minutes.
		{"fragment bomb", defaults, body(bomb(60)), false, 200, errcode.CostLimitExceeded},
		{"one field 20,000 times", defaults, body("{ " + strings.Repeat("__typename ", 20000) + "}"), false, 200, errcode.MaxFieldsExceeded},
		{"nesting 100 deep", defaults, body(strings.Repeat("{ users { edges { node ", 25) + "{ id }" + strings.Repeat(" } } }", 25)), false, 200, errcode.MaxDepthExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.RoundTrips.Store(0)
			got := rawPost(t, tt.url, tt.body, tt.chunked)
			if got.Status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", got.Status, tt.wantStatus, got.Raw)
			}
			code := ""
			if len(got.Errors) > 0 {
				code, _ = got.Errors[0].Extensions["code"].(string)
			}
			if tt.wantCode == "" {
				if strings.Contains(got.Raw, "EXCEEDED") || strings.Contains(got.Raw, "TOO_LARGE") {
					t.Errorf("refused a request within the limits: %s", got.Raw)
				}
				return
			}
			// gqlgen writes "data": null with a request error.
			if code != tt.wantCode || len(got.Errors) != 1 || got.Errors[0].Message == "" || got.Data != nil && string(got.Data) != "null" {
				t.Errorf("got %s, want one %s error and no data", got.Raw, tt.wantCode)
			}
			if n := r.RoundTrips.Load(); n != 0 {
				t.Errorf("a refused request cost %d Redis round trips, want 0", n)
			}
		})
	}
}

// gatewayBatch is a document shaped as the gateway's executor sends a step's lookups:
// one aliased node(id:) per id, each spreading one fragment that holds the client's
// selection, the ids as variables.
func gatewayBatch(ids []string, typ, selection string) []byte {
	var q strings.Builder
	q.WriteString("query(")
	vars := map[string]any{}
	for i, id := range ids {
		fmt.Fprintf(&q, "$_f%d:ID!,", i)
		vars[fmt.Sprintf("_f%d", i)] = id
	}
	q.WriteString("){")
	for i := range ids {
		fmt.Fprintf(&q, "_f%d:node(id:$_f%d){..._fS1}", i, i)
	}
	fmt.Fprintf(&q, "} fragment _fS1 on %s {%s}", typ, selection)
	b, _ := json.Marshal(map[string]any{"query": q.String(), "variables": vars})
	return b
}

// TestDefaultLimitsAdmitGatewayBatches sends what the gateway may send at its own
// limits: 500 lookups in one request, each selecting 500 fields (the gateway's
// max-fields). The defaults admit it.
func TestDefaultLimitsAdmitGatewayBatches(t *testing.T) {
	r := redistest.New(t)
	url := serve(t, config(r.Client, r.Prefix)) + "/graphql"
	var ids []string
	for range 500 {
		ids = append(ids, relay.NewID("User"))
	}
	sel := []string{"id", "name", "email", "createdAt", "version", "__typename"}
	for i := len(sel); i < 500; i++ {
		sel = append(sel, fmt.Sprintf("f%d: %s", i, []string{"name", "email", "id"}[i%3]))
	}
	b := gatewayBatch(ids, "User", strings.Join(sel, " "))
	got := rawPost(t, url, b, false)
	if got.Status != 200 || len(got.Errors) > 0 {
		t.Fatalf("a %d-byte gateway batch of 500 lookups of 500 fields: %d %.300s", len(b), got.Status, got.Raw)
	}
	var data map[string]any
	json.Unmarshal(got.Data, &data)
	if len(data) != 500 {
		t.Errorf("%d lookups answered, want 500", len(data))
	}
}
