package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind, but fasthttp's cleaners: a
// pool's sleep out its idle duration (90 s) after its last connection closed and end on
// their own, and its default dialer's address cache lives as long as the process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}

// subgraph is a fake subgraph: each request goes to handle, and is counted.
type subgraph struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	handle   http.HandlerFunc
	headers  []http.Header // of every request, in order
}

func newSubgraph(t *testing.T, handle http.HandlerFunc) *subgraph {
	t.Helper()
	s := &subgraph{handle: handle}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		s.handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *subgraph) lastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[len(s.headers)-1]
}

// ok answers every request with a small GraphQL response.
func ok(w http.ResponseWriter, _ *http.Request) {
	io.WriteString(w, `{"data":{"a":1}}`)
}

// hangUp closes the connection without answering, as a crashed process does.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// failFirst hangs up on the first n requests, then answers as next does.
func failFirst(n int64, next http.HandlerFunc) http.HandlerFunc {
	var seen atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			hangUp(w, r)
			return
		}
		next(w, r)
	}
}

// paths are the two ways a client sends GraphQL requests: fasthttp's pool, and net/http
// through a configured Transport.
var paths = []struct {
	name      string
	transport func() http.RoundTripper
}{
	{"fasthttp", func() http.RoundTripper { return nil }},
	{"net/http", func() http.RoundTripper { return http.DefaultTransport.(*http.Transport).Clone() }},
}

// newClient returns a client of s over path, cfg changed by set.
func newClient(t *testing.T, s *subgraph, rt http.RoundTripper, set func(*Config)) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Name, cfg.URL, cfg.Transport = "users", s.URL+"/graphql", rt
	cfg.Resilience.RetryBackoff = 0
	if set != nil {
		set(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

// TestFetchRetries checks that a query's request is sent again after a connection error,
// within Resilience.Retries, and a write never is.
func TestFetchRetries(t *testing.T) {
	for _, path := range paths {
		for _, tt := range []struct {
			name     string
			hangUps  int64
			write    bool
			requests int64
			ok       bool
		}{
			{"two hang-ups, then an answer", 2, false, 3, true},
			{"three hang-ups are one too many", 3, false, 3, false},
			{"a write is sent once", 1, true, 1, false},
		} {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				s := newSubgraph(t, failFirst(tt.hangUps, ok))
				c := newClient(t, s, path.transport(), func(c *Config) { c.Resilience.BreakerFailures = 0 })
				a, err := c.Fetch(context.Background(), Request{Body: []byte(`{"query":"{a}"}`), Write: tt.write})
				defer a.Release()
				if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrUnavailable) {
					t.Errorf("Fetch: %v, want ok %v (or ErrUnavailable)", err, tt.ok)
				}
				if n := s.requests.Load(); n != tt.requests {
					t.Errorf("requests: got %d, want %d", n, tt.requests)
				}
			})
		}
	}
}

// TestBreaker checks that failures in a row open the breaker, which then refuses
// requests without sending them, and that each outcome is recorded.
func TestBreaker(t *testing.T) {
	s := newSubgraph(t, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<h1>Bad Gateway</h1>", http.StatusBadGateway)
	})
	var mu sync.Mutex
	outcomes := map[Outcome]int{}
	c := newClient(t, s, nil, func(c *Config) {
		c.Resilience.BreakerFailures = 3
		c.Resilience.BreakerOpen = time.Hour // it stays open for the test
		c.Record = func(o Outcome, _ time.Duration) {
			mu.Lock()
			outcomes[o]++
			mu.Unlock()
		}
	})
	if c.Breaker() != "closed" || c.BreakerGauge() != 0 {
		t.Fatalf("a new breaker: %s (%v), want closed (0)", c.Breaker(), c.BreakerGauge())
	}
	for range 8 {
		if _, err := c.Fetch(context.Background(), Request{Body: []byte(`{"query":"{a}"}`)}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Fetch: %v, want ErrUnavailable", err)
		}
	}
	if n := s.requests.Load(); n != 3 {
		t.Errorf("requests: got %d, want 3 (then the breaker is open)", n)
	}
	if c.Breaker() != "open" || c.BreakerGauge() != 2 {
		t.Errorf("breaker: %s (%v), want open (2)", c.Breaker(), c.BreakerGauge())
	}
	if want := map[Outcome]int{Unavailable: 3, BreakerOpen: 5}; fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Errorf("outcomes: got %v, want %v", outcomes, want)
	}
	off := newClient(t, s, nil, func(c *Config) { c.Resilience.BreakerFailures = 0 })
	if off.Breaker() != "off" || off.BreakerGauge() != -1 {
		t.Errorf("breakers off: %s (%v), want off (-1)", off.Breaker(), off.BreakerGauge())
	}
}

