package users_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// serve starts the users subgraph with cfg over real HTTP and returns its base URL.
// config is users.DefaultConfig() on rdb, its keys under prefix, with the tests'
// cursor secret, "s".
func config(rdb redis.UniversalClient, prefix string) users.Config {
	cfg := users.DefaultConfig()
	cfg.Redis, cfg.KeyPrefix, cfg.CursorSecret = rdb, prefix, "s"
	return cfg
}

func serve(t *testing.T, cfg users.Config) string {
	t.Helper()
	h, err := users.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func ready(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRedisOutages stops and freezes the users Redis under a running subgraph (a proxy
// in front of it refuses connections, or holds them without answering): every request
// gets one masked SERVICE_UNAVAILABLE error and /readyz fails, and once the Redis is
// back the subgraph answers again by itself.
func TestRedisOutages(t *testing.T) {
	for _, b := range redistest.ServerBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			rb := subgraphtest.ProxiedRedis(t, b, 100*time.Millisecond)
			url := serve(t, config(rb.Client, rb.Direct.Prefix))
			gql := url + "/graphql"
			n := 0
			create := func() graphqltest.Request {
				n++
				return graphqltest.Request{Query: fmt.Sprintf(`mutation { createUser(input: {name: "U", email: "u%d@example.com"}) { id } }`, n)}
			}
			if r := graphqltest.Post(t, gql, create()); r.Code(t) != "" {
				t.Fatalf("before the outage: %s", r.Raw)
			}
			for _, outage := range []struct {
				name  string
				begin func()
			}{
				{"stopped", rb.Proxy.Stop},
				{"frozen", rb.Proxy.Freeze},
			} {
				t.Run(outage.name, func(t *testing.T) {
					outage.begin()
					before := rb.Direct.Dump(t)
					for _, req := range []graphqltest.Request{
						{Query: `{ user(id: "User:0190f3a0-0000-7000-8000-000000000000") { id } }`},
						{Query: `{ users { edges { cursor } } }`},
						create(),
					} {
						r := graphqltest.Post(t, gql, req)
						if r.Code(t) != errcode.ServiceUnavailable {
							t.Errorf("%s: %s, want SERVICE_UNAVAILABLE", req.Query, r.Raw)
							continue
						}
						if msg := r.Errors[0].Message; msg != "the data store did not answer in time" || strings.Contains(r.Raw, "127.0.0.1") {
							t.Errorf("%s: message %q: want the masked message, without an address", req.Query, msg)
						}
					}
					if got := ready(t, url); got != http.StatusServiceUnavailable {
						t.Errorf("/readyz = %d during the outage, want 503", got)
					}
					rb.Proxy.Resume()
					subgraphtest.Eventually(t, "answer again", func() error {
						if r := graphqltest.Post(t, gql, create()); r.Code(t) != "" {
							return fmt.Errorf("%s", r.Raw)
						}
						return nil
					})
					if got := ready(t, url); got != http.StatusOK {
						t.Errorf("/readyz = %d after the outage, want 200", got)
					}
					// What was refused during the outage changed nothing; only the
					// creates after it did.
					after := rb.Direct.Dump(t)
					if len(after) <= len(before) {
						t.Errorf("no user created after the outage: %d keys, %d before", len(after), len(before))
					}
				})
			}
		})
	}
}

// TestRequestTimeout gives the subgraph a request timeout shorter than its Redis
// timeout and a Redis that never answers: the client gets 504 REQUEST_TIMEOUT at the
// request's deadline.
func TestRequestTimeout(t *testing.T) {
	rdb, closeRedis, err := subgraph.OpenRedis("redis://"+subgraphtest.Silent(t), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRedis()
	cfg := config(rdb, "")
	cfg.Limits.RequestTimeout = 100 * time.Millisecond
	url := serve(t, cfg)
	r := graphqltest.Post(t, url+"/graphql", graphqltest.Request{Query: `{ users { edges { cursor } } }`})
	if r.Status != http.StatusGatewayTimeout || r.Code(t) != errcode.RequestTimeout || r.Errors[0].Message != "The request timed out." {
		t.Errorf("status %d %s, want 504 REQUEST_TIMEOUT", r.Status, r.Raw)
	}
}
