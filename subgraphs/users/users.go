// Package users is the users subgraph: it owns User and keeps users in its own Redis.
package users

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/users/graph"
	"github.com/fedgraph/fedgraph/subgraphs/users/store"
)

// Config is what the users subgraph needs.
type Config struct {
	// Redis holds the users. Required.
	Redis redis.UniversalClient
	// KeyPrefix starts every key the subgraph writes. default: "" (none)
	KeyPrefix string
	// CursorSecret signs pagination cursors; replicas must share it. Required.
	CursorSecret string
	// Logger receives errors that clients see only as generic messages.
	// default: a logger that discards
	Logger *slog.Logger
}

// New returns the users subgraph's HTTP handler: GraphQL on /graphql, its SDL on
// /schema.graphql, and /healthz and /readyz.
func New(cfg Config) (http.Handler, error) {
	if cfg.Redis == nil {
		return nil, errors.New("users: no redis client")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cursors, err := relay.NewCursors(cfg.CursorSecret)
	if err != nil {
		return nil, err
	}
	st := store.New(cfg.Redis, cfg.KeyPrefix)
	res := &graph.Resolver{Store: st, Cursors: cursors}
	gql := subgraph.NewHandler(graph.NewExecutableSchema(graph.Config{Resolvers: res}), schema.Users(), cfg.Logger)

	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(res.WithBatch(r.Context())))
	}))
	serve.Health(mux, st.Ping, cfg.Logger)
	return mux, nil
}
