// Package tracing sets up OpenTelemetry tracing for a service from the standard OTEL_*
// environment variables. Tracing is off unless OTEL_TRACES_EXPORTER is "otlp" or an
// OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set; spans then go over OTLP/HTTP, which the exporter configures from the OTLP
// variables (endpoint, headers, timeout, TLS). OTEL_SERVICE_NAME names the service
// (default: the name given to Setup) and OTEL_TRACES_SAMPLER(_ARG) picks the sampler.
// Trace context travels as W3C traceparent and tracestate.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Propagator is the W3C trace context, the only one the services speak.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// Records reports whether tp may record spans: false for the provider of Disabled.
func Records(tp trace.TracerProvider) bool {
	_, off := tp.(noop.TracerProvider)
	return !off
}

// Server wraps h, a service's GraphQL handler, with the request's server span, named
// by opts (otelhttp's options), under tp, carrying the caller's trace context; when tp
// records nothing, it only passes that context on (ContextOnly).
func Server(h http.Handler, tp trace.TracerProvider, opts ...otelhttp.Option) http.Handler {
	if !Records(tp) {
		return ContextOnly(h)
	}
	return otelhttp.NewHandler(h, "POST /graphql", append([]otelhttp.Option{otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(Propagator())}, opts...)...)
}

// ContextOnly is the server side of tracing that records nothing: it puts the caller's
// trace context (traceparent, tracestate) in the request's context, as otelhttp's
// handler does under a provider that records nothing, so that the calls made for the
// request carry it on. It costs a header lookup where otelhttp wraps the request, its
// body and the response writer and computes metric attributes for every request.
func ContextOnly(h http.Handler) http.Handler {
	prop := Propagator()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") == "" {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r.WithContext(prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))))
	})
}

// Tracing is a service's tracer provider and how to flush it.
type Tracing struct {
	Provider trace.TracerProvider
	// Enabled reports whether spans are exported at all.
	Enabled bool
	// Shutdown flushes and stops the exporter.
	Shutdown func(context.Context) error
}

// Disabled is tracing that records nothing.
func Disabled() Tracing {
	return Tracing{Provider: noop.NewTracerProvider(), Shutdown: func(context.Context) error { return nil }}
}

// Setup reads the environment through getenv and returns the service's tracing.
func Setup(ctx context.Context, service string, getenv func(string) string) (Tracing, error) {
	exporter := getenv("OTEL_TRACES_EXPORTER")
	endpoint := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") + getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	switch {
	case exporter == "none", exporter == "" && endpoint == "":
		return Disabled(), nil
	case exporter != "" && exporter != "otlp":
		return Tracing{}, fmt.Errorf("tracing: OTEL_TRACES_EXPORTER=%q: only otlp and none are supported", exporter)
	}
	if p := getenv("OTEL_EXPORTER_OTLP_PROTOCOL") + getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); p != "" && p != "http/protobuf" && p != "http/protobufhttp/protobuf" {
		return Tracing{}, fmt.Errorf("tracing: OTLP protocol %q: only http/protobuf is supported", p)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return Tracing{}, fmt.Errorf("tracing: exporter: %w", err)
	}
	if name := getenv("OTEL_SERVICE_NAME"); name != "" {
		service = name
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(service)))
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return Tracing{}, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return Tracing{Provider: tp, Enabled: true, Shutdown: tp.Shutdown}, nil
}
