package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

const productCreated = `subscription($owner: ID) { productCreated(ownerId: $owner) { id name price { amount currencyCode } owner { name email } } }`

type createdEvent struct {
	ProductCreated struct {
		ID, Name string
		Price    struct{ Amount, CurrencyCode string }
		Owner    *struct{ Name, Email string }
	}
}

func eventOf(t *testing.T, r graphqltest.Response) createdEvent {
	t.Helper()
	var ev createdEvent
	if err := json.Unmarshal(r.Data, &ev); err != nil {
		t.Fatalf("event %s: %v", r.Raw, err)
	}
	return ev
}

// live waits until every stream gets what is created from now on (graphqltest.Live),
// creating probes of owner through the gateway.
func live(t *testing.T, g *graph, owner string, streams ...*graphqltest.Stream) {
	t.Helper()
	graphqltest.Live(t, func() string { return g.createProduct(t, "Probe", "1.00", "USD", owner) },
		func(r graphqltest.Response) string { return eventOf(t, r).ProductCreated.ID }, streams...)
}

// TestSubscriptionOverSSE: a subscription through the gateway streams each new product
// with its owner from the users subgraph, one users request per event, filtered by the
// subscription's argument; each subgraph sees one request per step as for a query.
//
// Dedup is off: the two streams' lookups of the first event's owner are identical, and
// shared when they happen to be in flight together (TestDedupSharesSubgraphRequests).
func TestSubscriptionOverSSE(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			t.Parallel()
			subscriptionOverSSE(t, startGraph(t, b, noDedup))
		})
	}
}

// TestSubscriptionFederated is TestSubscriptionOverSSE with the gateway in federation
// mode: the subscription's root fetch streams from products, and each event's owner
// comes from users by an _entities lookup.
func TestSubscriptionFederated(t *testing.T) {
	subscriptionOverSSE(t, startGraph(t, redistest.Miniredis, withFederation(t), noDedup))
}

func subscriptionOverSSE(t *testing.T, g *graph) {
	{
		ada := g.createUser(t, "Ada Lovelace", "ada@example.com")
		grace := g.createUser(t, "Grace Hopper", "grace@example.com")
		all := graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: productCreated}, nil)
		adas := graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: productCreated, Variables: map[string]any{"owner": ada}}, nil)
		for _, s := range []*graphqltest.Stream{all, adas} {
			if s.Status != http.StatusOK || !strings.HasPrefix(s.Headers.Get("Content-Type"), "text/event-stream") || s.Headers.Get("Content-Encoding") != "" {
				t.Fatalf("subscribe: %d %q %q", s.Status, s.Headers.Get("Content-Type"), s.Headers.Get("Content-Encoding"))
			}
		}
		live(t, g, ada, all, adas)
		g.log.take()
		engine := g.createProduct(t, "Analytical Engine", "1843.00", "GBP", ada)
		mark := g.createProduct(t, "Mark I", "1944.00", "USD", grace)
		for _, want := range []struct{ id, name, owner string }{{engine, "Analytical Engine", "Ada Lovelace"}, {mark, "Mark I", "Grace Hopper"}} {
			r, ok := all.Next()
			if !ok || len(r.Errors) > 0 {
				t.Fatalf("all: %v %s", ok, r.Raw)
			}
			ev := eventOf(t, r).ProductCreated
			if ev.ID != want.id || ev.Name != want.name || ev.Owner == nil || ev.Owner.Name != want.owner {
				t.Errorf("all: got %s, want %s owned by %s", r.Raw, want.name, want.owner)
			}
		}
		r, ok := adas.Next()
		if ev := eventOf(t, r).ProductCreated; !ok || ev.ID != engine || ev.Owner == nil || ev.Owner.Email != "ada@example.com" {
			t.Errorf("ada's: got %s, want the Analytical Engine owned by Ada", r.Raw)
		}
		// Two creates (users answers each owner check: OwnerExists), then per event and
		// per stream one users request for the owner: 3 events in all.
		users := 0
		for _, name := range g.log.take() {
			if name == "users" {
				users++
			}
		}
		if users != 2+3 {
			t.Errorf("users requests: %d, want 2 owner checks and 3 events' owners", users)
		}
	}
}

