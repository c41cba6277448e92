// Package products is the products subgraph: it owns Product, adds User.products, and
// keeps products in its own Redis, storing only each owner's id. It consumes the users
// subgraph's user.deleted events (subgraphs/events) and deletes the products of each
// deleted user.
package products

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/events"
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
	// IdempotencyTTL is how long a createProduct idempotency key is kept: a retry within
	// it answers the first create's product. default: 24h (subgraph.DefaultIdempotencyTTL)
	IdempotencyTTL time.Duration
	// OwnerTombstoneTTL is how long the products subgraph remembers a deleted owner
	// once it has deleted their products, refusing new products for them. It must
	// outlive any create that asked the users subgraph about the owner before the
	// deletion, which RequestTimeout bounds; days leave a wide margin, and ids are
	// never reused. default: 720h (30 days, DefaultOwnerTombstoneTTL)
	OwnerTombstoneTTL time.Duration
	// Events is where user.deleted events come from. Only NewService consumes them.
	// default: no consumer (Events.Redis nil): the products of deleted users stay
	Events EventsConfig
	// Limits are what the subgraph refuses on its own. default: subgraph.Limits' defaults
	Limits subgraph.Limits
	// MaxSubscriptions bounds the productCreated streams the subgraph serves at once,
	// whoever asks (the gateway's front bounds them per client too); one more is refused
	// with SUBSCRIPTION_LIMIT_EXCEEDED. Every stream shares one Redis connection.
	// default: 10000 (DefaultMaxSubscriptions)
	MaxSubscriptions int
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

// EventsConfig is where the products subgraph reads the users subgraph's events and
// how. Zero fields take their defaults.
type EventsConfig struct {
	// Redis is the users subgraph's Redis. The products subgraph reads its events stream
	// there, in its own consumer group, and no other key. default: nil, no consumer
	Redis redis.UniversalClient
	// Stream is the users subgraph's events stream: its key prefix followed by
	// events.UsersStream. default: events.UsersStream (users without a key prefix)
	Stream string
	// Group is the consumer group all products replicas share. default: "products"
	Group string
	// Consumer names this replica in the group. default: the host name
	Consumer string
	// MaxDeliveries is how many times an event is handled before it goes to the
	// dead-letter stream. default: 5 (events.DefaultMaxDeliveries)
	MaxDeliveries int64
	// RetryAfter is how long a failed or abandoned event waits before it is handled
	// again. default: 30s (events.DefaultRetryAfter)
	RetryAfter time.Duration
	// Block is how long one read waits for new events; a stopping consumer waits for
	// it to end. default: 1s (events.DefaultBlock)
	Block time.Duration
}

// Defaults of Config and EventsConfig.
const (
	DefaultOwnerTombstoneTTL = 30 * 24 * time.Hour
	DefaultEventsGroup       = "products"
	DefaultMaxSubscriptions  = 10000
)

// Service is the products subgraph: its HTTP handler, and the consumer of user.deleted
// events that Run runs.
type Service struct {
	handler  http.Handler
	consumer *events.Consumer // nil without Config.Events.Redis
	logger   *slog.Logger
}

// New returns the products subgraph's HTTP handler: GraphQL on /graphql, its SDL on
// /schema.graphql, and /healthz and /readyz. It consumes no events; a Config with
// Events.Redis is refused, so that events are never silently left unread: use
// NewService.
func New(cfg Config) (http.Handler, error) {
	if cfg.Events.Redis != nil {
		return nil, errors.New("products: New does not consume events: use NewService and run it")
	}
	s, err := newService(cfg, graph.DefaultLoaderWait)
	if err != nil {
		return nil, err
	}
	return s.handler, nil
}

// NewService returns the products subgraph: Handler serves it, and Run consumes the
// users subgraph's events until its context is done. Readiness (/readyz) is the
// products Redis answering, whatever the consumer is doing: a lagging or failing
// consumer does not take the subgraph out of service.
func NewService(cfg Config) (*Service, error) {
	return newService(cfg, graph.DefaultLoaderWait)
}

// Handler is the subgraph's HTTP handler.
func (s *Service) Handler() http.Handler { return s.handler }

// Run consumes user.deleted events until ctx is done and returns nil once the read in
// flight has ended (Config.Events.Block). Without Config.Events.Redis it returns nil at
// once. Failures are logged and retried; Run never returns early because of them.
func (s *Service) Run(ctx context.Context) error {
	if s.consumer == nil {
		return nil
	}
	return s.consumer.Run(ctx)
}