// TestFetchTooLarge checks that an answer past MaxResponseBytes is not read: the caller
// learns ErrTooLarge.
func TestFetchTooLarge(t *testing.T) {
	big := `{"data":{"a":"` + strings.Repeat("x", 1000) + `"}}`
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			s := newSubgraph(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, big) })
			c := newClient(t, s, path.transport(), func(c *Config) { c.MaxResponseBytes = 100 })
			if _, err := c.Fetch(context.Background(), Request{Body: []byte(`{"query":"{a}"}`)}); !errors.Is(err, ErrTooLarge) {
				t.Errorf("Fetch: %v, want ErrTooLarge", err)
			}
			c = newClient(t, s, path.transport(), nil)
			a, err := c.Fetch(context.Background(), Request{Body: []byte(`{"query":"{a}"}`)})
			if err != nil {
				t.Fatalf("Fetch within the bound: %v", err)
			}
			if a.Size != len(big) {
				t.Errorf("answer size: got %d, want %d", a.Size, len(big))
			}
			a.Release()
		})
	}
}

// TestHeaders checks what a subgraph request carries: the request id, the forwarded
// client headers, Idempotency-Key only on a write, and the trace context of the
// request's own span, never the client's.
func TestHeaders(t *testing.T) {
	const (
		clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		clientSpan  = "00f067aa0ba902b7"
	)
	fwd := Forward{RequestID: "req-42", Header: http.Header{
		"X-Tenant":        {"acme"},
		"Idempotency-Key": {"key-1"},
		"Traceparent":     {"00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01"}, // never passed on as sent
	}}
	tid, _ := oteltrace.TraceIDFromHex(clientTrace)
	sid, _ := oteltrace.SpanIDFromHex(clientSpan)
	ctx := oteltrace.ContextWithRemoteSpanContext(context.Background(),
		oteltrace.NewSpanContext(oteltrace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: oteltrace.FlagsSampled, Remote: true}))
	clientParent := "00-" + clientTrace + "-" + clientSpan + "-01"

	s := newSubgraph(t, ok)
	for _, tt := range []struct {
		name   string
		write  bool
		traced bool
		want   map[string]string // "*" : any value
	}{
		{"a query, tracing off", false, false, map[string]string{"X-Request-Id": "req-42", "X-Tenant": "acme", "Traceparent": clientParent}},
		{"a write, tracing off", true, false, map[string]string{"X-Request-Id": "req-42", "X-Tenant": "acme", "Idempotency-Key": "key-1", "Traceparent": clientParent}},
		{"a query, tracing on", false, true, map[string]string{"X-Request-Id": "req-42", "X-Tenant": "acme", "Traceparent": "*"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			c := newClient(t, s, nil, func(c *Config) {
				if tt.traced {
					c.Tracer = trace.NewTracerProvider(trace.WithSpanProcessor(rec))
				}
			})
			a, err := c.Fetch(ctx, Request{Body: []byte(`{"query":"{a}"}`), Forward: fwd, Write: tt.write, Lookups: 2})
			if err != nil {
				t.Fatal(err)
			}
			a.Release()
			h := s.lastHeader()
			for _, name := range []string{"X-Request-Id", "X-Tenant", "Idempotency-Key", "Traceparent"} {
				got, want := h.Get(name), tt.want[name]
				if want == "*" && got != "" {
					continue
				}
				if got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
			}
			if !tt.traced {
				return
			}
			spans := rec.Ended()
			if len(spans) != 1 || spans[0].Name() != "subgraph users" || spans[0].Parent().SpanID() != sid {
				t.Fatalf("spans: %v, want one, subgraph users, child of the client's", spans)
			}
			if want := "00-" + clientTrace + "-" + spans[0].SpanContext().SpanID().String() + "-01"; h.Get("Traceparent") != want {
				t.Errorf("traceparent: got %q, want the span's %q", h.Get("Traceparent"), want)
			}
		})
	}
}

// TestSubscribe reads a subscription stream: keep-alives are skipped, each event is an
// answer, and the stream ends at complete. The request carries the forwarded headers
// and no trace context.
func TestSubscribe(t *testing.T) {
	s := newSubgraph(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" {
			http.Error(w, "not a stream", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ": keep-alive\n\nevent: next\ndata: {\"data\":{\"n\":1}}\n\nevent: next\ndata: {\"data\":\ndata: {\"n\":2}}\n\nevent: complete\n\n")
	})
	c := newClient(t, s, nil, nil)
	st, err := c.Subscribe(context.Background(), Request{Body: []byte(`{"query":"subscription{n}"}`),
		Forward: Forward{RequestID: "req-7", Header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, want := range []string{`{"n":1}`, `{"n":2}`} {
		a, err := st.Next()
		if err != nil {
			t.Fatalf("Next: %v, want %s", err, want)
		}
		if got := string(a.Data.MarshalTo(nil)); got != want {
			t.Errorf("event: got %s, want %s", got, want)
		}
		a.Release()
	}
	if _, err := st.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after complete: %v, want io.EOF", err)
	}
	if h := s.lastHeader(); h.Get("X-Request-Id") != "req-7" || h.Get("Traceparent") != "" {
		t.Errorf("headers: %v, want the request id and no trace context", h)
	}
}

// TestSDLAndPing checks the control plane: the SDL beside the GraphQL URL, and the
// readiness query.
func TestSDLAndPing(t *testing.T) {
	const sdl = "type Query { a: Int }\n"
	s := newSubgraph(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/schema.graphql" {
			io.WriteString(w, sdl)
			return
		}
		ok(w, r)
	})
	c := newClient(t, s, nil, nil)
	got, err := c.SDL(context.Background())
	if err != nil || got != sdl {
		t.Errorf("SDL: %q, %v; want %q", got, err, sdl)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
