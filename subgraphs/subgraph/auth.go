package subgraph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// AdminScope is the scope that may write any user's data.
const AdminScope = "admin"

// authenticate verifies the bearer token of every request with v, as the gateway does,
// since a subgraph may be reached without the gateway and trusts no header it cannot
// check: a token that does not verify is refused with 401 and UNAUTHENTICATED, whatever
// the operation, and a verified caller's claims go in the request's context
// (auth.FromContext). A request without a token is anonymous. With v nil
// (authentication off) h gets every request as it came.
func authenticate(v *auth.Verifier, logger *slog.Logger, h http.Handler) http.Handler {
	if v == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := v.Authenticate(r)
		if err != nil {
			// The reason is logged, never the token.
			logger.InfoContext(r.Context(), "bearer token refused", slog.String("reason", err.Error()))
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			refuse(w, r, http.StatusUnauthorized, errcode.Unauthenticated, "The bearer token is not valid.")
			return
		}
		if claims != nil {
			r = r.WithContext(auth.WithClaims(r.Context(), claims))
		}
		h.ServeHTTP(w, r)
	})
}

// Access applies the graph's write rules: every write needs an authenticated caller, who
// may change only what they own (a user's own user, the products they own) unless their
// token has AdminScope. The subgraph that owns the data applies them, in its resolvers.
// With Enforce false (authentication off, for development) every caller may write
// anything, as they could before the graph had authentication.
type Access struct {
	Enforce bool
}

// AccessFor returns the rules for a subgraph verifying tokens with v: enforced unless v
// is nil.
func AccessFor(v *auth.Verifier) Access { return Access{Enforce: v != nil} }

// Owner returns nil when the request's caller may write what owner (a user id) owns:
// owner themselves or an admin. Otherwise it returns an error with code
// UNAUTHENTICATED for an anonymous caller and FORBIDDEN for anyone else; what says
// what is refused, as in "update this product".
func (a Access) Owner(ctx context.Context, owner, what string) error {
	if !a.Enforce {
		return nil
	}
	c := auth.FromContext(ctx)
	if c == nil {
		return Unauthenticated(what)
	}
	if c.Subject == owner || c.HasScope(AdminScope) {
		return nil
	}
	return &Error{Code: errcode.Forbidden, Message: "You may not " + what + ": it is not yours, and your token has no " + AdminScope + " scope."}
}

// Admin returns nil when the request's caller has AdminScope (or rules are not
// enforced), and an UNAUTHENTICATED or FORBIDDEN error otherwise.
func (a Access) Admin(ctx context.Context, what string) error {
	if !a.Enforce {
		return nil
	}
	c := auth.FromContext(ctx)
	if c == nil {
		return Unauthenticated(what)
	}
	if c.HasScope(AdminScope) {
		return nil
	}
	return &Error{Code: errcode.Forbidden, Message: "You may not " + what + ": it needs a token with the " + AdminScope + " scope."}
}

// Signed returns nil when the request has a verified caller (or rules are not
// enforced), and an UNAUTHENTICATED error otherwise: for checks that must know who asks
// before they read what the caller owns.
func (a Access) Signed(ctx context.Context, what string) error {
	if a.Enforce && auth.FromContext(ctx) == nil {
		return Unauthenticated(what)
	}
	return nil
}

// Unauthenticated returns an Error with code UNAUTHENTICATED for a write by an anonymous
// caller.
func Unauthenticated(what string) error {
	return &Error{Code: errcode.Unauthenticated, Message: "You must be signed in to " + what + ": send a bearer token."}
}
