// Package redistest gives tests a Redis: the real server named by REDIS_URL when it is
// set, an in-process miniredis otherwise. Tests sharing one real server never collide:
// each gets its own key prefix, and its keys are deleted when it ends.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis is a test's Redis client and the key prefix the test must use.
type Redis struct {
	Client redis.UniversalClient
	Prefix string
	// Real reports whether Client talks to a real Redis server.
	Real bool
	// RoundTrips counts commands and pipelines sent, each one round trip.
	RoundTrips *atomic.Int64
}

// New returns a Redis for t, closed and cleaned when t ends.
func New(t testing.TB) Redis {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	real := url != ""
	if !real {
		m := miniredis.RunT(t)
		url = "redis://" + m.Addr()
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{opt.Addr}, Username: opt.Username, Password: opt.Password, DB: opt.DB,
		ContextTimeoutEnabled: true,
	})
	var b [6]byte
	rand.Read(b[:])
	prefix := "test:" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ":" + hex.EncodeToString(b[:]) + ":"
	counter := &atomic.Int64{}
	client.AddHook(countHook{counter})
	t.Cleanup(func() {
		if real {
			ctx := context.Background()
			iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			if len(keys) > 0 {
				client.Del(ctx, keys...)
			}
		}
		client.Close()
	})
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", opt.Addr, err)
	}
	counter.Store(0)
	return Redis{Client: client, Prefix: prefix, Real: real, RoundTrips: counter}
}

type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}