// TestSubscriptionRefusals: a subscription that is not on a streaming transport is
// refused with its code (405 over GET, as a mutation is), one that does not validate is
// refused before any stream starts, and past -max-subscriptions the next is refused.
func TestSubscriptionRefusals(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Front.MaxSubscriptions = 1 })
	if r := g.post(t, productCreated, nil); onlyCode(t, r) != errcode.SubscriptionsNotSupported || !strings.Contains(r.Errors[0].Message, "text/event-stream") {
		t.Errorf("over POST: %+v", r.Errors)
	}
	resp, err := http.Get(g.url + "?query=" + strings.ReplaceAll(productCreated, " ", "+"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("over GET without a stream: %d, want 405", resp.StatusCode)
	}
	bad := graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: `subscription { productCreated { nope } }`}, nil)
	if bad.Status != http.StatusOK || !strings.HasPrefix(bad.Headers.Get("Content-Type"), "application/json") {
		t.Errorf("an invalid subscription: %d %q, want a JSON refusal", bad.Status, bad.Headers.Get("Content-Type"))
	}
	first := graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: productCreated}, nil)
	if first.Status != http.StatusOK || !strings.HasPrefix(first.Headers.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("the first subscription: %d %q", first.Status, first.Headers.Get("Content-Type"))
	}
	second := graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: productCreated}, nil)
	if !strings.HasPrefix(second.Headers.Get("Content-Type"), "application/json") {
		t.Errorf("past max-subscriptions: %q, want a JSON refusal", second.Headers.Get("Content-Type"))
	}
}

// TestSubscriptionEnds: a stream ends with SUBGRAPH_UNAVAILABLE and complete when its
// subgraph goes away, and with complete when the gateway closes.
func TestSubscriptionEnds(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	ada := g.createUser(t, "Ada Lovelace", "ada@example.com")
	s := graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: productCreated}, nil)
	live(t, g, ada, s)
	g.whole.Subgraph("products").CloseConnections()
	r, ok := s.Next()
	if !ok || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != errcode.SubgraphUnavailable || !slices.Equal(r.Errors[0].Path, []any{"productCreated"}) {
		t.Errorf("after products went: %v %s, want SUBGRAPH_UNAVAILABLE at productCreated", ok, r.Raw)
	}
	if _, ok := s.Next(); ok {
		t.Error("the stream did not complete after its last event")
	}

	g = startGraph(t, redistest.Miniredis) // products' connections were cut: a fresh graph
	ada = g.createUser(t, "Ada Lovelace", "ada@example.com")
	s = graphqltest.Subscribe(t, g.url, graphqltest.Request{Query: productCreated}, nil)
	live(t, g, ada, s)
	g.gateway.Close()
	if r, ok := s.Next(); ok {
		t.Errorf("after the gateway closed: %s, want complete", r.Raw)
	}
}

// wsClient is a graphql-transport-ws client for the tests. One goroutine reads the
// socket for the whole test (coder/websocket closes a connection whose read context
// ends, so reads cannot time out one by one).
type wsClient struct {
	t        *testing.T
	c        *websocket.Conn
	messages chan wsMsg
	closed   chan websocket.StatusCode // the close status, once the server closed
}

func dialWS(t *testing.T, g *graph) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), graphqltest.Timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.url, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	w := &wsClient{t: t, c: c, messages: make(chan wsMsg, 64), closed: make(chan websocket.StatusCode, 1)}
	rctx, stop := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); c.CloseNow() })
	go func() {
		for {
			var m wsMsg
			if err := wsjson.Read(rctx, c, &m); err != nil {
				w.closed <- websocket.CloseStatus(err)
				return
			}
			w.messages <- m
		}
	}()
	return w
}

