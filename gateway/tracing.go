package gateway

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/internal/tracing"
)

// The gateway's spans: "POST /graphql" for each request (a server span, child of the
// client's trace context when it sends one), "plan" for each planning (a plan cache
// miss), and "subgraph NAME" for each subgraph request (a client span the subgraph's
// transport.Client starts; its trace context goes to the subgraph in traceparent). With
// tracing off the provider records nothing, and the client's own trace context still
// reaches the subgraphs.

const tracerName = "github.com/fedgraph/fedgraph/gateway"

// traceHandler wraps h with the request's server span, named by its method and path
// (tracing.Server: with tracing off, only the client's trace context is passed on).
func (g *Gateway) traceHandler(h http.Handler) http.Handler {
	return tracing.Server(h, g.tracer,
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// endSpan records a call's outcome on its span and ends it.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
