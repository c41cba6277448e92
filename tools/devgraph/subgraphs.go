package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/subgraphs/products"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// env is what devgraph gives each subgraph's constructor: every subgraph's Redis and
// GraphQL URL by name (all known before any is constructed: the listeners are bound and
// the Redis opened first), and a logger for the subgraph.
type env struct {
	redis map[string]redis.UniversalClient
	urls  map[string]string
	// verifier checks bearer tokens in every service; nil: authentication off.
	verifier *auth.Verifier
	logger   *slog.Logger
}

// running is one constructed subgraph: its handler, which devgraph serves on the
// subgraph's listener, and the work it runs beside it until ctx ends, if any.
type running struct {
	handler http.Handler
	run     func(ctx context.Context) error // nil: none
}

// constructors build each subgraph of schema.Subgraphs with its own Config, by name: the
// one place devgraph knows a subgraph by more than its table line. A subgraph added to
// the table gets its entry here, calling its package's New; run refuses to start while
// one is missing, and TestConstructors checks that the two lists agree.
var constructors = map[string]func(e env) (running, error){
	"users": func(e env) (running, error) {
		cfg := users.DefaultConfig()
		cfg.Redis, cfg.Verifier, cfg.Logger = e.redis["users"], e.verifier, e.logger
		h, err := users.New(cfg)
		return running{handler: h}, err
	},
	// products asks users whether an owner exists, and consumes users' events from the
	// users Redis, as the products binary does with -users-url and -events-redis-url.
	"products": func(e env) (running, error) {
		owners, err := products.NewUsersClient(e.urls["users"])
		if err != nil {
			return running{}, err
		}
		cfg := products.DefaultConfig()
		cfg.Redis, cfg.Owners, cfg.Verifier, cfg.Logger = e.redis["products"], owners, e.verifier, e.logger
		cfg.Events.Redis, cfg.Events.Consumer = e.redis["users"], "devgraph"
		ps, err := products.NewService(cfg)
		if err != nil {
			return running{}, err
		}
		return running{handler: ps.Handler(), run: ps.Run}, nil
	},
}
