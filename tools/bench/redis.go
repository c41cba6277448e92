package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// localRedis is where the benchmark looks for a Redis when none is named.
const localRedis = "redis://127.0.0.1:6379/0"

// redisChoice is the Redis the subgraphs run on.
type redisChoice struct {
	url    string        // what -redis-url the subgraphs get; empty: embedded
	kind   string        // what the report says
	client *redis.Client // the benchmark's own client, to delete the run's keys; nil when embedded
}

// chooseRedis picks the Redis named by setting ("embedded" for none), or when setting
// is empty the local one if it answers PING, else the subgraphs' embedded Redis. A
// Redis that was named but does not answer is an error, not a silent fallback.
func chooseRedis(ctx context.Context, setting string) (redisChoice, error) {
	switch setting {
	case "embedded":
		return redisChoice{kind: "embedded (miniredis in each subgraph), as asked"}, nil
	case "":
		c, version, err := dialRedis(ctx, localRedis)
		if err != nil {
			return redisChoice{kind: "embedded (miniredis in each subgraph): no Redis answered at 127.0.0.1:6379"}, nil
		}
		return redisChoice{url: localRedis, client: c, kind: fmt.Sprintf("real, Redis %s at %s; each subgraph under its own key prefix", version, localRedis)}, nil
	}
	c, version, err := dialRedis(ctx, setting)
	if err != nil {
		return redisChoice{}, fmt.Errorf("redis %s: %w", redact(setting), err)
	}
	return redisChoice{url: setting, client: c, kind: fmt.Sprintf("real, Redis %s at %s; each subgraph under its own key prefix", version, redact(setting))}, nil
}

func dialRedis(ctx context.Context, rawURL string) (*redis.Client, string, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, 2*time.Second, 2*time.Second
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, "", err
	}
	version := "(version unknown)"
	if info, err := c.Info(ctx, "server").Result(); err == nil {
		version = parseRedisVersion(info)
	}
	return c, version, nil
}

// parseRedisVersion returns redis_version from the text of INFO server.
func parseRedisVersion(info string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return "(version unknown)"
}

func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// deleteKeys deletes every key that starts with prefix (which holds no glob
// characters) and returns how many there were.
func (r redisChoice) deleteKeys(ctx context.Context, prefix string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n := 0
	var cursor uint64
	for {
		keys, next, err := r.client.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return n, err
		}
		if len(keys) > 0 {
			if err := r.client.Unlink(ctx, keys...).Err(); err != nil {
				return n, err
			}
			n += len(keys)
		}
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}
