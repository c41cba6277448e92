package systemtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
)

// Subscriptions cost the products Redis one connection per products process, not one
// per subscriber; a client has its own cap at the gateway beside the global one, and
// products bounds the streams it serves.

// sseStream is one subscription over GraphQL over SSE, read in the background.
type sseStream struct {
	events chan sseEvent // closed when the stream ends
	cancel context.CancelFunc
}

type sseEvent struct {
	name string
	data json.RawMessage
}

// sseClient returns an HTTP client whose connections come from the loopback address ip
// (any 127.x.y.z on Linux), so that the gateway sees another client.
func sseClient(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// subscribeSSE posts query to url accepting text/event-stream. It answers the stream, or
// the refusal's error code when the answer is JSON; the stream ends when t does.
func subscribeSSE(t *testing.T, c *http.Client, url, query string) (*sseStream, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("subscribe: %v", err)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer cancel()
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var r graphqltest.Response
		json.Unmarshal(b, &r)
		if len(r.Errors) == 0 {
			t.Fatalf("subscribe: %d %s, want a stream or a refusal", resp.StatusCode, b)
		}
		code, _ := r.Errors[0].Extensions["code"].(string)
		return nil, code
	}
	s := &sseStream{events: make(chan sseEvent, 64), cancel: cancel}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "":
				if ev.name != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event:"):
				ev.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				ev.data = json.RawMessage(strings.TrimSpace(strings.TrimPrefix(line, "data:")))
			}
		}
	}()
	return s, ""
}

// next returns the next event's response within 10 s; ok is false when the stream
// completed or ended.
func (s *sseStream) next(t *testing.T) (r graphqltest.Response, ok bool) {
	t.Helper()
	select {
	case ev, open := <-s.events:
		if !open || ev.name == "complete" {
			return r, false
		}
		if err := json.Unmarshal(ev.data, &r); err != nil {
			t.Fatalf("event %s: %s: %v", ev.name, ev.data, err)
		}
		return r, true
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return r, false
}

// createdID is the product id of a productCreated event.
func createdID(t *testing.T, r graphqltest.Response) string {
	t.Helper()
	var d struct{ ProductCreated struct{ ID string } }
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &d) != nil || d.ProductCreated.ID == "" {
		t.Fatalf("not a productCreated event: %s %+v", r.Data, r.Errors)
	}
	return d.ProductCreated.ID
}

// firstEvent creates products with create until st has an event, and returns it: an
// SSE subscriber cannot tell when its subscription is in place upstream, so it probes.
// A refused subscription's error comes at once. ok is false when the stream ended.
func firstEvent(t *testing.T, st *sseStream, create func() string) (r graphqltest.Response, ok bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		create()
		select {
		case ev, open := <-st.events:
			if !open || ev.name == "complete" {
				return r, false
			}
			if err := json.Unmarshal(ev.data, &r); err != nil {
				t.Fatalf("event %s: %s: %v", ev.name, ev.data, err)
			}
			return r, true
		case <-time.After(250 * time.Millisecond): // the next probe
		}
	}
	t.Fatal("no event within 20s of probes")
	return r, false
}

// makeLive returns once every stream gets what is created from now on: it probes until
// each stream has had an event (firstEvent), then creates a fence, which each stream
// reads up to.
func makeLive(t *testing.T, create func() string, streams []*sseStream) {
	t.Helper()
	for i, st := range streams {
		if _, ok := firstEvent(t, st, create); !ok {
			t.Fatalf("stream %d ended before it was live", i)
		}
	}
	fence := create()
	for i, st := range streams {
		for {
			r, ok := st.next(t)
			if !ok {
				t.Fatalf("stream %d ended before the fence", i)
			}
			if createdID(t, r) == fence {
				break
			}
		}
	}
}

// redisClients is how many clients the Redis at r has connected (CLIENT LIST), and how
// many of them are in pub/sub mode.
func redisClients(t *testing.T, r *redisServer) (all, pubsub int) {
	t.Helper()
	c := r.client()
	defer c.Close()
	list, err := c.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatalf("CLIENT LIST: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		if line == "" {
			continue
		}
		all++
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "sub="); ok && v != "0" {
				pubsub++
			}
			if v, ok := strings.CutPrefix(f, "ssub="); ok && v != "0" {
				pubsub++
			}
		}
	}
	return all - 1, pubsub // not CLIENT LIST's own connection
}

