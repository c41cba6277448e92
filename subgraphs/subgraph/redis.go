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

// DefaultRedisTimeout is OpenRedis's bound on each Redis call when none is given: a
// Redis that is down or frozen costs a request about this long before it is answered
// SERVICE_UNAVAILABLE. A healthy Redis answers our calls in well under a millisecond.
const DefaultRedisTimeout = 500 * time.Millisecond

// OpenRedis connects to the Redis at url (redis:// or rediss://) through a
// redis.UniversalClient, the seam for Sentinel and Cluster later. An empty url starts
// an embedded in-memory Redis (miniredis), for development. The returned func closes
// the client and, if any, the embedded server.
//
// timeout (0 means DefaultRedisTimeout) bounds every call as a whole: waiting for a
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
		timeout = DefaultRedisTimeout
	}
	var embedded *miniredis.Miniredis
	if url == "" {
		embedded = miniredis.NewMiniRedis()
		if err := embedded.Start(); err != nil {
			return nil, nil, fmt.Errorf("start embedded redis: %w", err)
		}
		url = "redis://" + embedded.Addr()
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		if embedded != nil {
			embedded.Close()
		}
		return nil, nil, fmt.Errorf("parse redis url: %w", err)
	}
	client := redis.NewUniversalClient(RedisOptions(opt, timeout))
	AddDeadlines(client, timeout)
	closeAll := func() {
		client.Close()
		if embedded != nil {
			embedded.Close()
		}
	}
	return client, closeAll, nil
}

// RedisOptions returns the client options OpenRedis uses for the server opt names:
// every timeout go-redis has set to timeout, and no retries.
func RedisOptions(opt *redis.Options, timeout time.Duration) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                 []string{opt.Addr},
		Username:              opt.Username,
		Password:              opt.Password,
		DB:                    opt.DB,
		TLSConfig:             opt.TLSConfig,
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		PoolTimeout:           timeout, // go-redis's default is ReadTimeout + 1s
		MaxRetries:            -1,      // none: see OpenRedis
		ContextTimeoutEnabled: true,
	}
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
