// Package auth verifies the JSON Web Tokens the services accept, the same way in the
// gateway and in each subgraph (a subgraph trusts no header it cannot check): a token's
// signature against a JWKS (fetched from a URL with a timeout, cached, refreshed on a
// schedule and, rate-limited, on an unknown key id; or read from a file), its algorithm
// against an explicit allow-list, and its exp, nbf, iss and aud claims with a small
// clock skew; a token with a crit header is refused (no extension is understood).
// Verified claims travel in a request's context.
package auth

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Config says how tokens are verified. With neither JWKSURL nor JWKSFile set,
// authentication is off: every request is anonymous and tokens are ignored (the
// services warn about it at start).
type Config struct {
	// JWKSURL is where the signing keys are published (a JWK Set). default: none
	JWKSURL string
	// JWKSFile is a JWK Set file, instead of JWKSURL. default: none
	JWKSFile string
	// Issuer is the iss every token must have. Required when keys are set.
	Issuer string
	// Audience is an aud every token must have. Required when keys are set.
	Audience string
	// Algorithms are the signing algorithms accepted. default: RS256, ES256
	Algorithms []string
	// ClockSkew is the leeway on exp, nbf and iat. default: 30s
	ClockSkew time.Duration
	// JWKSTimeout bounds one fetch of the JWKS. default: 5s
	JWKSTimeout time.Duration
	// JWKSRefresh is how often the JWKS is fetched again. default: 1h
	JWKSRefresh time.Duration
	// UnknownKeyRefresh is the least time between two fetches caused by tokens with a
	// key id the set lacks (a key rotation), so that forged key ids cannot hammer the
	// JWKS server. default: 10s
	UnknownKeyRefresh time.Duration
}

// Defaults of Config.
var (
	DefaultAlgorithms = []string{"RS256", "ES256"}
)

const (
	DefaultClockSkew         = 30 * time.Second
	DefaultJWKSTimeout       = 5 * time.Second
	DefaultJWKSRefresh       = time.Hour
	DefaultUnknownKeyRefresh = 10 * time.Second
)

// supported are the algorithms an allow-list may name: asymmetric ones only, since a
// shared secret would let every service that verifies also sign.
var supported = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// RegisterFlags binds c to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.JWKSURL, "jwks-url", c.JWKSURL, "URL of the JWK Set that signs accepted tokens; empty (and no -jwks-file): authentication off")
	fs.StringVar(&c.JWKSFile, "jwks-file", c.JWKSFile, "JWK Set file, instead of -jwks-url")
	fs.StringVar(&c.Issuer, "jwt-issuer", c.Issuer, "iss every token must have")
	fs.StringVar(&c.Audience, "jwt-audience", c.Audience, "aud every token must have")
	fs.Func("jwt-algorithms", "comma-separated signing algorithms accepted (default RS256,ES256)", func(s string) error {
		c.Algorithms = nil
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.Algorithms = append(c.Algorithms, a)
			}
		}
		return nil
	})
	fs.DurationVar(&c.ClockSkew, "jwt-clock-skew", DefaultClockSkew, "leeway on exp, nbf and iat")
	fs.DurationVar(&c.JWKSTimeout, "jwks-timeout", DefaultJWKSTimeout, "bound on one fetch of the JWKS")
	fs.DurationVar(&c.JWKSRefresh, "jwks-refresh", DefaultJWKSRefresh, "how often the JWKS is fetched again")
	fs.DurationVar(&c.UnknownKeyRefresh, "jwks-unknown-key-refresh", DefaultUnknownKeyRefresh, "least time between fetches caused by unknown key ids")
}

func (c *Config) init() error {
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms
	}
	if c.ClockSkew == 0 {
		c.ClockSkew = DefaultClockSkew
	}
	if c.JWKSTimeout == 0 {
		c.JWKSTimeout = DefaultJWKSTimeout
	}
	if c.JWKSRefresh == 0 {
		c.JWKSRefresh = DefaultJWKSRefresh
	}
	if c.UnknownKeyRefresh == 0 {
		c.UnknownKeyRefresh = DefaultUnknownKeyRefresh
	}
	var errs []error
	if c.JWKSURL != "" && c.JWKSFile != "" {
		errs = append(errs, errors.New("auth: give -jwks-url or -jwks-file, not both"))
	}
	if c.Enabled() && (c.Issuer == "" || c.Audience == "") {
		errs = append(errs, errors.New("auth: -jwt-issuer and -jwt-audience are required with a JWKS"))
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(supported, a) {
			errs = append(errs, fmt.Errorf("auth: algorithm %q is not one of %s", a, strings.Join(supported, ", ")))
		}
	}
	if c.ClockSkew < 0 || c.ClockSkew > 5*time.Minute {
		errs = append(errs, fmt.Errorf("auth: clock skew %s is not between 0 and 5m", c.ClockSkew))
	}
	return errors.Join(errs...)
}

