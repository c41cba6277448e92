package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// forEachBackend runs f on a store over miniredis and, when REDIS_URL is set, a real
// Redis.
func forEachBackend(t *testing.T, f func(t *testing.T, s *Store, r redistest.Redis)) {
	t.Helper()
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			r := b.New(t)
			f(t, New(r.Client, r.Prefix, 100), r)
		})
	}
}

func mustCreate(t *testing.T, s *Store, name, email string) *User {
	t.Helper()
	u, err := s.Create(context.Background(), name, email, nil)
	if err != nil {
		t.Fatalf("Create(%q, %q): %v", name, email, err)
	}
	return u
}

func TestCreateGetDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, r redistest.Redis) {
		ctx := context.Background()
		u := mustCreate(t, s, "Ada", "Ada@Example.com")
		if err := relay.CheckID(u.ID, "User"); err != nil || u.Version != 1 || u.Pos < 1 {
			t.Fatalf("Create = %+v (%v)", u, err)
		}
		got, err := s.Get(ctx, u.ID)
		if err != nil || got == nil || *got != *u {
			t.Fatalf("Get = %+v, %v; want %+v", got, err, u)
		}
		// The layout of the package doc: the hash, the email claim (lower-cased), the index.
		if id, err := r.Client.Get(ctx, s.keys.email("ada@example.com")).Result(); err != nil || id != u.ID {
			t.Errorf("email claim = %q, %v; want %s", id, err, u.ID)
		}
		if score, err := r.Client.ZScore(ctx, s.keys.created(), u.ID).Result(); err != nil || int64(score) != u.Pos {
			t.Errorf("index score = %v, %v; want %d", score, err, u.Pos)
		}
		if _, err := s.Create(ctx, "Other", "ADA@example.COM", nil); !errors.Is(err, ErrEmailTaken) {
			t.Errorf("Create with the email in another case = %v, want ErrEmailTaken", err)
		}

		if err := s.Delete(ctx, u.ID, []any{"type", "user.deleted", "userId", u.ID}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		n, err := r.Client.Exists(ctx, s.keys.user(u.ID), s.keys.email("ada@example.com")).Result()
		if err != nil || n != 0 {
			t.Errorf("after Delete, %d of the hash and the email claim exist (%v), want 0", n, err)
		}
		if got, err := s.Get(ctx, u.ID); err != nil || got != nil {
			t.Errorf("Get after Delete = %+v, %v; want nil, nil", got, err)
		}
		if err := s.Delete(ctx, u.ID, []any{"type", "user.deleted"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("second Delete = %v, want ErrNotFound", err)
		}
		mustCreate(t, s, "Ada again", "ada@example.com") // the email is free again
	})
}

// TestGetMany checks that GetMany answers in order, nil for an id that names no user,
// in one round trip however many ids.
func TestGetMany(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, r redistest.Redis) {
		var ids []string
		for i := range 50 {
			ids = append(ids, mustCreate(t, s, "U", fmt.Sprintf("u%d@example.com", i)).ID)
		}
		missing := relay.NewID("User")
		ask := append([]string{missing}, ids...)
		ask = append(ask, ids[7])
		r.RoundTrips.Store(0)
		got, err := s.GetMany(context.Background(), ask)
		if err != nil {
			t.Fatal(err)
		}
		if n := r.RoundTrips.Load(); n != 1 {
			t.Errorf("GetMany of %d ids took %d round trips, want 1", len(ask), n)
		}
		if len(got) != len(ask) || got[0] != nil {
			t.Fatalf("GetMany = %d users, first %+v; want %d, first nil", len(got), got[0], len(ask))
		}
		for i, u := range got[1:] {
			if u == nil || u.ID != ask[i+1] {
				t.Errorf("GetMany[%d] = %+v, want %s", i+1, u, ask[i+1])
			}
		}
	})
}

func TestListPages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ redistest.Redis) {
		ctx := context.Background()
		var all []*User
		for i := range 5 {
			all = append(all, mustCreate(t, s, "U", fmt.Sprintf("u%d@example.com", i)))
		}
		if err := s.Delete(ctx, all[2].ID, []any{"type", "user.deleted"}); err != nil {
			t.Fatal(err)
		}
		ids := func(us []*User) []string {
			out := []string{}
			for _, u := range us {
				out = append(out, u.ID)
			}
			return out
		}
		for _, tt := range []struct {
			name  string
			after int64
			limit int
			want  []*User
		}{
			{"from the start", -1, 2, all[:2]},
			{"after the second, skipping the deleted", all[1].Pos, 2, []*User{all[3], all[4]}},
			{"after the deleted one's position", all[2].Pos, 10, all[3:]},
			{"after the last", all[4].Pos, 10, nil},
			{"all", -1, 10, []*User{all[0], all[1], all[3], all[4]}},
		} {
			got, err := s.List(ctx, tt.after, tt.limit)
			if err != nil || !slices.Equal(ids(got), ids(tt.want)) {
				t.Errorf("%s: List = %v, %v; want %v", tt.name, ids(got), err, ids(tt.want))
			}
		}
	})
}

func TestUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, r redistest.Redis) {
		ctx := context.Background()
		ada := mustCreate(t, s, "Ada", "ada@example.com")
		mustCreate(t, s, "Bea", "bea@example.com")
		name, email, taken := "Ada King", "ADA@lovelace.org", "BEA@example.com"
		one, seven := int64(1), int64(7)

		if _, err := s.Update(ctx, ada.ID, nil, &taken, nil); !errors.Is(err, ErrEmailTaken) {
			t.Errorf("Update to a taken email = %v, want ErrEmailTaken", err)
		}
		if _, err := s.Update(ctx, ada.ID, &name, nil, &seven); !errors.Is(err, ErrConflict) {
			t.Errorf("Update at a stale version = %v, want ErrConflict", err)
		}
		if _, err := s.Update(ctx, relay.NewID("User"), &name, nil, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update of an unknown user = %v, want ErrNotFound", err)
		}
		u, err := s.Update(ctx, ada.ID, &name, &email, &one)
		if err != nil || u.Name != name || u.Email != email || u.Version != 2 {
			t.Fatalf("Update = %+v, %v; want %s <%s> at version 2", u, err, name, email)
		}
		if got, err := s.Get(ctx, ada.ID); err != nil || *got != *u {
			t.Errorf("Get after Update = %+v, %v; want %+v", got, err, u)
		}
		// The old email is free, the new one claimed whatever its case.
		if n, err := r.Client.Exists(ctx, s.keys.email("ada@example.com")).Result(); err != nil || n != 0 {
			t.Errorf("the old email is still claimed (%d, %v)", n, err)
		}
		if _, err := s.Create(ctx, "X", "ada@LOVELACE.org", nil); !errors.Is(err, ErrEmailTaken) {
			t.Errorf("Create with the new email = %v, want ErrEmailTaken", err)
		}
		mustCreate(t, s, "New Ada", "ada@example.com")
	})
}
