package events_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

const maxDeliveries = 3

// recorder is a handler that counts what it handles and a dead letter that keeps what
// it is given. fail, when set, decides that handling a message fails.
type recorder struct {
	mu      sync.Mutex
	handled map[string]int // by the entry's "n" field
	calls   map[string]int
	dead    []events.Message
	fail    func(m events.Message) error
}

func newRecorder() *recorder {
	return &recorder{handled: map[string]int{}, calls: map[string]int{}}
}

func (r *recorder) handle(ctx context.Context, m events.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, _ := m.Values["n"].(string)
	r.calls[n]++
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.handled[n]++
	return nil
}

func (r *recorder) deadLetter(ctx context.Context, m events.Message, cause error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dead = append(r.dead, m)
	return nil
}

// counts returns how many times each of names was handled, and how often called.
func (r *recorder) counts(names ...string) (handled, calls []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		handled = append(handled, r.handled[n])
		calls = append(calls, r.calls[n])
	}
	return handled, calls
}

// waitHandled polls until each of names has been handled, then checks it was handled
// once.
func (r *recorder) waitHandled(t *testing.T, names ...string) {
	t.Helper()
	subgraphtest.Eventually(t, "handle "+strings.Join(names, ", "), func() error {
		handled, _ := r.counts(names...)
		for i, n := range handled {
			if n == 0 {
				return fmt.Errorf("%s not handled", names[i])
			}
		}
		return nil
	})
	if handled, _ := r.counts(names...); !allOnes(handled) {
		t.Errorf("handled %v = %v times, want once each", names, handled)
	}
}

func allOnes(ns []int) bool {
	for _, n := range ns {
		if n != 1 {
			return false
		}
	}
	return true
}

// stream is a test's stream and the client that reaches it.
type stream struct {
	t      *testing.T
	rdb    redis.UniversalClient
	key    string
	prefix string
}

func newStream(t *testing.T, r redistest.Redis) *stream {
	return &stream{t: t, rdb: r.Client, key: r.Prefix + "events", prefix: r.Prefix}
}

// add appends an entry with field n and any more field/value pairs.
func (s *stream) add(n string, more ...any) {
	s.t.Helper()
	values := append([]any{"n", n}, more...)
	if err := s.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: s.key, Values: values}).Err(); err != nil {
		s.t.Fatal(err)
	}
}

// pending is how many entries the group has delivered and not had acknowledged.
func (s *stream) pending() int64 {
	s.t.Helper()
	p, err := s.rdb.XPending(context.Background(), s.key, "g").Result()
	if err != nil {
		s.t.Fatal(err)
	}
	return p.Count
}

// running is a Consumer running in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

// start runs a consumer named name on rdb over s's stream, handled by rec.
func start(t *testing.T, rdb redis.UniversalClient, s *stream, name string, rec *recorder) *running {
	t.Helper()
	cfg := events.DefaultConsumerConfig()
	cfg.Redis, cfg.Stream, cfg.Group, cfg.Consumer = rdb, s.key, "g", name
	cfg.Handler, cfg.DeadLetter = rec.handle, rec.deadLetter
	cfg.MaxDeliveries, cfg.RetryAfter, cfg.Block = maxDeliveries, 20*time.Millisecond, 20*time.Millisecond
	c, err := events.NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the consumer and waits for Run to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("Run = %v, want nil once stopped", err)
	}
}

func forEachBackend(t *testing.T, f func(t *testing.T, r redistest.Redis)) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) { f(t, b.New(t)) })
	}
}

func TestConsumerHandlesEachEventOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r redistest.Redis) {
		s := newStream(t, r)
		// Entries written before the group exists are handled too: a new consumer
		// starts at the stream's beginning.
		s.add("before")
		rec := newRecorder()
		start(t, r.Client, s, "a", rec)
		for _, n := range []string{"1", "2", "3"} {
			s.add(n)
		}
		rec.waitHandled(t, "before", "1", "2", "3")
		subgraphtest.Eventually(t, "acknowledge", func() error {
			if n := s.pending(); n != 0 {
				return fmt.Errorf("%d pending", n)
			}
			return nil
		})
	})
}

// TestConsumerDeadLettersAPoisonMessage checks that a message whose handler always fails
// is retried MaxDeliveries times, then goes to the dead letter and is acknowledged, and
// that the messages after it are handled meanwhile.
func TestConsumerDeadLettersAPoisonMessage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r redistest.Redis) {
		s := newStream(t, r)
		rec := newRecorder()
		rec.fail = func(m events.Message) error {
			if m.Values["poison"] != nil {
				return errors.New("cannot handle this")
			}
			return nil
		}
		start(t, r.Client, s, "a", rec)
		s.add("poison", "poison", "yes")
		s.add("next")
		rec.waitHandled(t, "next")
		subgraphtest.Eventually(t, "dead-letter the poison", func() error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.dead) == 0 {
				return errors.New("no dead letter")
			}
			return nil
		})
		subgraphtest.Eventually(t, "acknowledge the poison", func() error {
			if n := s.pending(); n != 0 {
				return fmt.Errorf("%d pending", n)
			}
			return nil
		})
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.dead) != 1 || rec.dead[0].Values["n"] != "poison" || rec.dead[0].Deliveries != maxDeliveries {
			t.Errorf("dead letters = %+v, want the poison after %d deliveries", rec.dead, maxDeliveries)
		}
		if rec.calls["poison"] != maxDeliveries || rec.handled["poison"] != 0 {
			t.Errorf("poison handled %d times, called %d; want 0 and %d", rec.handled["poison"], rec.calls["poison"], maxDeliveries)
		}
	})
}

