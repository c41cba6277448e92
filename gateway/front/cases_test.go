package front_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
)

const (
	mediaJSON = "application/json"
	mediaGQL  = "application/graphql-response+json"
)

// httpCase is one request and what the front must answer to it, run once with each of the
// two media types unless accept is set.
type httpCase struct {
	name   string
	cfg    func(*front.Config)
	method string // default POST
	target string // path and query; default /graphql
	ct     string // Content-Type; default application/json for POST, none for GET
	body   string
	hdr    map[string]string
	accept string // run once with this Accept instead of once per media type

	// status is the HTTP status whatever the media type; 0 means a GraphQL request error,
	// answered 200 with application/json and 400 with application/graphql-response+json.
	status int
	// code is the extensions.code of the one error; "" means the operation executes and
	// succeeds.
	code string
	// errors is how many errors the response holds; 0 means exactly one when code is set.
	errors int
	// check inspects a successful response further.
	check func(t *testing.T, data json.RawMessage)
	// allow is the Allow header wanted on a 405.
	allow string
}

// runCases sends every case through real HTTP and checks status, media type, code, that a
// refused request never reaches the executor, and that no refusal echoes its input.
func runCases(t *testing.T, cases []httpCase) {
	t.Helper()
	for _, tc := range cases {
		accepts := []string{mediaJSON, mediaGQL}
		if tc.accept != "" {
			accepts = []string{tc.accept}
		}
		for _, accept := range accepts {
			t.Run(tc.name+"/"+accept, func(t *testing.T) {
				cfg := front.DefaultConfig()
				if tc.cfg != nil {
					tc.cfg(&cfg)
				}
				exec := newStaticExecutor(t)
				srv := newServer(t, cfg, exec)

				method, target, ct := tc.method, tc.target, tc.ct
				if method == "" {
					method = http.MethodPost
				}
				if target == "" {
					target = "/graphql"
				}
				if ct == "-" {
					ct = ""
				} else if ct == "" && method == http.MethodPost {
					ct = mediaJSON
				}
				var body *strings.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				var r httpResult
				if body != nil {
					r = do(t, method, srv.URL+target, ct, accept, body, tc.hdr)
				} else {
					r = do(t, method, srv.URL+target, ct, accept, http.NoBody, tc.hdr)
				}

				wantStatus := tc.status
				if wantStatus == 0 {
					wantStatus = http.StatusOK
					if tc.code != "" && accept == mediaGQL {
						wantStatus = http.StatusBadRequest
					}
				}
				if r.status != wantStatus {
					t.Fatalf("status: got %d, want %d; body %.300s", r.status, wantStatus, r.body)
				}
				wantMedia := mediaJSON
				if accept == mediaGQL {
					wantMedia = mediaGQL
				}
				if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, wantMedia) {
					t.Errorf("Content-Type: got %q, want %s", got, wantMedia)
				}
				if tc.allow != "" {
					if got := r.header.Get("Allow"); got != tc.allow {
						t.Errorf("Allow: got %q, want %q", got, tc.allow)
					}
				}
				g := decode(t, r)
				if tc.code == "" {
					if len(g.Errors) != 0 {
						t.Fatalf("got errors %+v, want none", g.Errors)
					}
					if exec.calls.Load() == 0 {
						t.Errorf("executor was not called, want it called")
					}
					if tc.check != nil {
						tc.check(t, g.Data)
					}
					return
				}
				if got := g.code(); got != tc.code {
					t.Errorf("extensions.code: got %q, want %q (%+v)", got, tc.code, g.Errors)
				}
				wantErrs := max(tc.errors, 1)
				if len(g.Errors) != wantErrs {
					t.Errorf("got %d errors, want %d: %+v", len(g.Errors), wantErrs, g.Errors)
				}
				if g.Data != nil {
					t.Errorf("got data %s on a refused request, want no data entry", g.Data)
				}
				if n := exec.calls.Load(); n != 0 {
					t.Errorf("executor called %d times for a refused request, want 0", n)
				}
				if len(r.body) > 2048 {
					t.Errorf("refusal body is %d bytes, want a short error (no echo of the input)", len(r.body))
				}
			})
		}
	}
}

func body(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func queryBody(t testing.TB, query string) string {
	t.Helper()
	return body(t, map[string]any{"query": query})
}

func getTarget(query string, extra ...string) string {
	v := url.Values{"query": {query}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/graphql?" + v.Encode()
}

// repeat joins n copies of format (with %d replaced by the index) with spaces.
func repeat(format string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.ReplaceAll(format, "%d", fmt.Sprint(i))
	}
	return strings.Join(parts, " ")
}

// deepQuery nests n fields: products > edges > node > related … > id.
func deepQuery(n int) string {
	if n < 4 {
		panic("deepQuery needs n >= 4")
	}
	rel := n - 4
	return "{ products(first: 1) { edges { node { " + strings.Repeat("related(first: 1) { ", rel) + "id" +
		strings.Repeat(" }", rel) + " } } } }"
}

// manyTokens returns a query of about n tokens.
func manyTokens(n int) string {
	return "{ hello" + strings.Repeat(" __typename", n) + " }"
}

func jsonEq(want string) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, data json.RawMessage) {
		t.Helper()
		var g, w any
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("data is not JSON: %v", err)
		}
		if err := json.Unmarshal([]byte(want), &w); err != nil {
			t.Fatalf("want is not JSON: %v", err)
		}
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if string(gb) != string(wb) {
			t.Errorf("data: got %s, want %s", gb, wb)
		}
	}
}
