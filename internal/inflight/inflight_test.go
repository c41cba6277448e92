package inflight

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitWaiters returns once key's call has n waiters.
func waitWaiters[V any](t *testing.T, g *Group[V], key string, n int) {
	t.Helper()
	for {
		g.mu.Lock()
		c := g.calls[key]
		got := 0
		if c != nil {
			got = c.waiters
		}
		g.mu.Unlock()
		if got == n {
			return
		}
		if t.Context().Err() != nil {
			t.Fatalf("key %q: %d waiters, want %d", key, got, n)
		}
		runtime.Gosched()
	}
}

func TestShared(t *testing.T) {
	var g Group[int]
	var runs atomic.Int32
	release := make(chan struct{})
	const n = 8
	type out struct {
		v      int
		shared bool
		err    error
	}
	outs := make(chan out, n)
	for range n {
		go func() {
			v, shared, err := g.Do(t.Context(), "k", func(context.Context) int {
				runs.Add(1)
				<-release
				return 42
			})
			outs <- out{v, shared, err}
		}()
	}
	waitWaiters(t, &g, "k", n)
	close(release)
	sharedCount := 0
	for range n {
		o := <-outs
		if o.err != nil || o.v != 42 {
			t.Fatalf("got %d, %v; want 42", o.v, o.err)
		}
		if o.shared {
			sharedCount++
		}
	}
	if runs.Load() != 1 || sharedCount != n-1 {
		t.Fatalf("fn ran %d times, %d callers shared; want 1 and %d", runs.Load(), sharedCount, n-1)
	}
	if g.Running() != 0 {
		t.Fatalf("%d calls still running", g.Running())
	}
}

func TestKeysApart(t *testing.T) {
	var g Group[string]
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]string, 2)
	for i, key := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _, _ = g.Do(t.Context(), key, func(context.Context) string { <-release; return key })
		}()
	}
	waitWaiters(t, &g, "a", 1)
	waitWaiters(t, &g, "b", 1)
	close(release)
	wg.Wait()
	if got[0] != "a" || got[1] != "b" {
		t.Fatalf("got %q, want [a b]", got)
	}
}

// One waiter leaving does not cancel the work for the others; the last one leaving
// does, and the key then starts afresh.
func TestLeaving(t *testing.T) {
	var g Group[int]
	release := make(chan struct{})
	workCtx := make(chan context.Context, 1)
	fn := func(ctx context.Context) int {
		workCtx <- ctx
		select {
		case <-release:
			return 1
		case <-ctx.Done():
			return -1
		}
	}
	first, cancelFirst := context.WithCancel(t.Context())
	firstDone := make(chan error, 1)
	go func() { _, _, err := g.Do(first, "k", fn); firstDone <- err }()
	work := <-workCtx
	second := make(chan int, 1)
	go func() { v, _, _ := g.Do(t.Context(), "k", fn); second <- v }()
	waitWaiters(t, &g, "k", 2)

	cancelFirst()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v, want context.Canceled", err)
	}
	if work.Err() != nil {
		t.Fatalf("work cancelled while a waiter is left: %v", work.Err())
	}
	close(release)
	if v := <-second; v != 1 {
		t.Fatalf("remaining waiter got %d, want 1", v)
	}

	// Every waiter leaves: the work is cancelled and a new caller starts a new call.
	release2 := make(chan struct{})
	only, cancelOnly := context.WithCancel(t.Context())
	onlyDone := make(chan error, 1)
	go func() {
		_, _, err := g.Do(only, "k", func(ctx context.Context) int {
			workCtx <- ctx
			select {
			case <-release2:
			case <-ctx.Done():
			}
			return 0
		})
		onlyDone <- err
	}()
	work = <-workCtx
	cancelOnly()
	<-onlyDone
	<-work.Done()
	if v, shared, err := g.Do(t.Context(), "k", func(context.Context) int { return 7 }); v != 7 || shared || err != nil {
		t.Fatalf("after every waiter left: %d, shared %v, %v; want a new call's 7", v, shared, err)
	}
	close(release2)
}

func TestDeadlineCarried(t *testing.T) {
	var g Group[bool]
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	want, _ := ctx.Deadline()
	ctx = context.WithValue(ctx, keyType{}, "v")
	got, _, _ := g.Do(ctx, "k", func(work context.Context) bool {
		d, ok := work.Deadline()
		return ok && d.Equal(want) && work.Value(keyType{}) == "v"
	})
	if !got {
		t.Fatal("the work's context lacks the caller's deadline or values")
	}
}

type keyType struct{}

func TestPanicRaisedInWaiters(t *testing.T) {
	var g Group[int]
	defer func() {
		if v := recover(); v != "boom" {
			t.Fatalf("recovered %v, want boom", v)
		}
	}()
	g.Do(t.Context(), "k", func(context.Context) int { panic("boom") })
	t.Fatal("Do returned after a panic")
}
