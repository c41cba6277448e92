package front_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// claimsExecutor records the claims and forwarded headers it ran with.
type claimsExecutor struct {
	claims *auth.Claims
	header http.Header
	calls  int
}

func (e *claimsExecutor) Execute(ctx context.Context, op *front.Operation) *front.Result {
	e.calls++
	e.claims, e.header = auth.FromContext(ctx), op.Header
	return &front.Result{Data: []byte(`{"hello":"Hello, world!"}`)}
}

// authFront serves the front with a verifier of a fresh issuer's JWKS URL.
func authFront(t testing.TB, exec front.Executor) (*issuer.Issuer, *httptest.Server) {
	t.Helper()
	return authFrontWith(t, front.DefaultConfig(), exec)
}

// authFrontWith is authFront with the front configured as cfg.
func authFrontWith(t testing.TB, cfg front.Config, exec front.Executor) (*issuer.Issuer, *httptest.Server) {
	t.Helper()
	return authFrontOn(t, cfg, testSchema(t), exec)
}

// authFrontOn is authFrontWith over schema.
func authFrontOn(t testing.TB, cfg front.Config, schema *ast.Schema, exec front.Executor) (*issuer.Issuer, *httptest.Server) {
	t.Helper()
	iss, err := issuer.New("https://issuer.test", "fedgraph")
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss.Handler())
	t.Cleanup(jwks.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	acfg := auth.DefaultConfig()
	acfg.JWKSURL, acfg.Issuer, acfg.Audience, acfg.UnknownKeyRefresh = jwks.URL, iss.Issuer, iss.Audience, time.Millisecond
	v, err := auth.New(ctx, acfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := front.New(cfg, func() *ast.Schema { return schema }, exec, testLogger(t), front.WithVerifier(v))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return iss, srv
}

// TestBadTokens sends every kind of bad bearer token, to a query and a mutation, over
// both media types: each is refused with 401 UNAUTHENTICATED and never executed.
func TestBadTokens(t *testing.T) {
	exec := &claimsExecutor{}
	iss, srv := authFront(t, exec)
	for _, bad := range iss.BadTokens() {
		for _, q := range []string{`{ hello }`, `mutation { setGreeting(text: "x") }`} {
			for _, accept := range []string{mediaJSON, mediaGQL} {
				r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, accept, strings.NewReader(queryBody(t, q)), map[string]string{"Authorization": bad.Header})
				if got := decode(t, r).code(); r.status != http.StatusUnauthorized || got != errcode.Unauthenticated {
					t.Errorf("%s, %s, %s: got %d %q, want 401 %s", bad.Name, q, accept, r.status, got, errcode.Unauthenticated)
				}
				if h := r.header.Get("WWW-Authenticate"); h != `Bearer error="invalid_token"` {
					t.Errorf("%s: WWW-Authenticate %q", bad.Name, h)
				}
				if strings.Contains(string(r.body), "Bearer") || strings.Contains(string(r.body), "eyJ") {
					t.Errorf("%s: the answer echoes the token: %s", bad.Name, r.body)
				}
			}
		}
	}
	if exec.calls != 0 {
		t.Errorf("the executor ran %d times for refused tokens", exec.calls)
	}

	// A good token reaches the executor with its claims, and is forwarded.
	tok := iss.Token(issuer.Claims{Subject: "User:1", Scopes: []string{"admin"}})
	r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(queryBody(t, `{ hello }`)), map[string]string{"Authorization": "Bearer " + tok})
	if r.status != http.StatusOK || exec.claims == nil || exec.claims.Subject != "User:1" || !exec.claims.HasScope("admin") {
		t.Errorf("good token: %d %s, claims %+v", r.status, r.body, exec.claims)
	}
	if got := exec.header.Get("Authorization"); got != "Bearer "+tok {
		t.Errorf("forwarded Authorization: %q", got)
	}
	// No token: anonymous, nothing forwarded.
	r = do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(queryBody(t, `{ hello }`)), nil)
	if r.status != http.StatusOK || exec.claims != nil || exec.header.Get("Authorization") != "" {
		t.Errorf("no token: %d, claims %+v, header %v", r.status, exec.claims, exec.header)
	}
}

// FuzzAuthorization feeds arbitrary Authorization headers through the front: it never
// crashes, and answers 200 or 401.
func FuzzAuthorization(f *testing.F) {
	iss, srv := authFront(f, &claimsExecutor{})
	for _, bad := range iss.BadTokens() {
		f.Add(bad.Header)
	}
	f.Add("Bearer " + iss.Token(issuer.Claims{Subject: "User:1"}))
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ hello }"}`))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if strings.ContainsAny(header, "\r\n\x00") {
			return // not a header value a client can send
		}
		req.Header.Set("Authorization", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the client refused the header
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("Authorization %q: status %d", header, resp.StatusCode)
		}
	})
}