// TestSubscriptionsShareOneRedisConnection opens 40 productCreated subscriptions over
// SSE through the gateway, all from one client at its -max-subscriptions-per-client of
// 40: the products Redis gains one connection, in pub/sub mode, not 40; every
// subscriber gets the product created next; the client's 41st subscription is refused
// with SUBSCRIPTION_LIMIT_EXCEEDED while another client (another address) still
// subscribes and gets it too; when Redis drops the shared connection, every stream goes
// on over its replacement; once every subscriber has gone, no connection of the
// products Redis is in pub/sub mode.
func TestSubscriptionsShareOneRedisConnection(t *testing.T) {
	t.Parallel()
	const n = 40
	s := startSystem(t, "-max-subscriptions-per-client", fmt.Sprint(n))
	ada := s.createUser(t, "Ada Lovelace")
	probe := func() string { return s.createProduct(t, "Probe", ada) }
	const sub = `subscription { productCreated { id name } }`
	a := sseClient(t, "127.0.0.1")
	// A warm-up subscriber, probed as the 41 are below, so that the products Redis pool
	// holds what creates and reads of new products need before the count.
	warm, code := subscribeSSE(t, a, s.gateway.url(), sub)
	if warm == nil {
		t.Fatalf("warm-up subscription: refused with %s", code)
	}
	makeLive(t, probe, []*sseStream{warm})
	warm.cancel()
	eventually(t, 10*time.Second, "the warm-up subscription ends upstream", func() bool {
		_, sub := redisClients(t, s.productsRedis)
		return sub == 0
	})
	before, beforeSub := redisClients(t, s.productsRedis)

	var streams []*sseStream
	for i := range n {
		st, code := subscribeSSE(t, a, s.gateway.url(), sub)
		if st == nil {
			t.Fatalf("subscription %d: refused with %s", i, code)
		}
		streams = append(streams, st)
	}
	if st, code := subscribeSSE(t, a, s.gateway.url(), sub); st != nil || code != "SUBSCRIPTION_LIMIT_EXCEEDED" {
		t.Errorf("client A's subscription %d: %q, want SUBSCRIPTION_LIMIT_EXCEEDED", n+1, code)
	}
	b, code := subscribeSSE(t, sseClient(t, "127.0.0.2"), s.gateway.url(), sub)
	if b == nil {
		t.Fatalf("client B while A is at its cap: refused with %s", code)
	}
	streams = append(streams, b)
	makeLive(t, probe, streams)

	after, afterSub := redisClients(t, s.productsRedis)
	t.Logf("products Redis clients: %d before, %d with %d subscriptions (pub/sub: %d, then %d)", before, after, len(streams), beforeSub, afterSub)
	if after-before > 2 || afterSub-beforeSub != 1 {
		t.Errorf("%d subscriptions added %d connections to the products Redis (%d in pub/sub mode), want at most 2 (1)", len(streams), after-before, afterSub-beforeSub)
	}

	want := s.createProduct(t, "Analytical Engine", ada)
	for i, st := range streams {
		r, ok := st.next(t)
		if !ok {
			t.Fatalf("stream %d ended", i)
		}
		if got := createdID(t, r); got != want {
			t.Errorf("stream %d: got %s, want %s", i, got, want)
		}
	}

	// Redis drops the shared connection: go-redis subscribes again, and every stream
	// goes on (what was announced in between is lost, as with any Redis pub/sub).
	rc := s.productsRedis.client()
	defer rc.Close()
	if n, err := rc.ClientKillByFilter(context.Background(), "TYPE", "pubsub").Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL TYPE pubsub: %d, %v; want the one shared connection", n, err)
	}
	makeLive(t, probe, streams)
	if _, sub := redisClients(t, s.productsRedis); sub != 1 {
		t.Errorf("after a reconnect: %d connections in pub/sub mode, want 1", sub)
	}

	for _, st := range streams {
		st.cancel()
	}
	eventually(t, 10*time.Second, "the shared subscription closes with its last subscriber", func() bool {
		_, sub := redisClients(t, s.productsRedis)
		return sub == beforeSub
	})
}

// TestProductsMaxSubscriptions: products started with -max-subscriptions 3, asked
// directly, serves three productCreated streams and refuses a fourth with
// SUBSCRIPTION_LIMIT_EXCEEDED; once one ends, a new one is served.
func TestProductsMaxSubscriptions(t *testing.T) {
	t.Parallel()
	s := startSubgraphs(t)
	s.products.kill()
	s.products = startProcess(t, "products", 0, append(s.productsArgs(), "-max-subscriptions", "3")...)
	var u struct{ CreateUser struct{ ID string } }
	must(t, s.users.url(), `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Ada", "email": "ada@example.com"}}, &u)
	create := func() string {
		var d struct{ CreateProduct struct{ ID string } }
		must(t, s.products.url(), `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "Probe", "ownerId": u.CreateUser.ID, "price": map[string]any{"amount": "1.00", "currencyCode": "USD"}}}, &d)
		return d.CreateProduct.ID
	}
	const sub = `subscription { productCreated { id } }`
	c := sseClient(t, "127.0.0.1")
	// served reports whether a new subscription streams products, or its error code.
	served := func() (*sseStream, string) {
		t.Helper()
		st, code := subscribeSSE(t, c, s.products.url(), sub)
		if st == nil {
			return nil, code
		}
		r, ok := firstEvent(t, st, create)
		if !ok {
			return nil, "the stream ended"
		}
		if len(r.Errors) > 0 {
			code, _ := r.Errors[0].Extensions["code"].(string)
			return nil, code
		}
		return st, ""
	}
	var held []*sseStream
	for i := range 3 {
		st, code := served()
		if st == nil {
			t.Fatalf("subscription %d under the bound: %s", i+1, code)
		}
		held = append(held, st)
	}
	if st, code := served(); st != nil || code != "SUBSCRIPTION_LIMIT_EXCEEDED" {
		t.Errorf("subscription 4 past -max-subscriptions 3: %q, want SUBSCRIPTION_LIMIT_EXCEEDED", code)
	}
	held[0].cancel()
	eventually(t, 10*time.Second, "a new subscription once one ended", func() bool {
		st, _ := served()
		if st != nil {
			st.cancel()
		}
		return st != nil
	})
}