// newService is NewService with the time-window loader's wait as a parameter, so that
// tests can shrink it: the round trips of pages the operation names must not depend
// on it.
func newService(cfg Config, loaderWait time.Duration) (*Service, error) {
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
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"idempotency-ttl", cfg.IdempotencyTTL}, {"owner-tombstone-ttl", cfg.OwnerTombstoneTTL}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("products: %s must not be negative, got %s", d.name, d.v))
		}
	}
	if cfg.MaxSubscriptions < 0 {
		errs = append(errs, fmt.Errorf("products: max-subscriptions must be positive (0: the default, %d), got %d", DefaultMaxSubscriptions, cfg.MaxSubscriptions))
	}
	if err := cfg.Limits.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("products: %w", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = subgraph.DefaultIdempotencyTTL
	}
	if cfg.OwnerTombstoneTTL == 0 {
		cfg.OwnerTombstoneTTL = DefaultOwnerTombstoneTTL
	}
	if cfg.MaxSubscriptions == 0 {
		cfg.MaxSubscriptions = DefaultMaxSubscriptions
	}
	st := store.New(cfg.Redis, cfg.KeyPrefix, store.WithLogger(cfg.Logger))
	res := &graph.Resolver{Store: st, Cursors: cursors, Owners: cfg.Owners, LoaderWait: loaderWait, IdempotencyTTL: cfg.IdempotencyTTL, Access: subgraph.AccessFor(cfg.Verifier), MaxSubscriptions: cfg.MaxSubscriptions}
	gql := subgraph.NewHandler(graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: complexity()}), schema.Standalone(schema.Products()), cfg.Logger, cfg.Limits, cfg.Tracer,
		cfg.Verifier, subgraph.Metrics(cfg.Metrics, "products", cfg.Redis))

	mux := http.NewServeMux()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(res.WithLoader(r.Context())))
	}))
	serve.Health(mux, st.Ping, cfg.Logger)
	s := &Service{handler: mux, logger: cfg.Logger}
	if cfg.Events.Redis != nil {
		if s.consumer, err = newConsumer(cfg, st); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// complexity makes each connection field cost its page size times its selections, as
// the gateway's cost does (subgraph.Limits.MaxComplexity).
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Products = func(child int, first *int, _, _ *string) int { return subgraph.ConnectionComplexity(child, first) }
	c.User.Products = func(child int, first *int, _ *string) int { return subgraph.ConnectionComplexity(child, first) }
	return c
}

// newConsumer returns the consumer of the users subgraph's events: user.deleted deletes
// the user's products (store.DeleteOwner, idempotent), other types are acknowledged
// unread, and an event that fails every delivery goes to the products store's
// dead-letter stream.
func newConsumer(cfg Config, st *store.Store) (*events.Consumer, error) {
	ec := cfg.Events
	if ec.Stream == "" {
		ec.Stream = events.UsersStream
	}
	if ec.Group == "" {
		ec.Group = DefaultEventsGroup
	}
	logger := cfg.Logger.With("component", "events")
	handle := func(ctx context.Context, m events.Message) error {
		typ, _ := m.Values[events.FieldType].(string)
		if typ != events.TypeUserDeleted {
			logger.DebugContext(ctx, "ignoring event of another type", "id", m.ID, "type", typ)
			return nil
		}
		e, err := events.ParseUserDeleted(m.Values)
		if err != nil {
			return err
		}
		n, err := st.DeleteOwner(ctx, e.UserID, e.DeletedAt, cfg.OwnerTombstoneTTL)
		if err != nil {
			return err
		}
		logger.InfoContext(ctx, "deleted the products of a deleted user", "user", e.UserID, "products", n, "event", m.ID)
		return nil
	}
	dead := func(ctx context.Context, m events.Message, cause error) error {
		return st.DeadLetter(ctx, store.DeadEvent{
			Stream: ec.Stream, ID: m.ID, Values: m.Values, Deliveries: m.Deliveries, Err: cause, At: time.Now(),
		})
	}
	c, err := events.NewConsumer(events.ConsumerConfig{
		Redis: ec.Redis, Stream: ec.Stream, Group: ec.Group, Consumer: ec.Consumer,
		Handler: handle, DeadLetter: dead,
		MaxDeliveries: ec.MaxDeliveries, RetryAfter: ec.RetryAfter, Block: ec.Block, Logger: logger,
	})
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	return c, nil
}