func (w *wsClient) send(msg map[string]any) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), graphqltest.Timeout)
	defer cancel()
	if err := wsjson.Write(ctx, w.c, msg); err != nil {
		w.t.Fatalf("send %v: %v", msg, err)
	}
}

type wsMsg struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// read waits up to d for the next message (ok), or for the server's close (its status,
// -1 for a connection that ended without one); neither in time is !ok with status 0.
func (w *wsClient) read(d time.Duration) (wsMsg, websocket.StatusCode, bool) {
	w.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case m := <-w.messages:
		return m, 0, true
	case status := <-w.closed:
		w.closed <- status // closed stays closed
		return wsMsg{}, status, true
	case <-timer.C:
		return wsMsg{}, 0, false
	}
}

func (w *wsClient) next() wsMsg {
	w.t.Helper()
	m, status, ok := w.read(graphqltest.Timeout)
	if !ok || status != 0 {
		w.t.Fatalf("read: ok %v, close %d", ok, status)
	}
	return m
}

// TestSubscriptionOverWebSocket speaks graphql-transport-ws: init and ack, ping and
// pong, a subscription's events with owners from users, a query's one result and
// complete, a refused operation's error message, and the protocol's closes.
func TestSubscriptionOverWebSocket(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	ada := g.createUser(t, "Ada Lovelace", "ada@example.com")
	w := dialWS(t, g)
	w.send(map[string]any{"type": "connection_init"})
	if m := w.next(); m.Type != "connection_ack" {
		t.Fatalf("after init: %+v", m)
	}
	w.send(map[string]any{"type": "ping"})
	if m := w.next(); m.Type != "pong" {
		t.Fatalf("after ping: %+v", m)
	}
	w.send(map[string]any{"id": "s", "type": "subscribe", "payload": map[string]any{"query": productCreated, "variables": map[string]any{"owner": ada}}})
	// Live: create until an event comes, then a fence.
	var fence string
	for deadline := time.Now().Add(graphqltest.Timeout); fence == ""; {
		if time.Now().After(deadline) {
			t.Fatal("no event for the probes")
		}
		id := g.createProduct(t, "Probe", "1.00", "USD", ada)
		if m, status, ok := w.read(250 * time.Millisecond); ok && status == 0 && m.Type == "next" && m.ID == "s" {
			fence = g.createProduct(t, "Fence", "1.00", "USD", ada)
		} else if ok {
			t.Fatalf("while waiting for %s: %+v, close %d", id, m, status)
		}
	}
	for {
		m := w.next()
		var r graphqltest.Response
		json.Unmarshal(m.Payload, &r)
		if eventOf(t, r).ProductCreated.ID == fence {
			break
		}
	}
	engine := g.createProduct(t, "Analytical Engine", "1843.00", "GBP", ada)
	m := w.next()
	var r graphqltest.Response
	json.Unmarshal(m.Payload, &r)
	if ev := eventOf(t, r).ProductCreated; m.Type != "next" || m.ID != "s" || ev.ID != engine || ev.Owner == nil || ev.Owner.Name != "Ada Lovelace" {
		t.Errorf("event: %+v", m)
	}

	w.send(map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{"query": `{ __typename }`}})
	if m := w.next(); m.Type != "next" || m.ID != "q" || string(m.Payload) != `{"data":{"__typename":"Query"}}` {
		t.Errorf("a query: %+v", m)
	}
	if m := w.next(); m.Type != "complete" || m.ID != "q" {
		t.Errorf("after a query's result: %+v", m)
	}
	w.send(map[string]any{"id": "bad", "type": "subscribe", "payload": map[string]any{"query": `subscription { productCreated { nope } }`}})
	if m := w.next(); m.Type != "error" || m.ID != "bad" || !strings.Contains(string(m.Payload), errcode.ValidationFailed) {
		t.Errorf("an invalid subscription: %+v", m)
	}
	// The client completes "s" and reuses its id at once: the new "s" is the one that
	// runs, and a second subscribe with it is a duplicate.
	w.send(map[string]any{"id": "s", "type": "complete"})
	w.send(map[string]any{"id": "s", "type": "subscribe", "payload": map[string]any{"query": productCreated}})
	w.send(map[string]any{"id": "s", "type": "subscribe", "payload": map[string]any{"query": productCreated}})
	for {
		_, status, ok := w.read(graphqltest.Timeout)
		if !ok {
			t.Fatal("no close after a second subscribe with the same id")
		}
		if status != 0 {
			if status != 4409 {
				t.Errorf("a second subscribe with the same id: close %d, want 4409", status)
			}
			break
		}
	}

	init := map[string]any{"type": "connection_init"}
	for _, tt := range []struct {
		name  string
		acked bool // the socket is acknowledged before the message
		send  map[string]any
		want  websocket.StatusCode
	}{
		{"subscribe before init", false, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": productCreated}}, 4401},
		{"a second init", true, init, 4429},
		{"an unknown message", true, map[string]any{"type": "shout"}, 4400},
	} {
		c := dialWS(t, g)
		if tt.acked {
			c.send(init)
			c.next()
		}
		c.send(tt.send)
		if _, status, _ := c.read(graphqltest.Timeout); status != tt.want {
			t.Errorf("%s: close %d, want %d", tt.name, status, tt.want)
		}
	}
}

