package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// TestEventsStreamIsBounded deletes more users than the events bound: the stream is
// trimmed. miniredis trims exactly; Redis trims whole nodes of the stream (MAXLEN ~,
// 100 entries a node by default), so it keeps at least the bound and at most a node
// more.
func TestEventsStreamIsBounded(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			ctx := context.Background()
			r := b.New(t)
			const bound, deletions = 10, 250
			s := New(r.Client, r.Prefix, bound)
			for i := range deletions {
				u, err := s.Create(ctx, "U", fmt.Sprintf("u%d@example.com", i), nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Delete(ctx, u.ID, []any{"type", "user.deleted", "userId", u.ID}); err != nil {
					t.Fatal(err)
				}
			}
			n, err := r.Client.XLen(ctx, s.EventsKey()).Result()
			if err != nil {
				t.Fatal(err)
			}
			if n < bound || n > bound+100 || !r.Real && n != bound {
				t.Errorf("%d events after %d deletions with a bound of %d", n, deletions, bound)
			}
		})
	}
}

// TestDeleteRefusesAMalformedEvent checks that Delete wants field/value pairs and then
// deletes nothing.
func TestDeleteRefusesAMalformedEvent(t *testing.T) {
	ctx := context.Background()
	r := redistest.New(t)
	s := New(r.Client, r.Prefix, 10)
	u, err := s.Create(ctx, "U", "u@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, u.ID, []any{"type"}); err == nil {
		t.Error("Delete with an odd event succeeded")
	}
	if got, err := s.Get(ctx, u.ID); err != nil || got == nil {
		t.Errorf("user after a refused Delete: %+v, %v; want it still there", got, err)
	}
	if _, err := s.Get(ctx, relay.NewID("User")); err != nil {
		t.Fatal(err)
	}
}
