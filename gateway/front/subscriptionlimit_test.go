package front_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// tickingExecutor streams one event per subscription and then holds it open until its
// subscriber goes.
type tickingExecutor struct{ *staticExecutor }

func (tickingExecutor) Subscribe(ctx context.Context, _ *front.Operation, next func(*front.Result)) *front.Result {
	next(&front.Result{Data: []byte(`{"tick":1}`)})
	<-ctx.Done()
	return nil
}

// limitFront serves the front with a Subscription type, cfg and a verifier of a fresh
// issuer, on 127.0.0.1.
func limitFront(t *testing.T, cfg front.Config) (*issuer.Issuer, *httptest.Server) {
	t.Helper()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "merged", Input: mergedSDL + "type Subscription { tick: Int! }"})
	if err != nil {
		t.Fatal(err)
	}
	return authFrontOn(t, cfg, schema, tickingExecutor{newStaticExecutor(t)})
}

// subClient is one client of the front: a source address and, when token is set, a
// subject.
type subClient struct {
	name  string
	http  *http.Client
	token string
}

// newSubClient connects from the loopback address ip (any 127.x.y.z on Linux).
func newSubClient(t *testing.T, name, ip, token string) *subClient {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &subClient{name: name, http: &http.Client{Transport: tr}, token: token}
}

// subscription is one open stream; end ends it.
type subscription struct {
	code string // SUBSCRIPTION_LIMIT_EXCEEDED and the like when refused; "" when it streams
	end  func()
}

// subscribeSSE subscribes to tick over SSE and waits for the first event, or the
// refusal.
func (c *subClient) subscribeSSE(t *testing.T, url string) subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", strings.NewReader(`{"query":"subscription { tick }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s: SSE subscribe: %v", c.name, err)
	}
	end := func() { cancel(); resp.Body.Close() }
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer end()
		b, _ := io.ReadAll(resp.Body)
		var g gqlResponse
		if err := json.Unmarshal(b, &g); err != nil || g.code() == "" {
			t.Fatalf("%s: SSE subscribe: %d %s", c.name, resp.StatusCode, b)
		}
		return subscription{code: g.code()}
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: next") {
			return subscription{end: end}
		}
	}
	end()
	t.Fatalf("%s: the SSE stream ended before its first event", c.name)
	return subscription{}
}

// subscribeWS subscribes to tick on a graphql-transport-ws connection of its own and
// waits for the first event, or the refusal.
func (c *subClient) subscribeWS(t *testing.T, url string) subscription {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql",
		&websocket.DialOptions{HTTPClient: c.http, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("%s: WebSocket dial: %v", c.name, err)
	}
	end := func() { conn.Close(websocket.StatusNormalClosure, "") }
	send := func(m map[string]any) {
		b, _ := json.Marshal(m)
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			end()
			t.Fatalf("%s: WebSocket write: %v", c.name, err)
		}
	}
	init := map[string]any{"type": "connection_init"}
	if c.token != "" {
		init["payload"] = map[string]any{"Authorization": "Bearer " + c.token}
	}
	send(init)
	send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "subscription { tick }"}})
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			end()
			t.Fatalf("%s: WebSocket read: %v", c.name, err)
		}
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		json.Unmarshal(b, &m)
		switch m.Type {
		case "next":
			return subscription{end: end}
		case "error":
			defer end()
			var errs []struct{ Extensions map[string]any }
			json.Unmarshal(m.Payload, &errs)
			if len(errs) == 0 {
				t.Fatalf("%s: WebSocket error without errors: %s", c.name, b)
			}
			code, _ := errs[0].Extensions["code"].(string)
			return subscription{code: code}
		}
	}
}

// TestSubscriptionsPerClient: with a per-client cap of 2, client A holding two
// subscriptions is refused a third with SUBSCRIPTION_LIMIT_EXCEEDED, over SSE and over a
// WebSocket alike (A's count is one across transports), while client B, told apart by its
// address when anonymous and by its token's subject when not, still subscribes; once A
// ends one, A subscribes again.
func TestSubscriptionsPerClient(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.MaxSubscriptions, cfg.MaxSubscriptionsPerClient = 100, 2
	iss, srv := limitFront(t, cfg)
	token := func(sub string) string { return iss.Token(issuer.Claims{Subject: sub}) }
	type transport = func(*subClient, *testing.T, string) subscription
	sse, ws := (*subClient).subscribeSSE, (*subClient).subscribeWS

	// Each subtest's clients are new ones (their own addresses and subjects): the server
	// releases a previous subtest's subscriptions when it sees them end, which may be
	// after the next subtest starts.
	run := 0
	for _, tc := range []struct {
		name string
		a, b func(t *testing.T, run int) *subClient
	}{
		{"anonymous, by address",
			func(t *testing.T, run int) *subClient {
				return newSubClient(t, "A", fmt.Sprintf("127.0.%d.1", run), "")
			},
			func(t *testing.T, run int) *subClient {
				return newSubClient(t, "B", fmt.Sprintf("127.0.%d.2", run), "")
			}},
		{"authenticated, by subject from one address",
			func(t *testing.T, run int) *subClient {
				return newSubClient(t, "A", "127.0.0.1", token(fmt.Sprintf("User:alice-%d", run)))
			},
			func(t *testing.T, run int) *subClient {
				return newSubClient(t, "B", "127.0.0.1", token(fmt.Sprintf("User:bob-%d", run)))
			}},
	} {
		for _, tr := range []struct {
			name       string
			hold, more transport // how A fills its cap, and how it asks for one more
		}{
			{"SSE", sse, sse},
			{"WebSocket", ws, ws},
			{"SSE then WebSocket", sse, ws},
			{"WebSocket then SSE", ws, sse},
		} {
			run++
			t.Run(tc.name+"/"+tr.name, func(t *testing.T) {
				a, b := tc.a(t, run), tc.b(t, run)
				var held []subscription
				for range 2 {
					s := tr.hold(a, t, srv.URL)
					if s.code != "" {
						t.Fatalf("A under its cap: refused with %s", s.code)
					}
					held = append(held, s)
				}
				defer func() {
					for _, s := range held {
						s.end()
					}
				}()
				if s := tr.more(a, t, srv.URL); s.code != errcode.SubscriptionLimitExceeded {
					if s.end != nil {
						s.end()
					}
					t.Fatalf("A past its cap: got %q, want %s", s.code, errcode.SubscriptionLimitExceeded)
				}
				for _, more := range []transport{sse, ws} {
					s := more(b, t, srv.URL)
					if s.code != "" {
						t.Fatalf("B while A is at its cap: refused with %s", s.code)
					}
					held = append(held, s)
				}
				held[0].end()
				held = held[1:]
				// The release is the server's, after it sees the stream end: poll.
				deadline := time.Now().Add(10 * time.Second)
				for {
					s := tr.more(a, t, srv.URL)
					if s.code == "" {
						held = append(held, s)
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("A after ending one: still refused with %s", s.code)
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
	}
}

// TestMaxSubscriptionsPerClientConfig: a negative cap is refused by name.
func TestMaxSubscriptionsPerClientConfig(t *testing.T) {
	cfg := front.DefaultConfig()
	if cfg.MaxSubscriptionsPerClient != 100 {
		t.Errorf("default max-subscriptions-per-client %d, want 100", cfg.MaxSubscriptionsPerClient)
	}
	cfg.MaxSubscriptionsPerClient = -1
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "max-subscriptions-per-client") {
		t.Errorf("Validate with -1: %v, want an error naming max-subscriptions-per-client", err)
	}
}
