package users_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

type result struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, url, query string) result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	var r result
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return r
}

func start(t *testing.T, r redistest.Redis) string {
	t.Helper()
	h, err := users.New(users.Config{Redis: r.Client, KeyPrefix: r.Prefix, CursorSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBulkReadsTakeOneRoundTrip checks that a page of users and several user lookups in
// one request each cost one Redis round trip, whatever their number.
func TestBulkReadsTakeOneRoundTrip(t *testing.T) {
	r := redistest.New(t)
	url := start(t, r)
	var ids []string
	for i := 0; i < 25; i++ {
		res := post(t, url, fmt.Sprintf(`mutation { createUser(input: {name: "u%d", email: "u%d@example.com"}) { id } }`, i, i))
		var u struct{ ID string }
		json.Unmarshal(res.Data["createUser"], &u)
		ids = append(ids, u.ID)
	}
	post(t, url, `{ users(first: 1) { edges { cursor } } }`) // loads the page script into Redis

	r.RoundTrips.Store(0)
	res := post(t, url, `{ users(first: 20) { edges { node { id name email createdAt } } pageInfo { hasNextPage } } }`)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data["users"]), `"hasNextPage":true`) {
		t.Fatalf("page: %+v", res)
	}
	if n := r.RoundTrips.Load(); n != 1 {
		t.Errorf("a page of 20 users took %d round trips, want 1", n)
	}

	var q strings.Builder
	q.WriteString("{")
	for i, id := range ids[:10] {
		fmt.Fprintf(&q, ` n%d: node(id: %q) { id ... on User { name } } u%d: user(id: %q) { email }`, i, id, i, id)
	}
	q.WriteString(" }")
	r.RoundTrips.Store(0)
	res = post(t, url, q.String())
	if len(res.Errors) > 0 || len(res.Data) != 20 {
		t.Fatalf("lookups: %d fields, errors %+v", len(res.Data), res.Errors)
	}
	if n := r.RoundTrips.Load(); n != 1 {
		t.Errorf("20 user lookups in one request took %d round trips, want 1", n)
	}
}

// TestRedisThatDoesNotAnswer points the subgraph at a server that accepts connections
// and never replies: requests must fail with a coded error, not hang, and say nothing
// of the address.
func TestRedisThatDoesNotAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	rdb, closeRedis, err := subgraph.OpenRedis("redis://"+ln.Addr().String(), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRedis()
	url := start(t, redistest.Redis{Client: rdb})

	for _, q := range []string{
		`{ user(id: "User:0190f3a0-0000-7000-8000-000000000000") { id } }`,
		`{ users { edges { cursor } } }`,
		`mutation { createUser(input: {name: "A", email: "a@example.com"}) { id } }`,
	} {
		res := post(t, url, q)
		if len(res.Errors) != 1 {
			t.Fatalf("%s: errors %+v, want one", q, res.Errors)
		}
		e := res.Errors[0]
		if e.Extensions["code"] != subgraph.CodeUnavailable || strings.Contains(e.Message, "127.0.0.1") {
			t.Errorf("%s: error %q code %v, want %s without the address", q, e.Message, e.Extensions["code"], subgraph.CodeUnavailable)
		}
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d with a silent Redis, want 503", resp.StatusCode)
	}
}

func TestNewReportsEveryBadSetting(t *testing.T) {
	_, err := users.New(users.Config{IdempotencyTTL: -time.Second, EventsMaxLen: -1, Limits: subgraph.Limits{MaxBodyBytes: -1, MaxComplexity: -1}})
	if err == nil {
		t.Fatal("New(bad config) succeeded")
	}
	for _, want := range []string{"redis", "cursor secret", "idempotency-ttl", "events-max-len", "max-body-bytes", "max-complexity"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New(bad config) error %q does not mention %s", err, want)
		}
	}
}
