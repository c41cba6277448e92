// Package inflight shares the work of identical calls that overlap in time: the first
// caller of a key starts the work, callers of the same key that come while it runs wait
// for its value instead of doing it again.
//
// Unlike golang.org/x/sync/singleflight, every caller keeps its own context: a waiting
// caller whose context ends returns at once, and no caller's cancellation cancels the
// work for the others; the work's own context is cancelled when the last caller has
// left, and otherwise ends at the first caller's deadline. The work runs on the first
// caller's goroutine, so a call that nobody shares costs no goroutine. The value is
// shared, so it must be read-only once returned.
package inflight

import (
	"context"
	"strconv"
	"sync"
)

// AppendPart appends s to a key after its length, so that keys built of parts never
// read the same when their parts differ.
func AppendPart(key []byte, s string) []byte {
	key = strconv.AppendInt(key, int64(len(s)), 10)
	return append(append(key, ':'), s...)
}

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
	// joined says a caller other than the first has waited on the call.
	joined bool
	// panicked is what fn panicked with, re-raised in every waiter; nil: it returned.
	panicked any
	cancel   context.CancelFunc
}

// Do returns fn's value for key. When a call of key is running, Do waits for its value
// and reports shared; when ctx ends first, it returns ctx's error (and the zero V) at
// once, and the call goes on for the others.
//
// Otherwise Do runs fn on the caller's goroutine, with a context that carries ctx's
// values and deadline but not its cancellation: should ctx be cancelled while others
// wait, fn goes on for them, and Do returns fn's value when it is done. The context is
// cancelled when every caller, this one included, has left. A panic of fn is raised
// again in every caller still waiting, and in this one.
func (g *Group[V]) Do(ctx context.Context, key string, fn func(context.Context) V) (v V, shared bool, err error) {
	return g.DoWith(ctx, key, fn, nil)
}

// DoWith is Do, with the value the other callers get made by forOthers from the first
// caller's, when any joined: for a value the first caller goes on to change, forOthers
// makes what they may read. It runs on the first caller's goroutine once fn has
// returned, before that caller gets its value; no caller joins the call after it.
func (g *Group[V]) DoWith(ctx context.Context, key string, fn func(context.Context) V, forOthers func(V) V) (v V, shared bool, err error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		c.waiters++
		c.joined = true
		g.mu.Unlock()
		return g.wait(ctx, key, c)
	}
	c, work := g.start(ctx, key)
	g.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { g.leave(key, c) })
	defer func() {
		c.panicked = recover()
		g.mu.Lock()
		if g.calls[key] == c {
			delete(g.calls, key)
		}
		joined := c.joined
		g.mu.Unlock()
		stop()
		c.cancel()
		if c.panicked == nil {
			c.val = v
			if joined && forOthers != nil {
				c.val = forOthers(v)
			}
		}
		close(c.done)
		if c.panicked != nil {
			panic(c.panicked)
		}
	}()
	return fn(work), false, nil
}

// wait waits for c's value or ctx's end.
func (g *Group[V]) wait(ctx context.Context, key string, c *call[V]) (v V, shared bool, err error) {
	select {
	case <-c.done:
		if c.panicked != nil {
			panic(c.panicked)
		}
		return c.val, true, nil
	case <-ctx.Done():
		g.leave(key, c)
		var zero V
		return zero, true, ctx.Err()
	}
}

// start records the call of key, with its first caller, and returns its context; g.mu
// is held.
func (g *Group[V]) start(ctx context.Context, key string) (*call[V], context.Context) {
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
	return c, work
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
