package subgraph

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/metrics"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/schema"
)

// Flags are the process settings every subgraph binary takes, each from a flag or from
// its environment variable (see serve.ParseFlags): the settings every service shares
// and its Redis. What the subgraph itself is configured with (its key prefix, cursor
// secret, limits…) is its package's Config, whose flags RegisterServiceFlags binds.
// Start from DefaultFlags.
type Flags struct {
	serve.Flags
	// RedisURL is the subgraph's Redis (redis://host:port/db, see ParseRedisURL).
	// default: "", an embedded in-memory Redis
	RedisURL string
	// RedisTimeout bounds each Redis call (OpenRedis); it must be positive.
	// default: DefaultRedisTimeout
	RedisTimeout time.Duration
	registry     *prometheus.Registry
}

// DefaultFlags returns the settings of the subgraph named name in the subgraph table
// (schema.Subgraphs): it listens on the table's port, on the loopback interface.
func DefaultFlags(name string) Flags {
	return Flags{Flags: serve.DefaultFlags(schema.MustLookup(name).Port), RedisTimeout: DefaultRedisTimeout}
}

// RegisterFlags binds the settings to fs, each flag defaulting to f's current value.
func (f *Flags) RegisterFlags(fs *flag.FlagSet) {
	f.Flags.RegisterFlags(fs)
	fs.StringVar(&f.RedisURL, "redis-url", f.RedisURL, "Redis URL (redis://host:port/db); empty starts an embedded in-memory Redis")
	fs.DurationVar(&f.RedisTimeout, "redis-timeout", f.RedisTimeout, "bound on each Redis call: connection pool wait, dial and command")
}

// Validate reports every invalid setting at once.
func (f Flags) Validate() error {
	var errs []error
	errs = append(errs, f.Flags.Validate())
	if f.RedisTimeout <= 0 {
		errs = append(errs, fmt.Errorf("redis-timeout must be positive, got %s", f.RedisTimeout))
	}
	return errors.Join(errs...)
}

// RegisterServiceFlags binds the settings every subgraph's Config has, each flag
// defaulting to the value it points at: the key prefix, the cursor secret, the
// idempotency keys' lifetime and the limits.
func RegisterServiceFlags(fs *flag.FlagSet, keyPrefix, cursorSecret *string, idempotencyTTL *time.Duration, lim *Limits) {
	fs.StringVar(keyPrefix, "key-prefix", *keyPrefix, "prefix of every Redis key the service writes")
	fs.StringVar(cursorSecret, "cursor-secret", *cursorSecret, "secret that signs pagination cursors; replicas must share it")
	fs.DurationVar(idempotencyTTL, "idempotency-ttl", *idempotencyTTL, "how long a create's idempotency key is kept")
	lim.RegisterFlags(fs)
}

// Open returns the logger and the Redis client the settings describe, warning about
// development settings: an embedded Redis, and cursorSecret, the subgraph's, when it is
// DevCursorSecret. closeRedis closes the client and any embedded Redis.
func (f *Flags) Open(stdout io.Writer, cursorSecret string) (logger *slog.Logger, rdb redis.UniversalClient, closeRedis func(), err error) {
	logger, err = f.Logger(stdout)
	if err != nil {
		return nil, nil, nil, err
	}
	rdb, closeRedis, err = OpenRedis(f.RedisURL, f.RedisTimeout)
	if err != nil {
		return nil, nil, nil, err
	}
	if f.RedisURL == "" {
		logger.Warn("no REDIS_URL: using an embedded in-memory Redis; data is lost on exit")
	}
	if cursorSecret == DevCursorSecret {
		logger.Warn("CURSOR_SECRET not set: using the development secret")
	}
	return logger, rdb, closeRedis, nil
}

// Serve listens on the configured address, prints the GraphQL URL as "<name> on URL"
// once the listener is bound, and serves h until ctx is done.
func (f *Flags) Serve(ctx context.Context, name string, h http.Handler, logger *slog.Logger, stdout io.Writer) error {
	if err := serve.Debug(ctx, f.DebugAddr, logger, stdout); err != nil {
		return err
	}
	if f.registry != nil {
		if err := metrics.Serve(ctx, f.MetricsAddr, f.registry, logger, stdout); err != nil {
			return err
		}
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", f.ListenAddr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s on http://%s%s\n", name, ln.Addr(), GraphQLPath)
	return serve.Run(ctx, serve.NewServer(h), ln, logger)
}

// Metrics returns the registry the service's series go to when -metrics-addr is set
// (Serve serves it there), nil otherwise.
func (f *Flags) Metrics() prometheus.Registerer {
	if f.MetricsAddr == "" {
		return nil
	}
	if f.registry == nil {
		f.registry = metrics.NewRegistry()
	}
	return f.registry
}

// DefaultURL is the GraphQL URL of the subgraph named name in the subgraph table when
// its binary runs with its default -listen-addr: http://127.0.0.1:PORT/graphql.
func DefaultURL(name string) string {
	return "http://" + serve.DefaultAddr(schema.MustLookup(name).Port) + GraphQLPath
}
