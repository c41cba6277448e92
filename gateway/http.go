package gateway

import (
	"io"
	"net/http"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// Handler serves the graph through the HTTP front (GraphQL on /graphql, the playground
// on /), with /healthz (the process lives) and /readyz (it serves a graph; each
// subgraph's state in the body, see serveReady) beside it.
func (g *Gateway) Handler() (http.Handler, error) {
	fh, err := front.New(g.front, g.Schema, g, g.logger, front.WithVerifier(g.verifier))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", g.traceHandler(fh))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", g.serveReady)
	return mux, nil
}

// Server returns an http.Server for h with the front's timeouts and header limit.
func (g *Gateway) Server(h http.Handler) *http.Server { return g.front.HTTPServer(h) }
