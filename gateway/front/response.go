package front

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Media types the front answers with.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// maxMessageBytes bounds any message derived from client input (parser and validator errors
// quote names and values from the query).
const maxMessageBytes = 200

// failure is a request the front refuses before execution. A zero status marks a GraphQL
// request error: a well-formed GraphQL-over-HTTP request that fails before execution (parse,
// validation, limits, variables, an unknown persisted query), which the spec answers with 200
// under application/json and 400 under application/graphql-response+json. A non-zero status
// is answered whatever the media type: an HTTP-level failure (405, 406, 413, 414, 415, 431,
// 500, 504) or a request that is not a well-formed GraphQL-over-HTTP request (400).
type failure struct {
	// executed marks a failure of an operation that ran (a timeout, a panic): its
	// outcome is already observed.
	executed bool
	status   int
	allow    string // Allow header, for 405
	// retryAfter is the Retry-After header, for 429.
	retryAfter string
	errs       gqlerror.List
}

func newFailure(status int, code, message string) *failure {
	return &failure{status: status, errs: gqlerror.List{codeError(code, message)}}
}

func requestError(code, message string) *failure {
	return newFailure(0, code, message)
}

func codeError(code, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

// statusFor returns the HTTP status for f answered as media.
func (f *failure) statusFor(media string) int {
	if f.status != 0 {
		return f.status
	}
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// response is one GraphQL response; Data is written only when HasData is set, so that request
// errors carry no data entry while an executed operation's null data is written as null.
type response struct {
	HasData    bool
	Data       []byte // JSON; nil is null
	Errors     gqlerror.List
	Extensions map[string]any
	// result is the executor's Result the response is, unchanged, whose encoding is
	// made once for every request it answers (Result.encode); nil for any other.
	result *Result
}

// appendTo appends the response's JSON to dst. Data goes out as the executor wrote it:
// the executor guarantees it is JSON (front.Result), and encoding/json would spend a
// second pass validating and compacting it.
//
// A response that is an executor's Result is its shared encoding: returned as it is for
// a nil dst, so the caller must not write to it.
func (r response) appendTo(dst []byte) ([]byte, error) {
	if r.result != nil {
		body, err := r.result.encode()
		if dst == nil || err != nil {
			return body, err
		}
		return append(dst, body...), nil
	}
	dst = append(dst, '{')
	if r.HasData {
		dst = append(dst, `"data":`...)
		if r.Data == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, r.Data...)
		}
	}
	if len(r.Errors) > 0 {
		if r.HasData {
			dst = append(dst, ',')
		}
		dst = append(dst, `"errors":`...)
		b, err := json.Marshal(r.Errors)
		if err != nil {
			return nil, err
		}
		dst = append(dst, b...)
	}
	if len(r.Extensions) > 0 {
		if r.HasData || len(r.Errors) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `"extensions":`...)
		b, err := json.Marshal(r.Extensions)
		if err != nil {
			return nil, err
		}
		dst = append(dst, b...)
	}
	return append(dst, '}'), nil
}

// encodeBatch encodes the responses of a batch as a JSON array.
func encodeBatch(rs []response) ([]byte, error) {
	out := []byte{'['}
	for i, r := range rs {
		if i > 0 {
			out = append(out, ',')
		}
		var err error
		if out, err = r.appendTo(out); err != nil {
			return nil, err
		}
	}
	return append(out, ']'), nil
}

// writeJSON writes body, or err's generic 500 when the response could not be encoded (an
// error whose extensions hold NaN, say), with the given status and media type.
func writeJSON(w http.ResponseWriter, logger *slog.Logger, status int, media string, body []byte, err error) {
	if err != nil {
		logger.Error("front: encode response", slog.Any("error", err))
		status = http.StatusInternalServerError
		body, _ = response{Errors: gqlerror.List{codeError(errcode.InternalServerError, "Internal server error.")}}.appendTo(nil)
	}
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeFailure answers a refused request.
func writeFailure(w http.ResponseWriter, logger *slog.Logger, media string, f *failure) {
	if f.allow != "" {
		w.Header().Set("Allow", f.allow)
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	body, err := response{Errors: f.errs}.appendTo(nil)
	writeJSON(w, logger, f.statusFor(media), media, body, err)
}

// truncate shortens s to at most maxMessageBytes bytes on a rune boundary, so that no error
// message echoes a large piece of the client's input.
func truncate(s string) string {
	if len(s) <= maxMessageBytes {
		return s
	}
	cut := maxMessageBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
