package subgraph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/fedgraph/fedgraph/internal/tracing"
)

// A subgraph's spans: "POST /graphql", a server span that continues the caller's trace
// (the gateway's traceparent); "graphql OPERATION" for the operation; one per field
// that runs a resolver ("Query.user"); and, through redisotel on the subgraph's Redis
// client, one per Redis command or pipeline, each a child of the resolver that ran it.

const tracerName = "github.com/fedgraph/fedgraph/subgraphs/subgraph"

// providerOr returns tp, or one that records nothing.
func providerOr(tp trace.TracerProvider) trace.TracerProvider {
	if tp == nil {
		return noop.NewTracerProvider()
	}
	return tp
}

// traceHTTP wraps h with the request's server span (tracing.Server: with tracing off,
// only the caller's trace context is passed on).
func traceHTTP(h http.Handler, tp trace.TracerProvider) http.Handler {
	return tracing.Server(h, tp)
}

// tracer is the gqlgen extension that makes the operation's and the resolvers' spans.
type tracer struct{ t trace.Tracer }

var (
	_ graphql.HandlerExtension    = tracer{}
	_ graphql.ResponseInterceptor = tracer{}
	_ graphql.FieldInterceptor    = tracer{}
)

func (tracer) ExtensionName() string                   { return "OpenTelemetry" }
func (tracer) Validate(graphql.ExecutableSchema) error { return nil }

func (x tracer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	name := "graphql"
	if n := operationName(ctx); n != "" {
		name += " " + n
	}
	ctx, span := x.t.Start(ctx, name)
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetStatus(codes.Error, resp.Errors[0].Message)
	}
	return resp
}

func (x tracer) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := x.t.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(attribute.String("graphql.path", fc.Path().String())))
	defer span.End()
	v, err := next(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return v, err
}

// Tracing sets up a subgraph binary's tracing from the OTEL_* environment (see
// internal/tracing) and, when it is on, instruments each Redis client so that its
// commands are spans. stop flushes the spans; call it on exit.
func Tracing(ctx context.Context, service string, getenv func(string) string, logger *slog.Logger, clients ...redis.UniversalClient) (tp trace.TracerProvider, stop func(), err error) {
	t, err := tracing.Setup(ctx, service, getenv)
	if err != nil {
		return nil, nil, err
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(sctx); err != nil {
			logger.Warn("tracing: flushing spans on exit", "err", err)
		}
	}
	if t.Enabled {
		for _, c := range clients {
			if err := redisotel.InstrumentTracing(c, redisotel.WithTracerProvider(t.Provider)); err != nil {
				return nil, nil, fmt.Errorf("tracing: redis: %w", err)
			}
		}
	}
	return t.Provider, stop, nil
}