// TestConsumerResumesAfterRestart stops a consumer mid-stream, appends while it is
// stopped, and starts it again: it handles what arrived meanwhile, and nothing twice.
func TestConsumerResumesAfterRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r redistest.Redis) {
		s := newStream(t, r)
		rec := newRecorder()
		c := start(t, r.Client, s, "a", rec)
		s.add("1")
		s.add("2")
		rec.waitHandled(t, "1", "2")
		c.stop(t)

		s.add("3")
		s.add("4")
		start(t, r.Client, s, "a", rec)
		rec.waitHandled(t, "3", "4")

		// Another replica of the same group sees only what is new.
		start(t, r.Client, s, "b", rec)
		s.add("5")
		rec.waitHandled(t, "5")
		if handled, _ := rec.counts("1", "2", "3", "4", "5"); !allOnes(handled) {
			t.Errorf("handled 1..5 = %v times, want once each", handled)
		}
	})
}

// TestConsumerTakesUpPendingMessages stops a consumer after a message was delivered to
// it and before it was acknowledged, as a crash does: the same consumer takes it up at
// once when it starts again, and another consumer once RetryAfter has passed.
func TestConsumerTakesUpPendingMessages(t *testing.T) {
	for _, restartAs := range []string{"a", "b"} {
		t.Run("restart as "+restartAs, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, r redistest.Redis) {
				s := newStream(t, r)
				rec := newRecorder()
				var crash context.CancelFunc
				crashed := make(chan struct{})
				rec.fail = func(m events.Message) error {
					if crash != nil {
						crash() // stop the consumer mid-handling, before the ack
						crash = nil
						close(crashed)
						return errors.New("crashed")
					}
					return nil
				}
				c := start(t, r.Client, s, "a", rec)
				rec.mu.Lock()
				crash = c.cancel
				rec.mu.Unlock()
				s.add("1")
				<-crashed
				c.cancel = nil // already canceled by the handler
				if err := <-c.done; err != nil {
					t.Fatalf("Run = %v", err)
				}
				if n := s.pending(); n != 1 {
					t.Fatalf("%d pending after the crash, want 1", n)
				}
				start(t, r.Client, s, restartAs, rec)
				rec.waitHandled(t, "1")
				if _, calls := rec.counts("1"); calls[0] != 2 {
					t.Errorf("handler called %d times for 1, want 2 (the crash and the retry)", calls[0])
				}
			})
		})
	}
}

// TestConsumerSurvivesRedisOutages stops and freezes the stream's Redis under a
// running consumer: it keeps retrying, and handles what was appended meanwhile once the
// Redis is back, without a restart.
func TestConsumerSurvivesRedisOutages(t *testing.T) {
	for _, b := range redistest.ServerBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			rb := subgraphtest.ProxiedRedis(t, b, 100*time.Millisecond)
			s := newStream(t, rb.Direct) // the test writes directly; the consumer reads through the proxy
			rec := newRecorder()
			start(t, rb.Client, s, "a", rec)
			s.add("1")
			rec.waitHandled(t, "1")
			for i, outage := range []func(){rb.Proxy.Stop, rb.Proxy.Freeze} {
				outage()
				n := fmt.Sprint("during outage ", i)
				s.add(n)
				rb.Proxy.Resume()
				rec.waitHandled(t, n)
			}
		})
	}
}

// TestConsumerRecreatesAVanishedGroup deletes the stream under a running consumer, as
// a Redis restarted without its data would lose it: the consumer makes its group again
// and handles what is appended afterwards.
func TestConsumerRecreatesAVanishedGroup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r redistest.Redis) {
		s := newStream(t, r)
		rec := newRecorder()
		start(t, r.Client, s, "a", rec)
		s.add("1")
		rec.waitHandled(t, "1")
		if err := r.Client.Del(context.Background(), s.key).Err(); err != nil {
			t.Fatal(err)
		}
		s.add("2")
		rec.waitHandled(t, "2")
	})
}

func TestNewConsumerReportsEveryProblem(t *testing.T) {
	_, err := events.NewConsumer(events.ConsumerConfig{MaxDeliveries: -1, RetryAfter: -time.Second})
	if err == nil {
		t.Fatal("NewConsumer(bad config) succeeded")
	}
	// The zero Block and Batch are refused too: zero is not a default.
	for _, want := range []string{"redis client", "stream", "group", "handler", "dead letter", "max deliveries", "retry after", "block must be positive", "batch must be positive"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestParseUserDeleted(t *testing.T) {
	id := relay.NewID("User")
	at := time.Date(2026, 11, 27, 16, 39, 29, 123e6, time.UTC)
	good := func() map[string]any {
		m := map[string]any{}
		v := events.UserDeleted{UserID: id, DeletedAt: at}.Values()
		for i := 0; i < len(v); i += 2 {
			m[v[i].(string)] = v[i+1]
		}
		return m
	}
	with := func(k string, v any) map[string]any {
		m := good()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		values  map[string]any
		wantErr string
	}{
		{"as written", good(), ""},
		{"another type", with("type", "user.created"), "type"},
		{"no user id", with("userId", nil), "userId"},
		{"a product id", with("userId", relay.NewID("Product")), "userId"},
		{"garbage id", with("userId", "User:42"), "userId"},
		{"bad time", with("deletedAt", "yesterday"), "deletedAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := events.ParseUserDeleted(tt.values)
			if tt.wantErr == "" {
				if err != nil || got.UserID != id || !got.DeletedAt.Equal(at) {
					t.Errorf("ParseUserDeleted = %+v, %v; want %s at %s", got, err, id, at)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseUserDeleted = %+v, %v; want an error about %s", got, err, tt.wantErr)
			}
		})
	}
}
