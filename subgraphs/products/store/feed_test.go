package store

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// subscribers is how many Redis connections are subscribed to s's channel of new
// products (PUBSUB NUMSUB, or SHARDNUMSUB on a cluster): the Store's, not its
// subscribers'.
func subscribers(t *testing.T, s *Store) int64 {
	t.Helper()
	ctx := context.Background()
	ch := s.keys.createdChannel()
	var m map[string]int64
	var err error
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		// A sharded channel lives on its slot's master; another node counts none.
		node, nerr := cc.MasterForKey(ctx, ch)
		if nerr != nil {
			t.Fatalf("master of %s: %v", ch, nerr)
		}
		m, err = node.PubSubShardNumSub(ctx, ch).Result()
	} else {
		m, err = s.rdb.PubSubNumSub(ctx, ch).Result()
	}
	if err != nil {
		t.Fatalf("PUBSUB NUMSUB: %v", err)
	}
	return m[ch]
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// receive returns the next product on ch, failing when ch closes or nothing comes.
func receive(t *testing.T, name string, ch <-chan *Product) *Product {
	t.Helper()
	select {
	case p, ok := <-ch:
		if !ok {
			t.Fatalf("%s: the channel closed", name)
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no product within 10s", name)
	}
	return nil
}

// TestCreatedSharesOneSubscription: 40 subscribers are one subscribed Redis connection;
// each gets every product created after it subscribed, in order, an owner's subscriber
// only that owner's; when the last leaves the connection is gone, and the next
// subscriber opens one again.
func TestCreatedSharesOneSubscription(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			r := b.New(t)
			s := New(r.Client, r.Prefix)
			ada, grace := relay.NewID("User"), relay.NewID("User")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			const n = 40
			var all []<-chan *Product
			for range n {
				ch, err := s.Created(ctx, "")
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, ch)
			}
			adas, err := s.Created(ctx, ada)
			if err != nil {
				t.Fatal(err)
			}
			if got := subscribers(t, s); got != 1 {
				t.Errorf("%d subscribers: %d subscribed connections, want 1", n+1, got)
			}
			if got := s.Subscribers(); got != n+1 {
				t.Errorf("Subscribers() = %d, want %d", got, n+1)
			}
			want := []*Product{mustCreate(t, s, "Engine", ada), mustCreate(t, s, "Mark I", grace), mustCreate(t, s, "Notes", ada)}
			for i, ch := range all {
				for _, w := range want {
					if got := receive(t, "all", ch); got.ID != w.ID || got.Name != w.Name {
						t.Fatalf("subscriber %d: got %s %s, want %s %s", i, got.ID, got.Name, w.ID, w.Name)
					}
				}
			}
			for _, w := range []*Product{want[0], want[2]} {
				if got := receive(t, "ada's", adas); got.ID != w.ID {
					t.Fatalf("ada's: got %s %s, want %s %s", got.ID, got.Name, w.ID, w.Name)
				}
			}

			cancel()
			for _, ch := range append(all, adas) {
				for range ch { // closed once ctx ends
				}
			}
			waitFor(t, "the shared subscription closes with its last subscriber", func() bool { return subscribers(t, s) == 0 })
			if got := s.Subscribers(); got != 0 {
				t.Errorf("Subscribers() = %d after every subscriber left", got)
			}

			again, err := s.Created(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := subscribers(t, s); got != 1 {
				t.Errorf("a new subscriber: %d subscribed connections, want 1", got)
			}
			p := mustCreate(t, s, "Again", ada)
			if got := receive(t, "again", again); got.ID != p.ID {
				t.Errorf("after a reopen: got %s, want %s", got.ID, p.ID)
			}
		})
	}
}

// TestCreatedDropsSlowSubscriber: a subscriber that reads nothing gets the products its
// buffer holds and then its channel closes, while another keeps getting every product.
func TestCreatedDropsSlowSubscriber(t *testing.T) {
	r := redistest.New(t)
	s := New(r.Client, r.Prefix, WithSubscriberBuffer(2))
	owner := relay.NewID("User")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow, err := s.Created(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	fast, err := s.Created(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var made []*Product
	for i := range 5 {
		p := mustCreate(t, s, "P"+string(rune('1'+i)), owner)
		made = append(made, p)
		// fast reads each before the next is made, so only slow falls behind.
		if got := receive(t, "fast", fast); got.ID != p.ID {
			t.Fatalf("fast: got %s, want %s", got.ID, p.ID)
		}
	}
	var got []string
	for p := range slow { // ends: slow was dropped, though ctx goes on
		got = append(got, p.ID)
	}
	if len(got) != 2 || got[0] != made[0].ID || got[1] != made[1].ID {
		t.Errorf("slow got %v, want the first two products %s %s and then its end", got, made[0].ID, made[1].ID)
	}
	if n := s.Subscribers(); n != 1 {
		t.Errorf("Subscribers() = %d after the slow one was dropped, want 1", n)
	}
}

// TestCreatedCanceled: a subscriber whose context has ended is refused
// and leaves nothing subscribed.
func TestCreatedCanceled(t *testing.T) {
	r := redistest.New(t)
	s := New(r.Client, r.Prefix)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Created(ctx, ""); err == nil {
		t.Fatal("Created with an ended context: no error")
	}
	waitFor(t, "nothing subscribed", func() bool { return subscribers(t, s) == 0 && s.Subscribers() == 0 })
}
