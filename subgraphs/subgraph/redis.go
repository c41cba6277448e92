package subgraph

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisTimeout is the default bound on each Redis call (-redis-timeout): a
// Redis that is down or frozen costs a request about this long before it is answered
// SERVICE_UNAVAILABLE. A healthy Redis answers our calls in well under a millisecond.
const DefaultRedisTimeout = 500 * time.Millisecond

// OpenRedis connects to the Redis at url through a redis.UniversalClient (see
// ParseRedisURL for the forms url may take, a Redis Cluster's among them). An empty url
// starts an embedded in-memory Redis (miniredis), for development. The returned func
// closes the client and, if any, the embedded server.
//
// timeout (positive; DefaultRedisTimeout by default) bounds every call as a whole: waiting for a
// pooled connection, dialing (go-redis's dial retries included) and the command's
// write and read. Each of go-redis's own timeouts is set to it, and a hook gives each
// call a context deadline of timeout, so no path through go-redis waits longer. A call
// that blocks in Redis by its own BLOCK argument (XREADGROUP) gets that long on top.
// Calls are never retried: a write whose reply was lost must not be applied twice, so
// the caller sees the error (SERVICE_UNAVAILABLE) and a client may retry, with an
// idempotency key for creates. When Redis returns, new calls dial again: the client
// recovers without a restart.
func OpenRedis(url string, timeout time.Duration) (redis.UniversalClient, func(), error) {
	if timeout <= 0 {
		return nil, nil, fmt.Errorf("redis-timeout must be positive, got %s", timeout)
	}
	var embedded *miniredis.Miniredis
	if url == "" {
		embedded = miniredis.NewMiniRedis()
		if err := embedded.Start(); err != nil {
			return nil, nil, fmt.Errorf("start embedded redis: %w", err)
		}
		url = "redis://" + embedded.Addr()
	}
	uopt, err := ParseRedisURL(url)
	if err != nil {
		if embedded != nil {
			embedded.Close()
		}
		return nil, nil, err
	}
	client := redis.NewUniversalClient(withTimeouts(uopt, timeout))
	AddDeadlines(client, timeout)
	closeAll := func() {
		client.Close()
		if embedded != nil {
			embedded.Close()
		}
	}
	return client, closeAll, nil
}

// ParseRedisURL reads a Redis location:
//
//	redis://user:pass@host:6379/0, rediss://…   one server (TLS with rediss)
//	host1:6379,host2:6379,host3:6379            a Redis Cluster, by some of its nodes
//	redis://user:pass@host1:6379,redis://host2:6379
//	redis://user:pass@host1:6379?addr=host2:6379&addr=host3:6379
//	                                            a Redis Cluster too (go-redis's cluster URL)
//	redis://user:pass@host:6379?cluster=true    a Redis Cluster by one seed node (a Service
//	                                            in front of its leaders, say)
//
// A cluster has one database, 0.
func ParseRedisURL(url string) (*redis.UniversalOptions, error) {
	if strings.Contains(url, ",") {
		u := &redis.UniversalOptions{IsClusterMode: true}
		for _, part := range strings.Split(url, ",") {
			part = strings.TrimSpace(part)
			if !strings.Contains(part, "://") {
				u.Addrs = append(u.Addrs, part)
				continue
			}
			opt, err := redis.ParseURL(part)
			if err != nil {
				return nil, fmt.Errorf("parse redis cluster url: %w", err)
			}
			if opt.DB != 0 {
				return nil, fmt.Errorf("parse redis cluster url: a cluster has only database 0, not %d", opt.DB)
			}
			u.Addrs = append(u.Addrs, opt.Addr)
			u.Username, u.Password, u.TLSConfig = opt.Username, opt.Password, opt.TLSConfig
		}
		return u, nil
	}
	if rest, ok := cutClusterParam(url); ok || strings.Contains(url, "addr=") {
		opt, err := redis.ParseClusterURL(rest)
		if err != nil {
			return nil, fmt.Errorf("parse redis cluster url: %w", err)
		}
		return &redis.UniversalOptions{IsClusterMode: true, Addrs: opt.Addrs, Username: opt.Username,
			Password: opt.Password, TLSConfig: opt.TLSConfig}, nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	return &redis.UniversalOptions{Addrs: []string{opt.Addr}, Username: opt.Username,
		Password: opt.Password, DB: opt.DB, TLSConfig: opt.TLSConfig}, nil
}

// RedisOptions returns the client options OpenRedis uses for the one server opt names:
// every timeout go-redis has set to timeout, and no retries.
func RedisOptions(opt *redis.Options, timeout time.Duration) *redis.UniversalOptions {
	return withTimeouts(&redis.UniversalOptions{
		Addrs: []string{opt.Addr}, Username: opt.Username, Password: opt.Password, DB: opt.DB, TLSConfig: opt.TLSConfig,
	}, timeout)
}

// withTimeouts sets every timeout go-redis has to timeout, and no retries.
func withTimeouts(u *redis.UniversalOptions, timeout time.Duration) *redis.UniversalOptions {
	u.DialTimeout = timeout
	u.ReadTimeout = timeout
	u.WriteTimeout = timeout
	u.PoolTimeout = timeout // go-redis's default is ReadTimeout + 1s
	u.MaxRetries = -1       // none: see OpenRedis
	u.ContextTimeoutEnabled = true
	return u
}

// AddDeadlines makes every call of client end within timeout, plus the time a
// blocking stream read asks for: the wait for a pooled connection, a dial and the
// command together. OpenRedis adds it; tests that build their own client do too.
func AddDeadlines(client redis.UniversalClient, timeout time.Duration) {
	client.AddHook(deadlineHook{timeout: timeout})
}

// deadlineHook gives every call a context deadline, so that the wait for a pooled
// connection, a dial and the command together never exceed timeout.
type deadlineHook struct{ timeout time.Duration }

func (h deadlineHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (h deadlineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		ctx, cancel := context.WithTimeout(ctx, h.timeout+blockOf(cmd))
		defer cancel()
		return next(ctx, cmd)
	}
}

func (h deadlineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		ctx, cancel := context.WithTimeout(ctx, h.timeout)
		defer cancel()
		return next(ctx, cmds)
	}
}

// blockOf returns how long cmd may wait in Redis by its own BLOCK argument: the
// stream reads that wait for entries. Any other command does not block.
func blockOf(cmd redis.Cmder) time.Duration {
	switch cmd.Name() {
	case "xread", "xreadgroup":
	default:
		return 0
	}
	args := cmd.Args()
	for i := 0; i+1 < len(args); i++ {
		if s, ok := args[i].(string); ok && strings.EqualFold(s, "block") {
			ms, err := strconv.ParseInt(fmt.Sprint(args[i+1]), 10, 64)
			if err != nil || ms <= 0 {
				return 0 // BLOCK 0 waits for ever; the deadline bounds it
			}
			return time.Duration(ms) * time.Millisecond
		}
	}
	return 0
}

// DevCursorSecret is the cursor secret of a development run. Production sets its own.
const DevCursorSecret = "fedgraph-development-cursor-secret"

// cutClusterParam removes a cluster=true query parameter from url, reporting whether
// it was there. go-redis has no such parameter: it is ours, so that one seed address
// can name a cluster.
func cutClusterParam(url string) (string, bool) {
	base, query, ok := strings.Cut(url, "?")
	if !ok {
		return url, false
	}
	var kept []string
	found := false
	for _, p := range strings.Split(query, "&") {
		if p == "cluster=true" {
			found = true
			continue
		}
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		return base, found
	}
	return base + "?" + strings.Join(kept, "&"), found
}
