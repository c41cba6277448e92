package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Handler serves the graph through the HTTP front (GraphQL on /graphql, the playground
// on /), with /healthz (the process lives) and /readyz (it serves a graph; each
// subgraph's state in the body, see serveReady) beside it. Until the gateway has a
// graph, GraphQL requests are answered with 503 (untilGraph).
func (g *Gateway) Handler() (http.Handler, error) {
	fh, err := front.New(g.front, g.Schema, g, g.logger, front.WithVerifier(g.verifier))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", g.traceHandler(g.untilGraph(fh)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", g.serveReady)
	return mux, nil
}

// Server returns an http.Server for h with the front's timeouts and header limit.
func (g *Gateway) Server(h http.Handler) *http.Server { return g.front.HTTPServer(h) }

// graphQLPath is where the front serves GraphQL (HTTP, SSE and WebSocket alike).
const graphQLPath = "/graphql"

// untilGraph answers GraphQL requests with 503 SUBGRAPH_UNAVAILABLE while the gateway
// has no graph (no subgraph has answered since it started, and none had a cached
// schema): the front checks every request against the schema, and there is none yet.
// Everything else (CORS preflights, the playground's files) goes to next, which never
// asks for the schema on those. Once there is a graph there is always one.
func (g *Gateway) untilGraph(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gr := g.graph.Load()
		if gr.schema != nil || r.URL.Path != graphQLPath || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		media := "application/json"
		if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
			media = "application/graphql-response+json"
		}
		body := struct {
			Errors gqlerror.List `json:"errors"`
		}{gqlerror.List{{
			Message: "The graph is unavailable: no subgraph has answered yet.",
			Extensions: map[string]any{
				"code":                 errcode.SubgraphUnavailable,
				"unavailableSubgraphs": gr.missing,
			},
		}}}
		w.Header().Set("Content-Type", media)
		w.Header().Set("Cache-Control", "no-store")
		// The poller asks the subgraphs every second while none has answered.
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(body)
	})
}
