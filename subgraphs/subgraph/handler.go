package subgraph

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/internal/tracing"
)

// Paths a subgraph serves.
const (
	GraphQLPath = "/graphql"
	// SchemaPath serves the subgraph's SDL as text; the gateway builds its view of the
	// subgraph from it rather than from introspection (docs/architecture.md).
	SchemaPath = "/schema.graphql"
)

// SSEKeepAlive is how often a subscription's stream carries a comment when it has no
// event to send, so that proxies and the gateway see it alive.
const SSEKeepAlive = 15 * time.Second

// NewHandler serves the executable schema on GraphQLPath (POST and GET) and its SDL on
// SchemaPath. sdl must be the text the schema was generated from, with the definitions
// of the Apollo Federation directives it uses (schema.Standalone). Requests to
// GraphQLPath are held to lim (start from DefaultLimits; limits that do not validate
// are an error); a refusal is one GraphQL error with the gateway front's code for it. tp makes the spans (tracing.go);
// nil records nothing. v verifies each request's bearer token (auth.go); nil means
// authentication is off. extra are more gqlgen extensions (such as Metrics); nil ones
// are skipped.
func NewHandler(es graphql.ExecutableSchema, sdl string, logger *slog.Logger, lim Limits, tp trace.TracerProvider, v *auth.Verifier, extra ...graphql.HandlerExtension) (http.Handler, error) {
	if err := lim.Validate(); err != nil {
		return nil, err
	}
	tp = providerOr(tp)
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	// Subscriptions stream over GraphQL over SSE (a POST that accepts text/event-stream),
	// which the gateway speaks to subgraphs; it must come before POST, which would take
	// the same request as a plain one.
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: SSEKeepAlive})
	srv.AddTransport(post{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	// First, so that a stopped request's fields reach no other extension.
	srv.Use(stopFields{})
	// With tracing off the tracer would make no span, yet as a field interceptor it
	// would sit in the chain of every field of every answer.
	if tracing.Records(tp) {
		srv.Use(tracer{t: tp.Tracer(tracerName)})
	}
	for _, x := range extra {
		if x != nil {
			srv.Use(x)
		}
	}
	srv.Use(&limits{Limits: lim, checked: lru.New[bool](1000)})
	srv.SetErrorPresenter(ErrorPresenter(logger))
	srv.SetRecoverFunc(Recover(logger))

	mux := http.NewServeMux()
	mux.Handle(GraphQLPath, traceHTTP(withRequestID(authenticate(v, logger, lim.protect(srv, logger))), tp))
	mux.HandleFunc("GET "+SchemaPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, sdl)
	})
	return mux, nil
}

// withRequestID puts the caller's X-Request-Id (the gateway's id for the client's
// request) in the request's context, for the logs, and answers with it; a request
// without one, or with one that is not sane, gets a new one.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !serve.SaneRequestID(id) {
			id = serve.NewRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		h.ServeHTTP(w, r.WithContext(serve.WithRequestID(r.Context(), id)))
	})
}
