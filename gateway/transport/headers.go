package transport

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/inflight"
	"github.com/fedgraph/fedgraph/internal/tracing"
)

// Forward is what a client's request passes on to its subgraph requests.
type Forward struct {
	// RequestID is the client request's id (front.RequestID), "" for none.
	RequestID string
	// Header holds the client headers the front lets through (front.Operation.Header).
	Header http.Header
}

// header is one request header of a subgraph request.
type header struct{ name, value string }

// headers decides the headers of one subgraph request, and is the only place that does:
//   - the client request's id, in front.RequestIDHeader;
//   - the headers the front lets through, Idempotency-Key only for a mutation's root
//     fields (write), which are the writes it protects;
//   - the trace context of sc, the request's own span, never the one the client sent:
//     the client's is that span's parent, and with tracing off the span is the client's
//     own context, which so still reaches the subgraph. An invalid sc (a subscription's
//     stream, which has no span of its own) sends no trace context.
func headers(fwd Forward, write bool, sc trace.SpanContext) []header {
	var out []header
	if fwd.RequestID != "" {
		out = append(out, header{front.RequestIDHeader, fwd.RequestID})
	}
	for name, values := range fwd.Header {
		if name == "Idempotency-Key" && !write || notShared(name) {
			continue
		}
		for _, v := range values {
			out = append(out, header{name, v})
		}
	}
	if !sc.IsValid() {
		return out
	}
	carrier := propagation.MapCarrier{}
	tracing.Propagator().Inject(trace.ContextWithSpanContext(context.Background(), sc), carrier)
	for k, v := range carrier {
		out = append(out, header{http.CanonicalHeaderKey(k), v})
	}
	return out
}

// notShared are the forwarded headers that differ from request to request without
// changing what a subgraph answers: the trace context, which each subgraph request takes
// from its own span, and the request id, which is not a forwarded header.
func notShared(name string) bool { return name == "Traceparent" || name == "Tracestate" }

// AppendSharedHeaders appends, in name order, the headers of h (front.Operation.Header)
// that decide what the subgraphs answer, Authorization included: the part of a request's
// identity that its headers make, for sharing identical work in flight (Config.Dedup,
// and the gateway's sharing of identical operations). Every name and value is written
// after its length, so that no two header sets append the same bytes.
func AppendSharedHeaders(b []byte, h http.Header) []byte {
	var buf [8]string
	names := buf[:0]
	for name := range h {
		if !notShared(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		b = inflight.AppendPart(b, name)
		b = strconv.AppendInt(append(b, '='), int64(len(h[name])), 10)
		for _, v := range h[name] {
			b = inflight.AppendPart(append(b, ','), v)
		}
	}
	return b
}
