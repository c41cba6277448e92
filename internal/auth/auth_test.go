package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
)

func request(header string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

// TestVerifier runs every bad token and a good one through a verifier of a JWKS URL.
func TestVerifier(t *testing.T) {
	iss, err := issuer.New("https://issuer.test", "fedgraph")
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss.Handler())
	defer jwks.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := auth.New(ctx, auth.Config{JWKSURL: jwks.URL, Issuer: iss.Issuer, Audience: iss.Audience, UnknownKeyRefresh: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range iss.BadTokens() {
		t.Run(bad.Name, func(t *testing.T) {
			if c, err := v.Authenticate(request(bad.Header)); err == nil {
				t.Errorf("accepted, claims %+v", c)
			}
		})
	}
	c, err := v.Authenticate(request("Bearer " + iss.Token(issuer.Claims{Subject: "User:1", Scopes: []string{"admin", "read"}})))
	if err != nil || c.Subject != "User:1" || !slices.Equal(c.Scopes, []string{"admin", "read"}) || !c.HasScope("admin") {
		t.Errorf("good token: %+v %v", c, err)
	}
	if c, err := v.Authenticate(request("")); c != nil || err != nil {
		t.Errorf("no token: %+v %v, want anonymous", c, err)
	}
}

// TestKeyRotation rotates the issuer's key: a token of the new key id is picked up by
// fetching the set again, and one of the removed key is refused from then on.
func TestKeyRotation(t *testing.T) {
	iss, _ := issuer.New("https://issuer.test", "fedgraph")
	jwks := httptest.NewServer(iss.Handler())
	defer jwks.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := auth.New(ctx, auth.Config{JWKSURL: jwks.URL, Issuer: iss.Issuer, Audience: iss.Audience, UnknownKeyRefresh: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	old := iss.Token(issuer.Claims{Subject: "User:1"})
	if _, err := v.Authenticate(request("Bearer " + old)); err != nil {
		t.Fatalf("the first key's token: %v", err)
	}
	if _, err := iss.Rotate(false); err != nil {
		t.Fatal(err)
	}
	fresh := iss.Token(issuer.Claims{Subject: "User:1"})
	if _, err := v.Authenticate(request("Bearer " + fresh)); err != nil {
		t.Fatalf("the new key's token was not picked up: %v", err)
	}
	if _, err := v.Authenticate(request("Bearer " + old)); err == nil {
		t.Error("the removed key's token still verifies")
	}
}

// TestConfig checks that every bad setting is reported at once, and that a JWKS file
// works as a URL does.
func TestConfig(t *testing.T) {
	_, err := auth.New(context.Background(), auth.Config{JWKSURL: "http://x", JWKSFile: "y", Algorithms: []string{"HS256", "none"}, ClockSkew: time.Hour})
	for _, want := range []string{"not both", "-jwt-issuer", `"HS256"`, `"none"`, "clock skew"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad config: error %v lacks %q", err, want)
		}
	}
	iss, _ := issuer.New("https://issuer.test", "fedgraph")
	b, _ := iss.JWKS()
	file := filepath.Join(t.TempDir(), "jwks.json")
	os.WriteFile(file, b, 0o600)
	v, err := auth.New(context.Background(), auth.Config{JWKSFile: file, Issuer: iss.Issuer, Audience: iss.Audience})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Authenticate(request("Bearer " + iss.Token(issuer.Claims{Subject: "User:1"}))); err != nil {
		t.Errorf("a token of the JWKS file: %v", err)
	}
	if v, err := auth.New(context.Background(), auth.Config{}); v != nil || err != nil {
		t.Errorf("no keys: %v %v, want authentication off", v, err)
	}
	var off *auth.Verifier
	if c, err := off.Authenticate(request("Bearer whatever")); c != nil || err != nil {
		t.Errorf("authentication off: %+v %v, want anonymous", c, err)
	}
}
