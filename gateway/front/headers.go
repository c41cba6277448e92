package front

import (
	"context"
	"net/http"
	"time"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/serve"
)

// RequestIDHeader carries a request's id: taken from the client when it sends a sane
// one, made up otherwise, returned in the response and forwarded to every subgraph.
const RequestIDHeader = "X-Request-Id"

type requestKey struct{}

// requestInfo is what the front keeps of a request in its context.
type requestInfo struct {
	start time.Time
}

// RequestID returns the id of the request ctx belongs to, or "" (see serve.RequestID,
// which the services' loggers read).
func RequestID(ctx context.Context) string { return serve.RequestID(ctx) }

// since returns how long ago the request ctx belongs to arrived.
func since(ctx context.Context) time.Duration {
	info, _ := ctx.Value(requestKey{}).(*requestInfo)
	if info == nil {
		return 0
	}
	return time.Since(info.start)
}

// withRequestID gives a request its id: the client's X-Request-Id when it is sane
// (serve.SaneRequestID), a new one otherwise.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := r.Header.Get(RequestIDHeader)
	if !serve.SaneRequestID(id) {
		id = serve.NewRequestID()
	}
	w.Header().Set(RequestIDHeader, id)
	ctx := context.WithValue(serve.WithRequestID(r.Context(), id), requestKey{}, &requestInfo{start: time.Now()})
	return r.WithContext(ctx)
}

// forwarded returns the request headers the executor sends on to the subgraphs, nil when
// there are none: nothing is forwarded unless named here or in Config.PropagateHeaders.
func (h *handler) forwarded(r *http.Request) http.Header {
	var out http.Header
	add := func(name string) {
		if v := r.Header.Values(name); len(v) > 0 {
			if out == nil {
				out = http.Header{}
			}
			out[http.CanonicalHeaderKey(name)] = v
		}
	}
	// Forwarded besides Config.PropagateHeaders: the W3C trace context as the client
	// sent it, and on mutations the idempotency key that makes a retried create return
	// its first result (the request id goes in the context).
	for _, name := range [...]string{"Traceparent", "Tracestate", "Idempotency-Key"} {
		add(name)
	}
	for _, name := range h.cfg.PropagateHeaders {
		add(name)
	}
	return out
}

// forwardedFor is forwarded with, for a verified token (claims, nil when anonymous), the
// token as the Authorization header, which the subgraphs verify again.
func (h *handler) forwardedFor(r *http.Request, claims *auth.Claims) http.Header {
	fwd := h.forwarded(r)
	if claims != nil {
		if fwd == nil {
			fwd = http.Header{}
		}
		fwd.Set("Authorization", "Bearer "+claims.Token)
	}
	return fwd
}
