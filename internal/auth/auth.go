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

// Config says how tokens are verified. Start from DefaultConfig: a zero duration is a
// real setting (no clock skew) or refused (no JWKS timeout), never a default. With
// neither JWKSURL nor JWKSFile set, authentication is off: every request is anonymous
// and tokens are ignored (the services warn about it at start, serve.WarnAuthOff).
type Config struct {
	// JWKSURL is where the signing keys are published (a JWK Set). default: none
	JWKSURL string
	// JWKSFile is a JWK Set file, instead of JWKSURL. default: none
	JWKSFile string
	// Issuer is the iss every token must have. Required when keys are set.
	Issuer string
	// Audience is an aud every token must have. Required when keys are set.
	Audience string
	// Algorithms are the signing algorithms accepted; at least one when keys are set.
	// default: RS256, ES256
	Algorithms []string
	// ClockSkew is the leeway on exp, nbf and iat, from 0 (none) to 5m. default: 30s
	ClockSkew time.Duration
	// JWKSTimeout bounds one fetch of the JWKS; it must be positive. default: 5s
	JWKSTimeout time.Duration
	// JWKSRefresh is how often the JWKS is fetched again; it must be positive.
	// default: 1h
	JWKSRefresh time.Duration
	// UnknownKeyRefresh is the least time between two fetches caused by tokens with a
	// key id the set lacks (a key rotation), so that forged key ids cannot hammer the
	// JWKS server; it must be positive. default: 10s
	UnknownKeyRefresh time.Duration
}

// Defaults of Config.
const (
	DefaultClockSkew         = 30 * time.Second
	DefaultJWKSTimeout       = 5 * time.Second
	DefaultJWKSRefresh       = time.Hour
	DefaultUnknownKeyRefresh = 10 * time.Second
)

// DefaultConfig returns the configuration with every documented default:
// authentication off until keys are given.
func DefaultConfig() Config {
	return Config{
		Algorithms:        []string{"RS256", "ES256"},
		ClockSkew:         DefaultClockSkew,
		JWKSTimeout:       DefaultJWKSTimeout,
		JWKSRefresh:       DefaultJWKSRefresh,
		UnknownKeyRefresh: DefaultUnknownKeyRefresh,
	}
}

// supported are the algorithms an allow-list may name: asymmetric ones only, since a
// shared secret would let every service that verifies also sign.
func supported() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

// RegisterFlags binds c to fs, each flag defaulting to c's current value.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.JWKSURL, "jwks-url", c.JWKSURL, "URL of the JWK Set that signs accepted tokens; empty (and no -jwks-file): authentication off")
	fs.StringVar(&c.JWKSFile, "jwks-file", c.JWKSFile, "JWK Set file, instead of -jwks-url")
	fs.StringVar(&c.Issuer, "jwt-issuer", c.Issuer, "iss every token must have")
	fs.StringVar(&c.Audience, "jwt-audience", c.Audience, "aud every token must have")
	fs.Var((*listFlag)(&c.Algorithms), "jwt-algorithms", "comma-separated signing algorithms accepted")
	fs.DurationVar(&c.ClockSkew, "jwt-clock-skew", c.ClockSkew, "leeway on exp, nbf and iat")
	fs.DurationVar(&c.JWKSTimeout, "jwks-timeout", c.JWKSTimeout, "bound on one fetch of the JWKS")
	fs.DurationVar(&c.JWKSRefresh, "jwks-refresh", c.JWKSRefresh, "how often the JWKS is fetched again")
	fs.DurationVar(&c.UnknownKeyRefresh, "jwks-unknown-key-refresh", c.UnknownKeyRefresh, "least time between fetches caused by unknown key ids")
}

// listFlag is a flag.Value holding a comma-separated list; setting it replaces the
// default.
type listFlag []string

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *listFlag) Set(s string) error {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	*l = out
	return nil
}

// Validate reports every invalid setting of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.JWKSURL != "" && c.JWKSFile != "" {
		errs = append(errs, errors.New("auth: give -jwks-url or -jwks-file, not both"))
	}
	if c.Enabled() && (c.Issuer == "" || c.Audience == "") {
		errs = append(errs, errors.New("auth: -jwt-issuer and -jwt-audience are required with a JWKS"))
	}
	if c.Enabled() && len(c.Algorithms) == 0 {
		errs = append(errs, errors.New("auth: -jwt-algorithms must name at least one algorithm"))
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(supported(), a) {
			errs = append(errs, fmt.Errorf("auth: algorithm %q is not one of %s", a, strings.Join(supported(), ", ")))
		}
	}
	if c.ClockSkew < 0 || c.ClockSkew > 5*time.Minute {
		errs = append(errs, fmt.Errorf("auth: clock skew %s is not between 0 and 5m", c.ClockSkew))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"jwks-timeout", c.JWKSTimeout}, {"jwks-refresh", c.JWKSRefresh}, {"jwks-unknown-key-refresh", c.UnknownKeyRefresh},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("auth: %s must be positive, got %s", d.name, d.v))
		}
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

// New returns the verifier cfg (start from DefaultConfig) describes, nil when
// authentication is off. A JWKS URL is fetched in the background until ctx ends; a
// first fetch that fails is retried, and tokens are refused meanwhile.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
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
