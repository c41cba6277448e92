package transport

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/gateway/front"
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
		if name == "Idempotency-Key" && !write || name == "Traceparent" || name == "Tracestate" {
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
	tracing.Propagator.Inject(trace.ContextWithSpanContext(context.Background(), sc), carrier)
	for k, v := range carrier {
		out = append(out, header{http.CanonicalHeaderKey(k), v})
	}
	return out
}
