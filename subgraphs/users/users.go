// Package users is the users subgraph: it owns User and keeps users in its own Redis.
// Deleting a user appends a user.deleted event to its events stream in the same
// script (subgraphs/events), which the products subgraph consumes.
package users

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/users/graph"
	"github.com/fedgraph/fedgraph/subgraphs/users/store"
)

// Config is what the users subgraph needs. Start from DefaultConfig and set Redis: a
// zero setting is refused by Validate, never taken for its default.
type Config struct {
	// Redis holds the users and their events stream. Required.
	Redis redis.UniversalClient
	// KeyPrefix starts every key the subgraph writes; a consumer of its events names
	// the stream with it (KeyPrefix + events.UsersStream). default: "" (none)
	KeyPrefix string
	// CursorSecret signs pagination cursors; replicas must share it.
	// default: subgraph.DevCursorSecret, for development only (the binary warns)
	CursorSecret string
	// IdempotencyTTL is how long a createUser idempotency key is kept: a retry within
	// it answers the first create's user; it must be positive.
	// default: 24h (subgraph.DefaultIdempotencyTTL)
	IdempotencyTTL time.Duration
	// EventsMaxLen bounds the events stream, approximately (XADD MAXLEN ~). Events
	// beyond it are trimmed, consumed or not: a consumer down long enough for this many
	// users to be deleted meanwhile loses the oldest. It must be positive.
	// default: 100000 (DefaultEventsMaxLen)
	EventsMaxLen int64
	// Limits are what the subgraph refuses on its own. default: subgraph.DefaultLimits()
	Limits subgraph.Limits
	// Logger receives errors that clients see only as generic messages.
	// default: a logger that discards
	Logger *slog.Logger
	// Metrics receives the subgraph's Prometheus series (subgraph/metrics.go).
	// default: none
	Metrics prometheus.Registerer
	// Tracer makes the subgraph's spans (subgraph/tracing.go); instrument Redis with the
	// same provider (redisotel) for Redis spans. default: one that records nothing
	Tracer trace.TracerProvider
	// Verifier checks each request's bearer token, with the gateway's settings: a token
	// that does not verify is refused with 401 UNAUTHENTICATED, and the write rules
	// (subgraph.Access) are enforced. default: nil, authentication off: every caller is
	// anonymous and may write anything (development only)
	Verifier *auth.Verifier
}

// DefaultEventsMaxLen is Config.EventsMaxLen's default.
const DefaultEventsMaxLen = 100_000

// DefaultConfig returns the configuration with every documented default and no Redis.
func DefaultConfig() Config {
	return Config{
		CursorSecret:   subgraph.DevCursorSecret,
		IdempotencyTTL: subgraph.DefaultIdempotencyTTL,
		EventsMaxLen:   DefaultEventsMaxLen,
		Limits:         subgraph.DefaultLimits(),
	}
}

// RegisterFlags binds the settings that flags give to fs, each flag defaulting to c's
// current value.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	subgraph.RegisterServiceFlags(fs, &c.KeyPrefix, &c.CursorSecret, &c.IdempotencyTTL, &c.Limits)
	fs.Int64Var(&c.EventsMaxLen, "events-max-len", c.EventsMaxLen, "approximate bound on the events stream (user.deleted)")
}

// Validate reports every invalid setting at once; the dependencies (Redis) are New's to
// check.
func (c Config) Validate() error {
	var errs []error
	if _, err := relay.NewCursors(c.CursorSecret); err != nil {
		errs = append(errs, err)
	}
	if c.IdempotencyTTL <= 0 {
		errs = append(errs, fmt.Errorf("users: idempotency-ttl must be positive, got %s", c.IdempotencyTTL))
	}
	if c.EventsMaxLen <= 0 {
		errs = append(errs, fmt.Errorf("users: events-max-len must be positive, got %d", c.EventsMaxLen))
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("users: %w", err))
	}
	return errors.Join(errs...)
}

// New returns the users subgraph's HTTP handler: GraphQL on /graphql, its SDL on
// /schema.graphql, and /healthz and /readyz. It reports every bad setting at once.
func New(cfg Config) (http.Handler, error) {
	var errs []error
	if cfg.Redis == nil {
		errs = append(errs, errors.New("users: no redis client"))
	}
	errs = append(errs, cfg.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cursors, err := relay.NewCursors(cfg.CursorSecret)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	st := store.New(cfg.Redis, cfg.KeyPrefix, cfg.EventsMaxLen)
	res := &graph.Resolver{Store: st, Cursors: cursors, IdempotencyTTL: cfg.IdempotencyTTL, Access: subgraph.AccessFor(cfg.Verifier)}
	gql, err := subgraph.NewHandler(graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: complexity()}), schema.Standalone(schema.Users()), cfg.Logger, cfg.Limits, cfg.Tracer,
		cfg.Verifier, subgraph.Metrics(cfg.Metrics, "users", cfg.Redis))
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(res.WithBatch(r.Context())))
	}))
	serve.Health(mux, st.Ping, cfg.Logger)
	return mux, nil
}

// complexity makes the connection field cost its page size times its selections, as
// the gateway's cost does (subgraph.Limits.MaxComplexity).
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Users = func(child int, first *int, _ *string) int { return subgraph.ConnectionComplexity(child, first) }
	return c
}
