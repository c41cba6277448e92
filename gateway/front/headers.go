package front

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"
)

// RequestIDHeader carries a request's id: taken from the client when it sends a sane
// one, made up otherwise, returned in the response and forwarded to every subgraph.
const RequestIDHeader = "X-Request-Id"

// Headers the gateway forwards to the subgraphs besides Config.PropagateHeaders: the
// request id, the W3C trace context as the client sent it, and on mutations the
// idempotency key that makes a retried create return its first result.
var alwaysForwarded = []string{"Traceparent", "Tracestate", "Idempotency-Key"}

type requestKey struct{}

// requestInfo is what the front keeps of a request in its context.
type requestInfo struct {
	id    string
	start time.Time
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	info, _ := ctx.Value(requestKey{}).(*requestInfo)
	if info == nil {
		return ""
	}
	return info.id
}

// since returns how long ago the request ctx belongs to arrived.
func since(ctx context.Context) time.Duration {
	info, _ := ctx.Value(requestKey{}).(*requestInfo)
	if info == nil {
		return 0
	}
	return time.Since(info.start)
}

// withRequestID gives a request its id: the client's X-Request-Id when it is 1 to 128
// characters of letters, digits and "-_.:", 16 random bytes in hex otherwise.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := r.Header.Get(RequestIDHeader)
	if !saneRequestID(id) {
		var b [16]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	w.Header().Set(RequestIDHeader, id)
	return r.WithContext(context.WithValue(r.Context(), requestKey{}, &requestInfo{id: id, start: time.Now()}))
}

func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
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
	for _, name := range alwaysForwarded {
		add(name)
	}
	for _, name := range h.cfg.PropagateHeaders {
		add(name)
	}
	return out
}
