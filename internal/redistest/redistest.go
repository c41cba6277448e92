// Package redistest gives tests a Redis: the real server named by REDIS_URL when it is
// set, an in-process miniredis otherwise; Backends gives both, for tests that must pass
// on each. Tests sharing one real server never collide: each gets its own key prefix,
// and its keys are deleted when it ends.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
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
	// RoundTrips counts commands and pipelines sent, each one round trip; what go-redis
	// sends to set up a new connection does not count.
	RoundTrips *atomic.Int64
}

// Backend is where a test's Redis lives: Miniredis or a redis:// URL.
type Backend string

// Miniredis is the in-process backend.
const Miniredis Backend = "miniredis"

// Backends returns Miniredis, the real server when REDIS_URL is set, and the Redis
// Cluster whose nodes REDIS_CLUSTER_URL lists (host:port,host:port,…) when it is set.
func Backends() []Backend {
	b := []Backend{Miniredis}
	if url := os.Getenv("REDIS_URL"); url != "" {
		b = append(b, Backend(url))
	}
	if nodes := os.Getenv("REDIS_CLUSTER_URL"); nodes != "" {
		b = append(b, Backend(clusterPrefix+nodes))
	}
	return b
}

// ServerBackends is Backends without the cluster: for tests that stand between the
// client and one server (a proxy that freezes or stops it).
func ServerBackends() []Backend {
	var out []Backend
	for _, b := range Backends() {
		if b.Name() != "cluster" {
			out = append(out, b)
		}
	}
	return out
}

// clusterPrefix marks a Backend that is a Redis Cluster, by its nodes.
const clusterPrefix = "cluster:"

// Name is a short name for subtests.
func (b Backend) Name() string {
	switch {
	case b == Miniredis:
		return "miniredis"
	case strings.HasPrefix(string(b), clusterPrefix):
		return "cluster"
	}
	return "redis"
}

// New returns a Redis for t on the real server when REDIS_URL is set and on miniredis
// otherwise.
func New(t testing.TB) Redis {
	t.Helper()
	b := Miniredis
	if url := os.Getenv("REDIS_URL"); url != "" {
		b = Backend(url)
	}
	return b.New(t)
}

// New returns a Redis for t on b, closed and cleaned when t ends.
func (b Backend) New(t testing.TB) Redis {
	t.Helper()
	url := string(b)
	real := b != Miniredis
	if !real {
		m := miniredis.RunT(t)
		url = "redis://" + m.Addr()
	}
	var client redis.UniversalClient
	if nodes, ok := strings.CutPrefix(url, clusterPrefix); ok {
		client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(nodes, ","), ContextTimeoutEnabled: true})
	} else {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
		client = redis.NewUniversalClient(&redis.UniversalOptions{
			Addrs: []string{opt.Addr}, Username: opt.Username, Password: opt.Password, DB: opt.DB,
			ContextTimeoutEnabled: true,
		})
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	prefix := "test:" + strings.Map(keySafe, t.Name()) + ":" + hex.EncodeToString(rnd[:]) + ":"
	counter := &atomic.Int64{}
	client.AddHook(countHook{counter})
	t.Cleanup(func() {
		if real {
			ctx := context.Background()
			keys, _ := scanAll(ctx, client, prefix+"*")
			for _, k := range keys { // one by one: on a cluster they may be in several slots
				client.Del(ctx, k)
			}
		}
		client.Close()
	})
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", url, err)
	}
	counter.Store(0)
	return Redis{Client: client, Prefix: prefix, Real: real, RoundTrips: counter}
}

// Dump returns every key of the test's prefix with its type and value, for comparing
// the store before and after a request that must change nothing.
func (r Redis) Dump(t testing.TB) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	keys, err := scanAll(ctx, r.Client, r.Prefix+"*")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, k := range keys {
		typ, err := r.Client.Type(ctx, k).Result()
		if err != nil {
			t.Fatalf("type %s: %v", k, err)
		}
		var v any
		switch typ {
		case "string":
			v, err = r.Client.Get(ctx, k).Result()
		case "hash":
			v, err = r.Client.HGetAll(ctx, k).Result()
		case "zset":
			v, err = r.Client.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "set":
			var members []string
			members, err = r.Client.SMembers(ctx, k).Result()
			slices.Sort(members)
			v = members
		case "list":
			v, err = r.Client.LRange(ctx, k, 0, -1).Result()
		default:
			t.Fatalf("key %s has type %s, which Dump does not read", k, typ)
		}
		if err != nil {
			t.Fatalf("read %s: %v", k, err)
		}
		out[k] = fmt.Sprintf("%s %v", typ, v) // %v prints maps sorted by key
	}
	return out
}

// Keys returns the keys matching pattern (prefix included), on every master when r
// is a cluster, where KEYS would ask only one node.
func (r Redis) Keys(ctx context.Context, pattern string) ([]string, error) {
	return scanAll(ctx, r.Client, pattern)
}

// scanAll returns the keys matching pattern, on every master of a cluster.
func scanAll(ctx context.Context, client redis.UniversalClient, pattern string) ([]string, error) {
	scan := func(c redis.Cmdable) ([]string, error) {
		var keys []string
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		return keys, iter.Err()
	}
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		return scan(client)
	}
	var mu sync.Mutex
	var all []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		keys, err := scan(c)
		mu.Lock()
		all = append(all, keys...)
		mu.Unlock()
		return err
	})
	return all, err
}

// keySafe keeps a test name usable in a SCAN MATCH pattern.
func keySafe(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
		return r
	}
	return '_'
}

// connSetup reports whether cmd is one go-redis sends when it opens a connection, which
// is not a round trip of the code under test.
func connSetup(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "select", "client", "readonly":
		return true
	}
	return false
}

type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !connSetup(cmd) {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return !connSetup(c) }) {
			return next(ctx, cmds)
		}
		h.n.Add(1)
		return next(ctx, cmds)
	}
}
