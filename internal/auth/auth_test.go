package auth_test

import (
	"context"
	"flag"
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
	cfg := auth.DefaultConfig()
	cfg.JWKSURL, cfg.Issuer, cfg.Audience, cfg.UnknownKeyRefresh = jwks.URL, iss.Issuer, iss.Audience, time.Millisecond
	v, err := auth.New(ctx, cfg)
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
	cfg := auth.DefaultConfig()
	cfg.JWKSURL, cfg.Issuer, cfg.Audience, cfg.UnknownKeyRefresh = jwks.URL, iss.Issuer, iss.Audience, time.Millisecond
	v, err := auth.New(ctx, cfg)
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
	bad := auth.DefaultConfig()
	bad.JWKSURL, bad.JWKSFile, bad.Algorithms, bad.ClockSkew, bad.JWKSTimeout = "http://x", "y", []string{"HS256", "none"}, time.Hour, 0
	_, err := auth.New(context.Background(), bad)
	for _, want := range []string{"not both", "-jwt-issuer", `"HS256"`, `"none"`, "clock skew", "jwks-timeout must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad config: error %v lacks %q", err, want)
		}
	}
	iss, _ := issuer.New("https://issuer.test", "fedgraph")
	b, _ := iss.JWKS()
	file := filepath.Join(t.TempDir(), "jwks.json")
	os.WriteFile(file, b, 0o600)
	cfg := auth.DefaultConfig()
	cfg.JWKSFile, cfg.Issuer, cfg.Audience = file, iss.Issuer, iss.Audience
	v, err := auth.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Authenticate(request("Bearer " + iss.Token(issuer.Claims{Subject: "User:1"}))); err != nil {
		t.Errorf("a token of the JWKS file: %v", err)
	}
	if v, err := auth.New(context.Background(), auth.DefaultConfig()); v != nil || err != nil {
		t.Errorf("no keys: %v %v, want authentication off", v, err)
	}
	var off *auth.Verifier
	if c, err := off.Authenticate(request("Bearer whatever")); c != nil || err != nil {
		t.Errorf("authentication off: %+v %v, want anonymous", c, err)
	}
}

// TestZeroIsNotADefault checks that a zero setting is what it says: no clock skew is
// accepted as such, and a zero timeout or refresh is refused rather than taken for
// its default.
func TestZeroIsNotADefault(t *testing.T) {
	skew := auth.DefaultConfig()
	skew.ClockSkew = 0
	if err := skew.Validate(); err != nil {
		t.Errorf("-jwt-clock-skew 0: %v, want accepted (no leeway)", err)
	}
	err := auth.Config{}.Validate()
	for _, want := range []string{"jwks-timeout must be positive", "jwks-refresh must be positive", "jwks-unknown-key-refresh must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Config{}.Validate() = %v, lacks %q", err, want)
		}
	}
	keys := auth.DefaultConfig()
	keys.JWKSFile, keys.Issuer, keys.Audience, keys.Algorithms = "f", "i", "a", nil
	if err := keys.Validate(); err == nil || !strings.Contains(err.Error(), "at least one algorithm") {
		t.Errorf("no algorithms: %v, want refused", err)
	}
}

// TestFlagsDefaultToTheConfig checks that each flag's default is the Config's value it
// is bound to, so DefaultConfig is the one place a default is written.
func TestFlagsDefaultToTheConfig(t *testing.T) {
	cfg := auth.DefaultConfig()
	cfg.ClockSkew, cfg.Algorithms = time.Second, []string{"EdDSA"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	for name, want := range map[string]string{"jwt-clock-skew": "1s", "jwt-algorithms": "EdDSA", "jwks-timeout": "5s"} {
		if got := fs.Lookup(name).DefValue; got != want {
			t.Errorf("-%s default = %q, want %q", name, got, want)
		}
	}
}
