// Package products is the products subgraph: it owns Product, adds User.products, and
// keeps products in its own Redis, storing only each owner's id. It consumes the users
// subgraph's user.deleted events (subgraphs/events) and deletes the products of each
// deleted user.
package products

import (
	"context"
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
	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/products/graph"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// OwnerChecker tells whether a user exists; UsersClient asks the users subgraph.
type OwnerChecker = graph.OwnerChecker

// Config is what the products subgraph needs. Start from DefaultConfig and set Redis
// and Owners: a zero setting means what its comment says or is refused by Validate,
// never taken for its default.
type Config struct {
	// Redis holds the products. Required.
	Redis redis.UniversalClient
	// KeyPrefix starts every key the subgraph writes. default: "" (none)
	KeyPrefix string
	// CursorSecret signs pagination cursors; replicas must share it.
	// default: subgraph.DevCursorSecret, for development only (the binary warns)
	CursorSecret string
	// Owners checks that a new product's owner exists, usually a UsersClient. Required.
	Owners OwnerChecker
	// IdempotencyTTL is how long a createProduct idempotency key is kept: a retry within
	// it answers the first create's product; it must be positive.
	// default: 24h (subgraph.DefaultIdempotencyTTL)
	IdempotencyTTL time.Duration
	// OwnerTombstoneTTL is how long the products subgraph remembers a deleted owner
	// once it has deleted their products, refusing new products for them. It must
	// outlive any create that asked the users subgraph about the owner before the
	// deletion, which RequestTimeout bounds; days leave a wide margin, and ids are
	// never reused. It must be positive. default: 720h (30 days, DefaultOwnerTombstoneTTL)
	OwnerTombstoneTTL time.Duration
	// Events is where user.deleted events come from. Only NewService consumes them.
	// default: DefaultEventsConfig(), no consumer (Events.Redis nil): the products of
	// deleted users stay
	Events EventsConfig
	// Limits are what the subgraph refuses on its own. default: subgraph.DefaultLimits()
	Limits subgraph.Limits
	// MaxSubscriptions bounds the productCreated streams the subgraph serves at once,
	// whoever asks (the gateway's front bounds them per client too); one more is refused
	// with SUBSCRIPTION_LIMIT_EXCEEDED. Every stream shares one Redis connection.
	// Zero: no bound. default: 10000 (DefaultMaxSubscriptions)
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
// how. Start from DefaultEventsConfig.
type EventsConfig struct {
	// Redis is the users subgraph's Redis. The products subgraph reads its events stream
	// there, in its own consumer group, and no other key. default: nil, no consumer
	Redis redis.UniversalClient
	// Stream is the users subgraph's events stream: its key prefix followed by
	// events.UsersStream. Required. default: events.UsersStream (users without a key
	// prefix)
	Stream string
	// Group is the consumer group all products replicas share. Required.
	// default: "products"
	Group string
	// Consumer names this replica in the group; empty: the host name. default: empty
	Consumer string
	// MaxDeliveries is how many times an event is handled before it goes to the
	// dead-letter stream; it must be positive. default: 5 (events.DefaultMaxDeliveries)
	MaxDeliveries int64
	// RetryAfter is how long a failed or abandoned event waits before it is handled
	// again; it must be positive. default: 30s (events.DefaultRetryAfter)
	RetryAfter time.Duration
	// Block is how long one read waits for new events; a stopping consumer waits for
	// it to end; it must be positive. default: 1s (events.DefaultBlock)
	Block time.Duration
}

// Defaults of Config and EventsConfig.
const (
	DefaultOwnerTombstoneTTL = 30 * 24 * time.Hour
	DefaultEventsGroup       = "products"
	DefaultMaxSubscriptions  = 10000
)

// DefaultConfig returns the configuration with every documented default, and no Redis
// and no owner checker.
func DefaultConfig() Config {
	return Config{
		CursorSecret:      subgraph.DevCursorSecret,
		IdempotencyTTL:    subgraph.DefaultIdempotencyTTL,
		OwnerTombstoneTTL: DefaultOwnerTombstoneTTL,
		Events:            DefaultEventsConfig(),
		Limits:            subgraph.DefaultLimits(),
		MaxSubscriptions:  DefaultMaxSubscriptions,
	}
}

// DefaultEventsConfig returns the events settings with every documented default, and
// no Redis: no consumer.
func DefaultEventsConfig() EventsConfig {
	return EventsConfig{
		Stream:        events.UsersStream,
		Group:         DefaultEventsGroup,
		MaxDeliveries: events.DefaultMaxDeliveries,
		RetryAfter:    events.DefaultRetryAfter,
		Block:         events.DefaultBlock,
	}
}

// RegisterFlags binds the settings that flags give to fs, each flag defaulting to c's
// current value.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	subgraph.RegisterServiceFlags(fs, &c.KeyPrefix, &c.CursorSecret, &c.IdempotencyTTL, &c.Limits)
	fs.IntVar(&c.MaxSubscriptions, "max-subscriptions", c.MaxSubscriptions, "productCreated streams served at once (SUBSCRIPTION_LIMIT_EXCEEDED past it); 0: no bound")
	fs.DurationVar(&c.OwnerTombstoneTTL, "owner-tombstone-ttl", c.OwnerTombstoneTTL, "how long a deleted owner is remembered, refusing new products for them")
	ev := &c.Events
	fs.StringVar(&ev.Stream, "events-stream", ev.Stream, "the users subgraph's events stream: its key prefix followed by "+events.UsersStream)
	fs.StringVar(&ev.Group, "events-group", ev.Group, "consumer group every products replica shares")
	fs.StringVar(&ev.Consumer, "events-consumer", ev.Consumer, "this replica's name in the consumer group; empty: the host name")
	fs.Int64Var(&ev.MaxDeliveries, "events-max-deliveries", ev.MaxDeliveries, "deliveries of a failing event before it goes to the dead-letter stream")
	fs.DurationVar(&ev.RetryAfter, "events-retry-after", ev.RetryAfter, "how long a failed event waits before it is handled again")
}

// Validate reports every invalid setting at once; the dependencies (Redis, Owners) are
// New's to check.
func (c Config) Validate() error {
	var errs []error
	if _, err := relay.NewCursors(c.CursorSecret); err != nil {
		errs = append(errs, err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"idempotency-ttl", c.IdempotencyTTL}, {"owner-tombstone-ttl", c.OwnerTombstoneTTL}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("products: %s must be positive, got %s", d.name, d.v))
		}
	}
	if c.MaxSubscriptions < 0 {
		errs = append(errs, fmt.Errorf("products: max-subscriptions must be 0 (no bound) or positive, got %d", c.MaxSubscriptions))
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("products: %w", err))
	}
	ev := c.Events
	if ev.Stream == "" {
		errs = append(errs, errors.New("products: events-stream must not be empty"))
	}
	if ev.Group == "" {
		errs = append(errs, errors.New("products: events-group must not be empty"))
	}
	if ev.MaxDeliveries <= 0 {
		errs = append(errs, fmt.Errorf("products: events-max-deliveries must be positive, got %d", ev.MaxDeliveries))
	}
	if ev.RetryAfter <= 0 {
		errs = append(errs, fmt.Errorf("products: events-retry-after must be positive, got %s", ev.RetryAfter))
	}
	if ev.Block <= 0 {
		errs = append(errs, fmt.Errorf("products: events block must be positive, got %s", ev.Block))
	}
	return errors.Join(errs...)
}

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
	st := store.New(cfg.Redis, cfg.KeyPrefix, store.WithLogger(cfg.Logger))
	res := &graph.Resolver{Store: st, Cursors: cursors, Owners: cfg.Owners, LoaderWait: loaderWait, IdempotencyTTL: cfg.IdempotencyTTL, Access: subgraph.AccessFor(cfg.Verifier), MaxSubscriptions: cfg.MaxSubscriptions}
	gql, err := subgraph.NewHandler(graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: complexity()}), schema.Standalone(schema.Products()), cfg.Logger, cfg.Limits, cfg.Tracer,
		cfg.Verifier, subgraph.Metrics(cfg.Metrics, "products", cfg.Redis))
	if err != nil {
		return nil, err
	}

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
	cc := events.DefaultConsumerConfig()
	cc.Redis, cc.Stream, cc.Group, cc.Consumer = ec.Redis, ec.Stream, ec.Group, ec.Consumer
	cc.Handler, cc.DeadLetter, cc.Logger = handle, dead, logger
	cc.MaxDeliveries, cc.RetryAfter, cc.Block = ec.MaxDeliveries, ec.RetryAfter, ec.Block
	c, err := events.NewConsumer(cc)
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	return c, nil
}
