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
	g.mu.Lock()
	running := len(g.calls)
	g.mu.Unlock()
	if running != 0 {
		t.Fatalf("%d calls still running", running)
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

// A caller leaving does not cancel the work for the others: a waiting one returns at
// once, the one whose goroutine runs the work returns its value when it is done. When
// every caller has left, the work is cancelled and the key starts afresh.
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
	type out struct {
		v   int
		err error
	}
	first, cancelFirst := context.WithCancel(t.Context())
	firstDone := make(chan out, 1)
	go func() { v, _, err := g.Do(first, "k", fn); firstDone <- out{v, err} }()
	work := <-workCtx
	waiter, cancelWaiter := context.WithCancel(t.Context())
	waiterDone := make(chan error, 1)
	go func() { _, _, err := g.Do(waiter, "k", fn); waiterDone <- err }()
	third := make(chan int, 1)
	go func() { v, _, _ := g.Do(t.Context(), "k", fn); third <- v }()
	waitWaiters(t, &g, "k", 3)

	cancelWaiter()
	if err := <-waiterDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v, want context.Canceled", err)
	}
	cancelFirst()
	waitWaiters(t, &g, "k", 1)
	if work.Err() != nil {
		t.Fatalf("work cancelled while a caller is left: %v", work.Err())
	}
	close(release)
	if v := <-third; v != 1 {
		t.Fatalf("remaining caller got %d, want 1", v)
	}
	if o := <-firstDone; o.v != 1 || o.err != nil {
		t.Fatalf("first caller got %d, %v; want the work's 1", o.v, o.err)
	}

	// Every caller leaves: the work is cancelled, and a new caller starts a new call.
	only, cancelOnly := context.WithCancel(t.Context())
	onlyDone := make(chan int, 1)
	go func() {
		v, _, _ := g.Do(only, "k", func(ctx context.Context) int {
			workCtx <- ctx
			<-ctx.Done()
			return -1
		})
		onlyDone <- v
	}()
	work = <-workCtx
	cancelOnly()
	<-work.Done()
	if v := <-onlyDone; v != -1 {
		t.Fatalf("cancelled work returned %d, want -1", v)
	}
	if v, shared, err := g.Do(t.Context(), "k", func(context.Context) int { return 7 }); v != 7 || shared || err != nil {
		t.Fatalf("after every caller left: %d, shared %v, %v; want a new call's 7", v, shared, err)
	}
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
	release := make(chan struct{})
	recovered := make(chan any, 2)
	do := func(fn func(context.Context) int) {
		defer func() { recovered <- recover() }()
		g.Do(t.Context(), "k", fn)
	}
	go do(func(context.Context) int {
		<-release
		panic("boom")
	})
	waitWaiters(t, &g, "k", 1)
	go do(func(context.Context) int { return 0 })
	waitWaiters(t, &g, "k", 2)
	close(release)
	for range 2 {
		if v := <-recovered; v != "boom" {
			t.Fatalf("recovered %v, want boom in the caller and the waiter", v)
		}
	}
}

// DoWith gives the callers that joined forOthers' value, the first caller its own, and
// calls forOthers only when someone joined.
func TestDoWith(t *testing.T) {
	var g Group[[]int]
	var copies atomic.Int32
	forOthers := func(v []int) []int {
		copies.Add(1)
		return append([]int(nil), v...)
	}
	v, _, _ := g.DoWith(t.Context(), "k", func(context.Context) []int { return []int{1} }, forOthers)
	if len(v) != 1 || copies.Load() != 0 {
		t.Fatalf("alone: %v and %d copies, want [1] and none", v, copies.Load())
	}

	release := make(chan struct{})
	own := []int{2}
	first := make(chan []int, 1)
	go func() {
		v, _, _ := g.DoWith(t.Context(), "k", func(context.Context) []int { <-release; return own }, forOthers)
		first <- v
	}()
	waitWaiters(t, &g, "k", 1)
	joiner := make(chan []int, 1)
	go func() { v, _, _ := g.Do(t.Context(), "k", nil); joiner <- v }()
	waitWaiters(t, &g, "k", 2)
	close(release)
	mine, theirs := <-first, <-joiner
	if &mine[0] != &own[0] || &theirs[0] == &own[0] || theirs[0] != 2 || copies.Load() != 1 {
		t.Fatalf("first got its own value %t, joiner a copy %t (%v), %d copies; want true, true, [2], 1",
			&mine[0] == &own[0], &theirs[0] != &own[0], theirs, copies.Load())
	}
}
