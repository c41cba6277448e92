package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The feed of new products. Every subscriber of a Store shares one Redis subscription
// (one connection) to the channel new products are announced on, and the Store fans
// each announcement out in the process: with one connection per subscriber, 40 SSE
// subscriptions added 40 connections to the products Redis, and subscribers enough to
// reach Redis's maxclients (10,000 by default) would have kept every other client of
// that Redis out.
//
// The connection is opened by the first subscriber and closed when the last one leaves,
// so an idle subgraph holds none; go-redis keeps it alive while it is open (a PING when
// it is quiet) and, when it breaks, reconnects and subscribes again. What is announced
// while it reconnects is lost, as it always was with Redis pub/sub.
//
// Each announcement is read from Redis once (the product as it is stored) and handed to
// every subscriber that wants it. A subscriber has a buffer of SubscriberBuffer products;
// one that falls behind by more than that is dropped: its channel is closed, which ends
// its stream, so that a slow subscriber never holds the others up and never misses
// products silently in the middle of its stream.

// DefaultSubscriberBuffer is how many products a subscriber may fall behind by before
// it is dropped, when WithSubscriberBuffer does not say.
const DefaultSubscriberBuffer = 256

// subscribeTimeout bounds the SUBSCRIBE that opens the shared connection: a stream's
// context has no deadline, and a Redis that does not answer must not hold a subscriber
// for ever. It is go-redis's own bound on reconnecting a subscription.
const subscribeTimeout = 10 * time.Second

// WithSubscriberBuffer makes each subscriber's buffer n products (n > 0); a subscriber
// that falls further behind is dropped (Created). default: DefaultSubscriberBuffer
func WithSubscriberBuffer(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.buffer = n
		}
	}
}

// feed is a Store's shared subscription; cur is nil while no one subscribes.
type feed struct {
	mu  sync.Mutex
	cur *feedConn
}

// feedConn is one shared Redis subscription and its subscribers. A new one is made when
// the previous one has closed, never reopened.
type feedConn struct {
	ready chan struct{} // closed once the SUBSCRIBE is answered; err is then set

	// Under feed.mu:
	err    error // why the SUBSCRIBE failed
	ps     *redis.PubSub
	cancel context.CancelFunc // ends the reader's reads
	subs   map[*subscriber]struct{}
	closed bool // every subscriber left, or the SUBSCRIBE failed
}

// subscriber is one Created call; its channel is closed when it leaves the conn's subs.
type subscriber struct {
	owner string // "" for every owner
	ch    chan *Product
}

// Created subscribes to new products, only ownerID's when it is not "": the returned
// channel gets each product created from now on (by any replica), as it is stored,
// until ctx ends; it is then closed. The subscription is in place when Created returns
// (a product announced just before it, while the announcement was on its way, may come
// too). A subscriber that falls behind by more than the subscriber buffer
// (WithSubscriberBuffer) is dropped: its channel is closed before ctx ends.
func (s *Store) Created(ctx context.Context, ownerID string) (<-chan *Product, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("products: subscribe to new products: %w", err)
	}
	sub := &subscriber{owner: ownerID, ch: make(chan *Product, s.buffer)}
	f := &s.feed
	f.mu.Lock()
	c := f.cur
	if c == nil {
		c = &feedConn{ready: make(chan struct{}), subs: map[*subscriber]struct{}{}}
		f.cur = c
		go s.open(c)
	}
	c.subs[sub] = struct{}{}
	f.mu.Unlock()

	select {
	case <-c.ready:
	case <-ctx.Done():
		s.leave(c, sub)
		return nil, fmt.Errorf("products: subscribe to new products: %w", ctx.Err())
	}
	f.mu.Lock()
	err := c.err
	f.mu.Unlock()
	if err != nil {
		s.leave(c, sub)
		return nil, err
	}
	context.AfterFunc(ctx, func() { s.leave(c, sub) })
	return sub.ch, nil
}

// Subscribers is how many Created channels are open, for tests and metrics.
func (s *Store) Subscribers() int {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if s.feed.cur == nil {
		return 0
	}
	return len(s.feed.cur.subs)
}

// open subscribes c to the channel of new products and starts its reader, or records
// why it could not.
func (s *Store) open(c *feedConn) {
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	ps := s.subscribe(ctx, s.keys.createdChannel())
	_, err := ps.Receive(ctx)
	f := &s.feed
	f.mu.Lock()
	if err == nil && c.closed { // every subscriber left while it subscribed
		err = context.Canceled
	}
	if err != nil {
		c.err = fmt.Errorf("products: subscribe to new products: %w", err)
		s.closeLocked(c)
		f.mu.Unlock()
		ps.Close()
		close(c.ready)
		return
	}
	rctx, rcancel := context.WithCancel(context.Background())
	c.ps, c.cancel = ps, rcancel
	f.mu.Unlock()
	close(c.ready)
	go s.read(rctx, c, ps.Channel())
}

// read hands each announced product to c's subscribers until c closes.
func (s *Store) read(ctx context.Context, c *feedConn, msgs <-chan *redis.Message) {
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			p, err := s.Get(ctx, m.Payload)
			if err != nil {
				if ctx.Err() == nil {
					s.log.WarnContext(ctx, "products: read a new product", "id", m.Payload, "err", err)
				}
				continue
			}
			if p != nil { // nil: deleted already
				s.fanOut(c, p)
			}
		}
	}
}

// fanOut hands p to every subscriber of c that wants it, without waiting for any: one
// whose buffer is full is dropped.
func (s *Store) fanOut(c *feedConn, p *Product) {
	f := &s.feed
	f.mu.Lock()
	dropped := 0
	for sub := range c.subs {
		if sub.owner != "" && sub.owner != p.OwnerID {
			continue
		}
		select {
		case sub.ch <- p:
		default:
			delete(c.subs, sub)
			close(sub.ch)
			dropped++
		}
	}
	var ps *redis.PubSub
	if dropped > 0 && len(c.subs) == 0 {
		ps = s.closeLocked(c)
	}
	f.mu.Unlock()
	if dropped > 0 {
		s.log.Warn("products: subscribers fell behind; their streams end", "subscribers", dropped, "buffer", s.buffer)
	}
	if ps != nil {
		ps.Close()
	}
}

// leave removes sub from c, closing its channel, and closes c when sub was the last.
func (s *Store) leave(c *feedConn, sub *subscriber) {
	f := &s.feed
	f.mu.Lock()
	if _, ok := c.subs[sub]; !ok { // dropped already
		f.mu.Unlock()
		return
	}
	delete(c.subs, sub)
	close(sub.ch)
	var ps *redis.PubSub
	if len(c.subs) == 0 {
		ps = s.closeLocked(c)
	}
	f.mu.Unlock()
	if ps != nil {
		ps.Close()
	}
}

// closeLocked marks c closed, so that the next subscriber opens a new connection, and
// ends its reader; it returns c's PubSub for the caller to close outside the lock (nil
// while c is still subscribing: open closes it). f.mu is held.
func (s *Store) closeLocked(c *feedConn) *redis.PubSub {
	if s.feed.cur == c {
		s.feed.cur = nil
	}
	if c.closed {
		return nil
	}
	c.closed = true
	if c.cancel != nil {
		c.cancel()
	}
	ps := c.ps
	c.ps = nil
	return ps
}
