package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// The development issuer's iss and aud. Production settings come from an identity
// provider (docs/authentication.md).
const (
	devIssuer   = "fedgraph-devgraph"
	devAudience = "fedgraph"
	// devTokenTTL is how long the printed tokens stay valid: a working day and more.
	devTokenTTL = 24 * time.Hour
)

// devAuth is authentication as `make run` sets it up: a key made at start, its JWK Set
// in a file that every service's verifier reads (the same settings everywhere, as in
// production), and tokens signed with it.
type devAuth struct {
	issuer   *issuer.Issuer
	verifier *auth.Verifier
}

// newDevAuth makes the development key and the verifier the gateway and every
// subgraph share. The JWK Set file lives in a temporary directory that close removes.
func newDevAuth(ctx context.Context) (d *devAuth, close func(), err error) {
	iss, err := issuer.New(devIssuer, devAudience)
	if err != nil {
		return nil, nil, err
	}
	jwks, err := iss.JWKS()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "devgraph-jwks-")
	if err != nil {
		return nil, nil, err
	}
	close = func() { os.RemoveAll(dir) }
	file := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(file, jwks, 0o600); err != nil {
		close()
		return nil, nil, err
	}
	cfg := auth.DefaultConfig()
	cfg.JWKSFile, cfg.Issuer, cfg.Audience = file, devIssuer, devAudience
	v, err := auth.New(ctx, cfg)
	if err != nil {
		close()
		return nil, nil, err
	}
	return &devAuth{issuer: iss, verifier: v}, close, nil
}

// token signs a development token for subject (a user's global id) with scopes.
func (d *devAuth) token(subject string, scopes ...string) string {
	return d.issuer.Token(issuer.Claims{Subject: subject, Scopes: scopes, Expires: time.Now().Add(devTokenTTL)})
}

// adminToken is the operator's token: the admin scope, which the subgraphs' write rules
// let do everything (subgraph.AdminScope).
func (d *devAuth) adminToken() string { return d.token("User:devgraph-admin", subgraph.AdminScope) }

// playgroundHeaders is the JSON object GraphiQL's headers editor starts with.
func playgroundHeaders(token string) string {
	return fmt.Sprintf(`{"Authorization": "Bearer %s"}`, token)
}
