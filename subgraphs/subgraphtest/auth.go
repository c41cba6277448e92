package subgraphtest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
)

// Auth is a token issuer and a verifier that trusts it, as a subgraph runs with
// authentication on: the verifier reads the issuer's JWK Set from a file.
type Auth struct {
	Issuer   *issuer.Issuer
	Verifier *auth.Verifier
}

// NewAuth returns an issuer with a fresh key and a verifier of its tokens.
func NewAuth(t testing.TB) Auth {
	t.Helper()
	iss, err := issuer.New("https://issuer.test", "fedgraph-test")
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := iss.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := auth.DefaultConfig()
	cfg.JWKSFile, cfg.Issuer, cfg.Audience = file, iss.Issuer, iss.Audience
	v, err := auth.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return Auth{Issuer: iss, Verifier: v}
}

// As returns the Authorization header of a token for sub with scopes.
func (a Auth) As(sub string, scopes ...string) http.Header {
	return http.Header{"Authorization": {"Bearer " + a.Issuer.Token(issuer.Claims{Subject: sub, Scopes: scopes})}}
}

// Admin returns the Authorization header of a token with the admin scope.
func (a Auth) Admin() http.Header { return a.As("User:admin-of-the-test", "admin") }
