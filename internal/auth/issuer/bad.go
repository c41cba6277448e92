package issuer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BadToken is an Authorization header value a verifier must refuse, and why.
type BadToken struct {
	Name   string
	Header string
}

// BadTokens returns one header of every kind a verifier of this issuer must refuse:
// forged, expired, early, for another audience or issuer, unsigned, signed with an HMAC
// of the public key (the algorithm-confusion attack), malformed, without exp or sub, in
// another scheme, and signed by the trusted key but with a crit header (RFC 7515
// §4.1.11: a recipient must refuse extensions it does not understand, and the services
// understand none).
func (i *Issuer) BadTokens() []BadToken {
	good := i.Token(Claims{Subject: "User:bad-token-test"})
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[len(sig)/2] ^= 1
	i.mu.Lock()
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	sign := func(method jwt.SigningMethod, secret any, claims jwt.MapClaims, kid string) string {
		t := jwt.NewWithClaims(method, claims)
		if kid != "" {
			t.Header["kid"] = kid
		}
		s, err := t.SignedString(secret)
		if err != nil {
			panic(err)
		}
		return s
	}
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": i.Issuer, "aud": i.Audience, "sub": "User:bad-token-test", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	with := func(k string, v any) jwt.MapClaims { c := base(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := base(); delete(c, k); return c }
	pub, _ := x509.MarshalPKIXPublicKey(k.priv.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	withCrit := func(v any) string {
		return i.Token(Claims{Subject: "User:bad-token-test", Header: map[string]any{"crit": v, "x-must-understand": true}})
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	bearer := func(s string) string { return "Bearer " + s }
	return []BadToken{
		{"bad signature", bearer(parts[0] + "." + parts[1] + "." + string(sig))},
		{"signed by another key with a known key id", bearer(sign(jwt.SigningMethodRS256, other, base(), k.kid))},
		{"signed by an unknown key", bearer(sign(jwt.SigningMethodRS256, other, base(), "unknown-kid"))},
		{"expired", bearer(sign(jwt.SigningMethodRS256, k.priv, with("exp", now.Add(-time.Hour).Unix()), k.kid))},
		{"not valid yet", bearer(sign(jwt.SigningMethodRS256, k.priv, with("nbf", now.Add(time.Hour).Unix()), k.kid))},
		{"issued in the future", bearer(sign(jwt.SigningMethodRS256, k.priv, with("iat", now.Add(time.Hour).Unix()), k.kid))},
		{"wrong audience", bearer(sign(jwt.SigningMethodRS256, k.priv, with("aud", "someone-else"), k.kid))},
		{"wrong issuer", bearer(sign(jwt.SigningMethodRS256, k.priv, with("iss", "https://evil.example"), k.kid))},
		{"no exp", bearer(sign(jwt.SigningMethodRS256, k.priv, without("exp"), k.kid))},
		{"no sub", bearer(sign(jwt.SigningMethodRS256, k.priv, without("sub"), k.kid))},
		{"alg none", bearer(none)},
		{"HMAC signed with the public key", bearer(sign(jwt.SigningMethodHS256, pubPEM, base(), k.kid))},
		{"malformed: not a JWT", bearer("not-a-token")},
		{"malformed: two parts", bearer(parts[0] + "." + parts[1])},
		{"malformed: bad base64", bearer("!!!." + parts[1] + "." + parts[2])},
		{"empty bearer", "Bearer "},
		{"basic scheme", "Basic dXNlcjpwYXNz"},
		{"crit: an extension not understood", bearer(withCrit([]string{"x-must-understand"}))},
		{"crit: empty list", bearer(withCrit([]string{}))},
		{"crit: malformed, a string", bearer(withCrit("x-must-understand"))},
		{"crit: malformed, null", bearer(withCrit(nil))},
		{"crit: names a registered header", bearer(withCrit([]string{"alg"}))},
		{"oversized", bearer(strings.Repeat("a", 10<<10))},
	}
}
