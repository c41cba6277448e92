// Package products is the products subgraph: it owns Product, adds User.products, and
// keeps products in its own Redis, storing only each owner's id.
package products

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/products/graph"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// OwnerChecker tells whether a user exists; UsersClient asks the users subgraph.
type OwnerChecker = graph.OwnerChecker

// Config is what the products subgraph needs.
type Config struct {
	// Redis holds the products. Required.
	Redis redis.UniversalClient
	// KeyPrefix starts every key the subgraph writes. default: "" (none)
	KeyPrefix string
	// CursorSecret signs pagination cursors; replicas must share it. Required.
	CursorSecret string
	// Owners checks that a new product's owner exists, usually a UsersClient. Required.
	Owners OwnerChecker
	// Logger receives errors that clients see only as generic messages.
	// default: a logger that discards
	Logger *slog.Logger
}

// New returns the products subgraph's HTTP handler: GraphQL on /graphql, its SDL on
// /schema.graphql, and /healthz and /readyz.
func New(cfg Config) (http.Handler, error) {
	return newHandler(cfg, graph.DefaultLoaderWait)
}

// newHandler is New with the time-window loader's wait as a parameter, so that tests
// can shrink it: the round trips of pages the operation names must not depend on it.
func newHandler(cfg Config, loaderWait time.Duration) (http.Handler, error) {
	var errs []error
	if cfg.Redis == nil {
		errs = append(errs, errors.New("products: no redis client"))
	}
	if cfg.Owners == nil {
		errs = append(errs, errors.New("products: no owner checker"))
	}
	cursors, err := relay.NewCursors(cfg.CursorSecret)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	st := store.New(cfg.Redis, cfg.KeyPrefix)
	res := &graph.Resolver{Store: st, Cursors: cursors, Owners: cfg.Owners, LoaderWait: loaderWait}
	gql := subgraph.NewHandler(graph.NewExecutableSchema(graph.Config{Resolvers: res}), schema.Products(), cfg.Logger)

	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(res.WithLoader(r.Context())))
	}))
	serve.Health(mux, st.Ping, cfg.Logger)
	return mux, nil
}
