package subgraph

import (
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisTimeout is OpenRedis's bound on dialing and on each command when none is
// given.
const DefaultRedisTimeout = 2 * time.Second

// OpenRedis connects to the Redis at url (redis:// or rediss://) through a
// redis.UniversalClient, the seam for Sentinel and Cluster later. An empty url starts
// an embedded in-memory Redis (miniredis), for development. The returned func closes
// the client and, if any, the embedded server.
//
// timeout bounds dialing and every command (0 means DefaultRedisTimeout), so a Redis
// that does not answer yields an error rather than a hung request.
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
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 []string{opt.Addr},
		Username:              opt.Username,
		Password:              opt.Password,
		DB:                    opt.DB,
		TLSConfig:             opt.TLSConfig,
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		MaxRetries:            1,
		ContextTimeoutEnabled: true,
	})
	closeAll := func() {
		client.Close()
		if embedded != nil {
			embedded.Close()
		}
	}
	return client, closeAll, nil
}

// DevCursorSecret is the cursor secret of a development run. Production sets its own.
const DevCursorSecret = "fedgraph-development-cursor-secret"
