// Package inflight shares the work of identical calls that overlap in time: the first
// caller of a key starts the work, callers of the same key that come while it runs wait
// for its value instead of doing it again.
//
// Unlike golang.org/x/sync/singleflight, every caller keeps its own context: a caller
// whose context ends stops waiting and returns at once, without cancelling the work for
// the others; the work's own context is cancelled when the last caller has left, and
// otherwise ends at the first caller's deadline. The value is shared, so it must be
// read-only once returned.
package inflight

import (
	"context"
	"sync"
)

// Group shares calls by key. The zero Group is ready to use; it must not be copied after
// first use.
type Group[V any] struct {
	mu    sync.Mutex
	calls map[string]*call[V]
}

// call is one running piece of work and its waiters.
type call[V any] struct {
	done    chan struct{} // closed when val (or panicked) is set
	val     V
	waiters int
	// panicked is what fn panicked with, re-raised in every waiter; nil: it returned.
	panicked any
	cancel   context.CancelFunc
}

// Do returns fn's value for key. When a call of key is running, Do waits for its value
// and reports shared; otherwise it starts fn on a goroutine of its own, with a context
// that carries ctx's values and deadline but not its cancellation, and waits for it.
// When ctx ends first, Do returns ctx's error (and the zero V): the work goes on for the
// other callers, and is cancelled when none is left. A panic of fn is raised again in
// every caller still waiting.
func (g *Group[V]) Do(ctx context.Context, key string, fn func(context.Context) V) (v V, shared bool, err error) {
	g.mu.Lock()
	c, shared := g.calls[key]
	if shared {
		c.waiters++
	} else {
		c = g.start(ctx, key, fn)
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		if c.panicked != nil {
			panic(c.panicked)
		}
		return c.val, shared, nil
	case <-ctx.Done():
		g.leave(key, c)
		var zero V
		return zero, shared, ctx.Err()
	}
}

// start begins the call of key, with its first waiter; g.mu is held.
func (g *Group[V]) start(ctx context.Context, key string, fn func(context.Context) V) *call[V] {
	work := context.WithoutCancel(ctx)
	var cancel context.CancelFunc
	if d, ok := ctx.Deadline(); ok {
		work, cancel = context.WithDeadline(work, d)
	} else {
		work, cancel = context.WithCancel(work)
	}
	c := &call[V]{done: make(chan struct{}), waiters: 1, cancel: cancel}
	if g.calls == nil {
		g.calls = map[string]*call[V]{}
	}
	g.calls[key] = c
	go func() {
		defer func() {
			c.panicked = recover()
			g.mu.Lock()
			if g.calls[key] == c {
				delete(g.calls, key)
			}
			g.mu.Unlock()
			cancel()
			close(c.done)
		}()
		c.val = fn(work)
	}()
	return c
}

// leave records that a waiter of c stopped waiting; the last one cancels the work, and
// the key is free for a new call at once rather than joining a cancelled one.
func (g *Group[V]) leave(key string, c *call[V]) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c.waiters--
	if c.waiters > 0 {
		return
	}
	if g.calls[key] == c {
		delete(g.calls, key)
	}
	c.cancel()
}

// Running returns the number of calls running now, for tests and metrics.
func (g *Group[V]) Running() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.calls)
}

// Waiting returns the number of callers waiting now, over every call.
func (g *Group[V]) Waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.calls {
		n += c.waiters
	}
	return n
}