// TestWebSocketInitTimeout: a socket that sends no connection_init is closed with 4408
// once the protocol's 3 s have passed.
func TestWebSocketInitTimeout(t *testing.T) {
	t.Parallel()
	g := startGraph(t, redistest.Miniredis)
	w := dialWS(t, g)
	if _, status, ok := w.read(graphqltest.Timeout); !ok || status != 4408 {
		t.Errorf("no init: close %d (ok %v), want 4408", status, ok)
	}
}

// TestWebSocketAuthentication: over a WebSocket the token comes in connection_init's
// payload (a bad one closes with 4403) or on the upgrade request (a bad one is a 401,
// no upgrade); a good one reaches the subgraphs, which let its user write.
func TestWebSocketAuthentication(t *testing.T) {
	a := subgraphtest.NewAuth(t)
	g := startGraph(t, redistest.Miniredis, withVerifier(a.Verifier))
	var made struct{ CreateUser struct{ ID string } }
	graphqltest.Post(t, g.url, graphqltest.Request{Query: `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`, Header: a.Admin()}).Decode(t, &made)
	ada := made.CreateUser.ID
	create := map[string]any{"query": `mutation($o: ID!) { createProduct(input: {name: "Engine", ownerId: $o, price: {amount: "1.00", currencyCode: GBP}}) { owner { name } } }`,
		"variables": map[string]any{"o": ada}}

	bad := dialWS(t, g)
	bad.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer not-a-token"}})
	if _, status, _ := bad.read(graphqltest.Timeout); status != 4403 {
		t.Errorf("a bad token in connection_init: close %d, want 4403", status)
	}

	for _, tt := range []struct {
		name    string
		payload map[string]any
		want    string // the answer's data, or its error code
	}{
		{"Ada's token", map[string]any{"headers": map[string]any{"authorization": a.As(ada).Get("Authorization")}}, `{"data":{"createProduct":{"owner":{"name":"Ada"}}}}`},
		{"no token", nil, "UNAUTHENTICATED"},
	} {
		w := dialWS(t, g)
		w.send(map[string]any{"type": "connection_init", "payload": tt.payload})
		if m := w.next(); m.Type != "connection_ack" {
			t.Fatalf("%s: after init: %+v", tt.name, m)
		}
		w.send(map[string]any{"id": "1", "type": "subscribe", "payload": create})
		m := w.next()
		if m.Type != "next" || !strings.Contains(string(m.Payload), tt.want) {
			t.Errorf("%s: %+v, want %s", tt.name, m, tt.want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), graphqltest.Timeout)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.url, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: http.Header{"Authorization": {"Bearer not-a-token"}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a bad token on the upgrade: %v, %v; want 401 and no WebSocket", err, resp)
	}
}
