package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/serve"
)

// Handler serves the graph through the HTTP front (GraphQL on /graphql, the playground
// on /), with /healthz and /readyz beside it.
func (g *Gateway) Handler() (http.Handler, error) {
	fh, err := front.New(g.front, g.Schema, g, g.logger)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", fh)
	serve.Health(mux, g.Ready, g.logger)
	return mux, nil
}

// Server returns an http.Server for h with the front's timeouts and header limit.
func (g *Gateway) Server(h http.Handler) *http.Server { return g.front.HTTPServer(h) }

// Ready reports whether every subgraph answers a trivial query.
func (g *Gateway) Ready(ctx context.Context) error {
	var errs []error
	for _, sg := range g.graph.Load().subgraphs {
		if err := sg.ping(ctx); err != nil {
			errs = append(errs, errors.New(sg.Name+" does not answer"))
		}
	}
	return errors.Join(errs...)
}
