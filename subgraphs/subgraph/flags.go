package subgraph

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/serve"
)

// Flags are the settings every subgraph binary takes, each from a flag or from its
// environment variable (see serve.ParseFlags).
type Flags struct {
	Addr           string
	RedisURL       string
	RedisTimeout   time.Duration
	KeyPrefix      string
	CursorSecret   string
	IdempotencyTTL time.Duration
	Limits         Limits
	LogLevel       string
	LogFormat      string
	MetricsAddr    string
	registry       *prometheus.Registry
	DebugAddr      string
	Auth           auth.Config
}

// Register binds the settings to fs; defaultAddr is -listen-addr's default (serve.DefaultAddr:
// loopback only).
func (f *Flags) Register(fs *flag.FlagSet, defaultAddr string) {
	fs.StringVar(&f.Addr, "listen-addr", defaultAddr, "address to serve on; 0.0.0.0:PORT for every interface")
	fs.StringVar(&f.RedisURL, "redis-url", "", "Redis URL (redis://host:port/db); empty starts an embedded in-memory Redis")
	fs.DurationVar(&f.RedisTimeout, "redis-timeout", DefaultRedisTimeout, "bound on each Redis call: connection pool wait, dial and command")
	fs.StringVar(&f.KeyPrefix, "key-prefix", "", "prefix of every Redis key the service writes")
	fs.StringVar(&f.CursorSecret, "cursor-secret", DevCursorSecret, "secret that signs pagination cursors; replicas must share it")
	fs.DurationVar(&f.IdempotencyTTL, "idempotency-ttl", DefaultIdempotencyTTL, "how long a create's idempotency key is kept")
	f.Limits.Register(fs)
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.LogFormat, "log-format", "json", "json or text")
	fs.StringVar(&f.MetricsAddr, "metrics-addr", "", "address of a separate listener for Prometheus /metrics; empty: none")
	fs.StringVar(&f.DebugAddr, "debug-addr", "", "address of a separate listener for /debug/pprof/; empty: none")
	f.Auth.RegisterFlags(fs)
}

// Open returns the logger and the Redis client the settings describe, warning about
// development defaults. closeRedis closes the client and any embedded Redis.
func (f *Flags) Open(stdout io.Writer) (logger *slog.Logger, rdb redis.UniversalClient, closeRedis func(), err error) {
	logger, err = serve.NewLogger(stdout, f.LogLevel, f.LogFormat)
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
	if f.CursorSecret == DevCursorSecret {
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
	ln, err := net.Listen("tcp", f.Addr)
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

// Verifier returns the token verifier the auth settings describe (the gateway's own,
// which the subgraph must share), nil with a warning when authentication is off: then
// every caller is anonymous and the write rules are not enforced (see Access).
func (f *Flags) Verifier(ctx context.Context, logger *slog.Logger) (*auth.Verifier, error) {
	v, err := auth.New(ctx, f.Auth)
	if err != nil {
		return nil, err
	}
	if v == nil {
		logger.Warn("no JWKS_URL or JWKS_FILE: authentication is off; tokens are ignored and anyone may write anything")
	}
	return v, nil
}
