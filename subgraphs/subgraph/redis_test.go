package subgraph_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
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
		{"default", subgraph.DefaultRedisTimeout, subgraph.DefaultRedisTimeout},
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
	if _, _, err := subgraph.OpenRedis("redis://"+subgraphtest.Silent(t), 0); err == nil || !strings.Contains(err.Error(), "redis-timeout must be positive") {
		t.Errorf("OpenRedis with a zero timeout: %v, want refused", err)
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
	for _, b := range redistest.ServerBackends() {
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

// TestParseRedisURL checks each form a Redis location may take, and that bad ones are
// refused with an error rather than half-read.
func TestParseRedisURL(t *testing.T) {
	for _, tt := range []struct {
		url     string
		cluster bool
		addrs   []string
		user    string
		pass    string
		db      int
		tls     bool
	}{
		{url: "redis://localhost:6379/2", addrs: []string{"localhost:6379"}, db: 2},
		{url: "rediss://u:p@cache.example:6380", addrs: []string{"cache.example:6380"}, user: "u", pass: "p", tls: true},
		{url: "10.0.0.1:7000,10.0.0.2:7000, 10.0.0.3:7000", cluster: true, addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}},
		{url: "redis://:secret@a:7000,redis://:secret@b:7000", cluster: true, addrs: []string{"a:7000", "b:7000"}, pass: "secret"},
		{url: "redis://:secret@a:7000?addr=b:7000&addr=c:7000", cluster: true, addrs: []string{"a:7000", "b:7000", "c:7000"}, pass: "secret"},
		{url: "redis://:secret@users-redis-leader:6379?cluster=true", cluster: true, addrs: []string{"users-redis-leader:6379"}, pass: "secret"},
		{url: "redis://a:7000?cluster=true&dial_timeout=2s", cluster: true, addrs: []string{"a:7000"}},
	} {
		t.Run(tt.url, func(t *testing.T) {
			u, err := subgraph.ParseRedisURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if u.IsClusterMode != tt.cluster || !slices.Equal(u.Addrs, tt.addrs) || u.Username != tt.user ||
				u.Password != tt.pass || u.DB != tt.db || (u.TLSConfig != nil) != tt.tls {
				t.Errorf("got cluster=%v addrs=%v user=%q pass=%q db=%d tls=%v",
					u.IsClusterMode, u.Addrs, u.Username, u.Password, u.DB, u.TLSConfig != nil)
			}
		})
	}
	for _, bad := range []string{
		"http://localhost:6379",
		"redis://a:7000/1,redis://b:7000/1", // a cluster has only database 0
		"redis://a:7000?cluster=true&bogus=1",
		"redis://localhost:notaport/x",
	} {
		if u, err := subgraph.ParseRedisURL(bad); err == nil {
			t.Errorf("ParseRedisURL(%q) = %+v, want an error", bad, u)
		}
	}
}

// TestOpenRedisCluster opens the cluster REDIS_CLUSTER_URL names by one seed node, as
// the Kubernetes manifests do, and checks that keys in different slots are reached.
func TestOpenRedisCluster(t *testing.T) {
	nodes := os.Getenv("REDIS_CLUSTER_URL")
	if nodes == "" {
		t.Skip("REDIS_CLUSTER_URL not set")
	}
	seed, _, _ := strings.Cut(nodes, ",")
	rdb, closeRedis, err := subgraph.OpenRedis("redis://"+seed+"?cluster=true", subgraph.DefaultRedisTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRedis()
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Fatalf("client is %T, want a *redis.ClusterClient", rdb)
	}
	ctx := context.Background()
	prefix := "test:" + t.Name() + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	slots := map[int64]bool{}
	for i := range 16 {
		k := prefix + strconv.Itoa(i)
		if err := rdb.Set(ctx, k, i, time.Minute).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
		defer rdb.Del(ctx, k)
		slot, err := rdb.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		slots[slot/(16384/3+1)] = true // which third of the slots: one per master here
		if got, err := rdb.Get(ctx, k).Int(); err != nil || got != i {
			t.Fatalf("get %s = %d, %v; want %d", k, got, err, i)
		}
	}
	if len(slots) < 2 {
		t.Errorf("16 keys all fell in one third of the slots; the test does not cross nodes")
	}
}
