// Package issuer signs tokens the services accept, with keys it makes itself, and
// publishes them as a JWK Set: for `make run`'s development tokens and for tests. It is
// not an identity provider: production tokens come from one (see README,
// Authentication).
package issuer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer holds signing keys; the newest signs. It is safe for concurrent use.
type Issuer struct {
	// Issuer and Audience go into every token.
	Issuer, Audience string

	mu   sync.Mutex
	keys []key // newest last
}

type key struct {
	kid  string
	priv *rsa.PrivateKey
}

// New returns an issuer with one fresh RS256 key.
func New(issuer, audience string) (*Issuer, error) {
	i := &Issuer{Issuer: issuer, Audience: audience}
	if _, err := i.Rotate(false); err != nil {
		return nil, err
	}
	return i, nil
}

// Rotate adds a new key, which signs from now on, and with keepOld false drops the
// others from the published set: tokens they signed stop verifying once a verifier
// fetches the set again. It returns the new key's id.
func (i *Issuer) Rotate(keepOld bool) (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", fmt.Errorf("issuer: key: %w", err)
	}
	var b [8]byte
	rand.Read(b[:])
	k := key{kid: hex.EncodeToString(b[:]), priv: priv}
	i.mu.Lock()
	defer i.mu.Unlock()
	if !keepOld {
		i.keys = nil
	}
	i.keys = append(i.keys, k)
	return k.kid, nil
}

// Claims are what a token says; zero times take defaults (issued now, valid an hour).
type Claims struct {
	Subject   string
	Scopes    []string
	IssuedAt  time.Time
	NotBefore time.Time
	Expires   time.Time
	// Header holds extra JOSE header parameters, for tests of tokens that must be
	// refused (a crit header, for one).
	Header map[string]any
}

// Token signs claims with the newest key.
func (i *Issuer) Token(c Claims) string {
	i.mu.Lock()
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	now := time.Now()
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now
	}
	if c.Expires.IsZero() {
		c.Expires = now.Add(time.Hour)
	}
	claims := jwt.MapClaims{"iss": i.Issuer, "aud": i.Audience, "sub": c.Subject,
		"iat": c.IssuedAt.Unix(), "exp": c.Expires.Unix()}
	if !c.NotBefore.IsZero() {
		claims["nbf"] = c.NotBefore.Unix()
	}
	if len(c.Scopes) > 0 {
		scope := ""
		for j, s := range c.Scopes {
			if j > 0 {
				scope += " "
			}
			scope += s
		}
		claims["scope"] = scope
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.kid
	for name, v := range c.Header {
		t.Header[name] = v
	}
	s, err := t.SignedString(k.priv)
	if err != nil {
		panic(err) // RS256 with a valid RSA key does not fail
	}
	return s
}

// JWKS returns the published key set as JSON.
func (i *Issuer) JWKS() ([]byte, error) {
	i.mu.Lock()
	keys := append([]key(nil), i.keys...)
	i.mu.Unlock()
	store := jwkset.NewMemoryStorage()
	ctx := context.Background()
	for _, k := range keys {
		jwk, err := jwkset.NewJWKFromKey(k.priv.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
			ALG: jwkset.AlgRS256, KID: k.kid, USE: jwkset.UseSig,
		}})
		if err != nil {
			return nil, fmt.Errorf("issuer: jwk: %w", err)
		}
		if err := store.KeyWrite(ctx, jwk); err != nil {
			return nil, err
		}
	}
	return store.JSONPublic(ctx)
}

// Handler serves the key set, as an identity provider's JWKS endpoint does.
func (i *Issuer) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := i.JWKS()
		if err != nil {
			http.Error(w, "jwks unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}
