package subgraph_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// TestOpenRedisTimeouts checks that every timeout go-redis has obeys -redis-timeout,
// including the wait for a pooled connection, which go-redis would otherwise set a
// second longer, and that no call is retried.
func TestOpenRedisTimeouts(t *testing.T) {
	for _, tt := range []struct {
		name    string
		timeout time.Duration
		want    time.Duration
	}{
		{"default", 0, subgraph.DefaultRedisTimeout},
		{"given", 250 * time.Millisecond, 250 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb, closeRedis, err := subgraph.OpenRedis("redis://"+subgraphtest.Silent(t), tt.timeout)
			if err != nil {
				t.Fatal(err)
			}
			defer closeRedis()
			opt := rdb.(*redis.Client).Options()
			for _, got := range []struct {
				name string
				d    time.Duration
			}{{"dial", opt.DialTimeout}, {"read", opt.ReadTimeout}, {"write", opt.WriteTimeout}, {"pool", opt.PoolTimeout}} {
				if got.d != tt.want {
					t.Errorf("%s timeout = %s, want %s", got.name, got.d, tt.want)
				}
			}
			if opt.MaxRetries != 0 {
				t.Errorf("MaxRetries = %d, want 0: a write whose reply was lost must not be applied twice", opt.MaxRetries)
			}
			if !opt.ContextTimeoutEnabled {
				t.Error("ContextTimeoutEnabled is off: call deadlines would not reach the socket")
			}
		})
	}
	if subgraph.DefaultRedisTimeout > time.Second {
		t.Errorf("DefaultRedisTimeout = %s: a frozen Redis must be answered within about a second", subgraph.DefaultRedisTimeout)
	}
}

// TestDeadlinesBoundEveryCall sends calls to a Redis that accepts connections and never
// answers: each ends with an error that IsUnavailable recognises, even the call that
// waits for the pool's only connection, held by another hung call. Had a call no
// deadline the test would hang; the bound it checks is generous (it is not a timing).
func TestDeadlinesBoundEveryCall(t *testing.T) {
	const timeout = 100 * time.Millisecond
	opt := subgraph.RedisOptions(&redis.Options{Addr: subgraphtest.Silent(t)}, timeout)
	opt.PoolSize = 1
	rdb := redis.NewUniversalClient(opt)
	defer rdb.Close()
	subgraph.AddDeadlines(rdb, timeout)

	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- rdb.Ping(context.Background()).Err() }()
	}
	bound := time.NewTimer(50 * timeout)
	defer bound.Stop()
	for range 3 {
		select {
		case err := <-errs:
			if !subgraph.IsUnavailable(err) {
				t.Errorf("a call to a silent Redis failed with %v, which is not recognised as unavailable", err)
			}
		case <-bound.C:
			t.Fatal("a call to a silent Redis did not end: it has no deadline")
		}
	}
}

// TestBlockingReadsGetTheirBlockTime checks that the deadline leaves a blocking stream
// read its BLOCK time: XREADGROUP BLOCK longer than the timeout ends empty, not with a
// deadline error.
func TestBlockingReadsGetTheirBlockTime(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			const timeout = 200 * time.Millisecond
			rb := subgraphtest.ProxiedRedis(t, b, timeout)
			ctx := context.Background()
			stream := rb.Direct.Prefix + "stream"
			// This also dials the connection, so that the read below is the command alone.
			if err := rb.Client.XGroupCreateMkStream(ctx, stream, "g", "0").Err(); err != nil {
				t.Fatal(err)
			}
			err := rb.Client.XReadGroup(ctx, &redis.XReadGroupArgs{
				Group: "g", Consumer: "c", Streams: []string{stream, ">"}, Block: 4 * timeout,
			}).Err()
			if !errors.Is(err, redis.Nil) {
				t.Errorf("XREADGROUP BLOCK %s with a %s timeout = %v, want redis.Nil (nothing new)", 4*timeout, timeout, err)
			}
		})
	}
}
