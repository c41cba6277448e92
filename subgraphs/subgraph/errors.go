// Package subgraph is what the users and products subgraphs share at run time: the
// errors a client sees (coded with internal/errcode's codes), the HTTP handler around a
// gqlgen schema with the limits each subgraph enforces on its own, the Redis connection
// with its deadlines and embedded default, and idempotency keys.
package subgraph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Error is an error whose message is safe to show a client, with its code. Err, when
// set, is the cause: it is logged, never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode is the extensions.code a client sees.
func (e *Error) ErrorCode() string { return e.Code }

// Coded is an error whose message is safe to show a client, with its GraphQL error
// code. Error is one; packages that must not depend on this one (a store's scalar
// parser) declare their own.
type Coded interface {
	error
	ErrorCode() string
}

// BadInput returns an Error with code BAD_USER_INPUT.
func BadInput(format string, args ...any) error {
	return &Error{Code: errcode.BadUserInput, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an Error with code NOT_FOUND.
func NotFound(format string, args ...any) error {
	return &Error{Code: errcode.NotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns an Error with code CONFLICT.
func Conflict(format string, args ...any) error {
	return &Error{Code: errcode.Conflict, Message: fmt.Sprintf(format, args...)}
}

// KeyReused returns an Error with code IDEMPOTENCY_KEY_REUSED.
func KeyReused(format string, args ...any) error {
	return &Error{Code: errcode.IdempotencyKeyReused, Message: fmt.Sprintf(format, args...)}
}

// Unavailable returns an Error with code SERVICE_UNAVAILABLE, the message a client
// sees and the cause the log gets.
func Unavailable(message string, cause error) error {
	return &Error{Code: errcode.ServiceUnavailable, Message: message, Err: cause}
}

// storeUnavailable is what a client learns of a Redis that did not answer.
const storeUnavailable = "the data store did not answer in time"

// ErrorPresenter turns resolver errors into GraphQL errors a client may see: a Coded
// error keeps its message and code; gqlgen's own parse, validation and input coercion errors
// keep theirs; an unavailable dependency (IsUnavailable) is SERVICE_UNAVAILABLE; anything
// else is logged and replaced by a generic message, so store addresses and Go error text
// never leave the service.
// Once the request's context is done (timed out, gone, or grown past
// MaxResponseBytes) it drops every error: nobody reads that answer, and the fields
// that stopped would each add one, to the answer and to the log.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if ctx.Err() != nil {
			// The request has timed out, gone or grown too large: nobody reads this
			// answer, and each field that stopped would otherwise add its error.
			return nil
		}
		path := graphql.GetPath(ctx)
		var safe Coded
		if errors.As(err, &safe) {
			if safe.ErrorCode() == errcode.ServiceUnavailable {
				logger.WarnContext(ctx, "dependency unavailable", "path", path.String(), "err", err, "cause", errors.Unwrap(safe))
			}
			e := gqlerror.WrapPath(path, safe)
			var gqlErr *gqlerror.Error
			if errors.As(err, &gqlErr) && len(gqlErr.Path) > 0 {
				e.Path = gqlErr.Path // an argument's path, set where gqlgen coerced it
			}
			return withCode(e, safe.ErrorCode())
		}
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Unwrap() == nil {
			// Made by gqlgen from the request itself; the message names only the request.
			code := errcode.BadUserInput
			if c, ok := gqlErr.Extensions["code"].(string); ok {
				code = c
			}
			return withCode(gqlErr, code)
		}
		if gqlErr != nil && gqlErr.Unwrap() != nil {
			err = gqlErr.Unwrap()
		}
		if IsUnavailable(err) {
			logger.WarnContext(ctx, "store did not answer in time", "path", path.String(), "err", err)
			return withCode(gqlerror.WrapPath(path, errors.New(storeUnavailable)), errcode.ServiceUnavailable)
		}
		logger.ErrorContext(ctx, "resolver failed", "path", path.String(), "err", err)
		return withCode(gqlerror.WrapPath(path, errors.New("internal error")), errcode.InternalServerError)
	}
}

// Recover logs a resolver panic and answers with a generic error.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "resolver panicked", "panic", fmt.Sprint(v), "path", graphql.GetPath(ctx).String())
		return &Error{Code: errcode.InternalServerError, Message: "internal error"}
	}
}

func withCode(e *gqlerror.Error, code string) *gqlerror.Error {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
	return e
}

// IsUnavailable reports whether err means that a dependency did not answer, so that
// the same request may succeed later: a deadline, a network error (refused, reset,
// timed out), a connection closed mid-reply, go-redis's pool timeout or closed client,
// or a Redis reply that says the server is not serving now (LOADING, BUSY, MASTERDOWN,
// TRYAGAIN, CLUSTERDOWN, READONLY, MISCONF, NOREPLICAS).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true // refused, reset, unreachable: the server is not there
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		// The prefixes of Redis error replies that mean "not now" rather than "wrong": a
		// server loading its data set after a restart, running a slow script, failing
		// over, refusing writes while it cannot persist, or a replica after a failover.
		for _, p := range [...]string{"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "MISCONF", "NOREPLICAS"} {
			if strings.HasPrefix(msg, p+" ") || msg == p {
				return true
			}
		}
	}
	return false
}