// Enabled reports whether tokens are verified at all.
func (c *Config) Enabled() bool { return c.JWKSURL != "" || c.JWKSFile != "" }

// Claims are what a verified token says of its caller.
type Claims struct {
	// Subject is the token's sub: for this graph, the caller's user id.
	Subject string
	// Scopes are its scope claim's space-separated values (RFC 8693), or its scp list.
	Scopes []string
	// Token is the token itself, for the gateway to forward.
	Token string
}

// HasScope reports whether the claims grant scope.
func (c *Claims) HasScope(scope string) bool { return c != nil && slices.Contains(c.Scopes, scope) }

// Verifier verifies tokens; it is safe for concurrent use.
type Verifier struct {
	cfg    Config
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
}

// ErrNoToken is a request without a bearer token: an anonymous caller.
var ErrNoToken = errors.New("no bearer token")

// New returns the verifier cfg describes, nil when authentication is off. A JWKS URL is
// fetched in the background until ctx ends; a first fetch that fails is retried, and
// tokens are refused meanwhile.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.init(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, nil
	}
	var keys keyfunc.Keyfunc
	var err error
	if cfg.JWKSFile != "" {
		raw, rerr := os.ReadFile(cfg.JWKSFile)
		if rerr != nil {
			return nil, fmt.Errorf("auth: jwks file: %w", rerr)
		}
		keys, err = keyfunc.NewJWKSetJSON(raw)
	} else {
		keys, err = keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
			Client:            &http.Client{Timeout: cfg.JWKSTimeout},
			HTTPTimeout:       cfg.JWKSTimeout,
			RefreshInterval:   cfg.JWKSRefresh,
			RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.UnknownKeyRefresh), 1),
			RateLimitWaitMax:  cfg.JWKSTimeout,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("auth: jwks: %w", err)
	}
	return &Verifier{cfg: cfg, keys: keys, parser: jwt.NewParser(
		jwt.WithValidMethods(cfg.Algorithms),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.ClockSkew),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)}, nil
}

// Bearer returns the token of an Authorization header value, ErrNoToken for none.
func Bearer(header string) (string, error) {
	if header == "" {
		return "", ErrNoToken
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", errors.New("the Authorization header is not a bearer token")
	}
	return strings.TrimSpace(token), nil
}

// tokenClaims are the registered claims and the scopes.
type tokenClaims struct {
	jwt.RegisteredClaims
	Scope string   `json:"scope,omitempty"`
	Scp   []string `json:"scp,omitempty"`
}

// Verify checks a token and returns its claims. Its errors are safe to log, never the
// token itself.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > 8<<10 {
		return nil, errors.New("token longer than 8 KiB")
	}
	var tc tokenClaims
	keyOf := v.keys.KeyfuncCtx(ctx)
	if _, err := v.parser.ParseWithClaims(token, &tc, func(t *jwt.Token) (any, error) {
		if err := refuseCrit(t.Header); err != nil {
			return nil, err
		}
		return keyOf(t)
	}); err != nil {
		return nil, err
	}
	if tc.Subject == "" {
		return nil, errors.New("token has no sub")
	}
	c := &Claims{Subject: tc.Subject, Token: token, Scopes: tc.Scp}
	if tc.Scope != "" {
		c.Scopes = append(c.Scopes, strings.Fields(tc.Scope)...)
	}
	return c, nil
}

// refuseCrit refuses a token whose header has a crit parameter. RFC 7515 §4.1.11 has a
// recipient refuse a token whose crit lists an extension it does not understand, and an
// empty or malformed crit; these services understand no extension, so a crit of any
// value, null included, is refused. It runs before any key is looked up.
func refuseCrit(header map[string]any) error {
	if _, ok := header["crit"]; ok {
		return errors.New("token has a crit header parameter: no extension is understood")
	}
	return nil
}

type claimsKey struct{}

// WithClaims returns ctx carrying a verified caller's claims.
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the verified claims of ctx's request, nil for an anonymous one.
func FromContext(ctx context.Context) *Claims {
	c, _ := ctx.Value(claimsKey{}).(*Claims)
	return c
}

// Authenticate returns the verified claims of a request's bearer token: nil for a
// request without one (an anonymous caller), an error for a token that does not verify.
// With authentication off (a nil Verifier) every request is anonymous and tokens are
// ignored: nothing could check them.
func (v *Verifier) Authenticate(r *http.Request) (*Claims, error) {
	if v == nil {
		return nil, nil
	}
	token, err := Bearer(r.Header.Get("Authorization"))
	if errors.Is(err, ErrNoToken) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v.Verify(r.Context(), token)
}
