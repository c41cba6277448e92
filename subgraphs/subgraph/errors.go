// Package subgraph is what the users and products subgraphs share at run time: the
// GraphQL error codes a client sees, the HTTP handler around a gqlgen schema, and the
// Redis connection with its embedded default.
package subgraph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes a client finds in a GraphQL error's extensions.code.
const (
	CodeBadUserInput = "BAD_USER_INPUT"
	CodeNotFound     = "NOT_FOUND"
	CodeUnavailable  = "SERVICE_UNAVAILABLE"
	CodeInternal     = "INTERNAL_SERVER_ERROR"
)

// Error is an error whose message is safe to show a client, with its code.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

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
	return &Error{Code: CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an Error with code NOT_FOUND.
func NotFound(format string, args ...any) error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// ErrorPresenter turns resolver errors into GraphQL errors a client may see: a Coded
// error keeps its message and code; gqlgen's own parse, validation and input coercion errors
// keep theirs; anything else is logged and replaced by a generic message, so store
// addresses and Go error text never leave the service.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		path := graphql.GetPath(ctx)
		var safe Coded
		if errors.As(err, &safe) {
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
			code := CodeBadUserInput
			if c, ok := gqlErr.Extensions["code"].(string); ok {
				code = c
			}
			return withCode(gqlErr, code)
		}
		if gqlErr != nil && gqlErr.Unwrap() != nil {
			err = gqlErr.Unwrap()
		}
		if isTimeout(err) {
			logger.WarnContext(ctx, "store did not answer in time", "path", path.String(), "err", err)
			return withCode(gqlerror.WrapPath(path, errors.New("the data store did not answer in time")), CodeUnavailable)
		}
		logger.ErrorContext(ctx, "resolver failed", "path", path.String(), "err", err)
		return withCode(gqlerror.WrapPath(path, errors.New("internal error")), CodeInternal)
	}
}

// Recover logs a resolver panic and answers with a generic error.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "resolver panicked", "panic", fmt.Sprint(v), "path", graphql.GetPath(ctx).String())
		return &Error{Code: CodeInternal, Message: "internal error"}
	}
}

func withCode(e *gqlerror.Error, code string) *gqlerror.Error {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
	return e
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) // refused or reset: the store is not there
}
