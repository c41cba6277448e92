package wholegraph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/products"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// Store is one subgraph's Redis: its client and the prefix of every key the subgraph
// writes there ("" for a Redis of its own).
type Store struct {
	Client redis.UniversalClient
	Prefix string
}

// Env is what the graph gives each subgraph's constructor: every subgraph's Redis and
// GraphQL URL by name (all known before any is constructed: the listeners are bound and
// the Redis opened first), and the settings all of them share.
type Env struct {
	// Stores are the subgraphs' Redis, by name.
	Stores map[string]Store
	// URLs are the subgraphs' GraphQL endpoints, by name.
	URLs map[string]string
	// CursorSecret signs pagination cursors.
	CursorSecret string
	// EventsConsumer names the consumer of another subgraph's events; "": none.
	EventsConsumer string
	// Verifier checks bearer tokens; nil: authentication off.
	Verifier *auth.Verifier
	// Logger is the subgraph's own logger; nil: discard.
	Logger *slog.Logger
	// Tracer makes the subgraph's spans; nil: none.
	Tracer trace.TracerProvider
}

// Service is one constructed subgraph: its handler, and the work it runs beside it until
// its context ends, if any.
type Service struct {
	Handler http.Handler
	Run     func(ctx context.Context) error // nil: none
}

// constructors build each subgraph of schema.Subgraphs with its own Config, by name: the
// one place the graph knows a subgraph by more than its table line. Each Config starts
// from its package's DefaultConfig and sets only what the graph gives (Env). A subgraph
// added to the table gets its entry here, calling its package's New; Start refuses to
// start while one is missing, and TestConstructors checks that the two lists agree.
func constructors() map[string]func(e Env) (Service, error) {
	return map[string]func(e Env) (Service, error){
		"users": func(e Env) (Service, error) {
			s := e.Stores["users"]
			cfg := users.DefaultConfig()
			cfg.Redis, cfg.KeyPrefix, cfg.CursorSecret = s.Client, s.Prefix, e.CursorSecret
			cfg.Verifier, cfg.Logger, cfg.Tracer = e.Verifier, e.Logger, e.Tracer
			h, err := users.New(cfg)
			return Service{Handler: h}, err
		},
		// products asks users whether an owner exists, and with an events consumer reads
		// users' events from the users Redis, as the products binary does with -users-url
		// and -events-redis-url.
		"products": func(e Env) (Service, error) {
			owners, err := products.NewUsersClient(e.URLs["users"])
			if err != nil {
				return Service{}, err
			}
			s := e.Stores["products"]
			cfg := products.DefaultConfig()
			cfg.Redis, cfg.KeyPrefix, cfg.CursorSecret, cfg.Owners = s.Client, s.Prefix, e.CursorSecret, owners
			cfg.Verifier, cfg.Logger, cfg.Tracer = e.Verifier, e.Logger, e.Tracer
			if e.EventsConsumer != "" {
				us := e.Stores["users"]
				cfg.Events.Redis, cfg.Events.Stream, cfg.Events.Consumer = us.Client, us.Prefix+events.UsersStream, e.EventsConsumer
			}
			ps, err := products.NewService(cfg)
			if err != nil {
				return Service{}, err
			}
			return Service{Handler: ps.Handler(), Run: ps.Run}, nil
		},
	}
}
