package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

func newStore(t *testing.T) (*Store, redistest.Redis) {
	t.Helper()
	r := redistest.New(t)
	return New(r.Client, r.Prefix), r
}

func mustCreate(t *testing.T, s *Store, name, owner string) *Product {
	t.Helper()
	p, err := s.Create(context.Background(), name, "about "+name, Money{Minor: 1234, Currency: "USD"}, owner, nil)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return p
}

func ids(ps []*Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestCreateGetDelete(t *testing.T) {
	ctx := context.Background()
	s, r := newStore(t)
	owner := relay.NewID("User")
	p := mustCreate(t, s, "Lamp", owner)
	if err := relay.CheckID(p.ID, "Product"); err != nil {
		t.Fatalf("Create gave id %q: %v", p.ID, err)
	}
	got, err := s.Get(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || *got != *p {
		t.Fatalf("Get = %+v, want %+v", got, p)
	}
	for _, index := range []string{s.keys.created(), s.keys.owner(owner)} {
		if score, err := r.Client.ZScore(ctx, index, p.ID).Result(); err != nil || int64(score) != p.Pos {
			t.Errorf("ZSCORE %s %s = %v, %v; want %d", index, p.ID, score, err, p.Pos)
		}
	}

	if err := s.Delete(ctx, p.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	n, err := r.Client.Exists(ctx, s.keys.product(p.ID), s.keys.created(), s.keys.owner(owner)).Result()
	if err != nil || n != 0 {
		t.Errorf("after Delete, %d of the product's hash and indexes exist (err %v); want 0", n, err)
	}
	if got, err := s.Get(ctx, p.ID); err != nil || got != nil {
		t.Errorf("Get after Delete = %+v, %v; want nil, nil", got, err)
	}
	if err := s.Delete(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func TestDeleteKeepsOtherProducts(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	owner := relay.NewID("User")
	a, b, c := mustCreate(t, s, "a", owner), mustCreate(t, s, "b", owner), mustCreate(t, s, "c", owner)
	if err := s.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(ctx, -1, 10)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.ListByOwner(ctx, owner, -1, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{a.ID, c.ID}
	if !slices.Equal(ids(all), want) || !slices.Equal(ids(mine), want) {
		t.Errorf("after deleting b: List = %v, ListByOwner = %v; want %v for both", ids(all), ids(mine), want)
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	p := mustCreate(t, s, "Lamp", relay.NewID("User"))

	name := "Desk lamp"
	got, err := s.Update(ctx, p.ID, &name, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := *p
	want.Name, want.Version = name, 2
	if *got != want {
		t.Fatalf("Update(name) = %+v, want %+v", got, want)
	}

	desc, price := "", Money{Minor: 5, Currency: "KWD"}
	got, err = s.Update(ctx, p.ID, nil, &desc, &price, nil)
	if err != nil {
		t.Fatal(err)
	}
	want.Description, want.Price, want.Version = desc, price, 3
	if *got != want {
		t.Fatalf("Update(description, price) = %+v, want %+v", got, want)
	}
	if stored, err := s.Get(ctx, p.ID); err != nil || *stored != want {
		t.Fatalf("Get after Update = %+v, %v; want %+v", stored, err, want)
	}

	want.Version = 4 // an update that changes no field is an update all the same
	if got, err := s.Update(ctx, p.ID, nil, nil, nil, nil); err != nil || *got != want {
		t.Errorf("Update(nothing) = %+v, %v; want %+v", got, err, want)
	}
}

func TestUpdateMissingCreatesNothing(t *testing.T) {
	ctx := context.Background()
	s, r := newStore(t)
	id := relay.NewID("Product")
	name := "x"
	if _, err := s.Update(ctx, id, &name, nil, nil, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update of a missing product = %v, want ErrNotFound", err)
	}
	if n, err := r.Client.Exists(ctx, s.keys.product(id)).Result(); err != nil || n != 0 {
		t.Errorf("Update of a missing product left a hash behind (exists %d, err %v)", n, err)
	}
}

func TestGetMany(t *testing.T) {
	ctx := context.Background()
	s, r := newStore(t)
	owner := relay.NewID("User")
	a, b := mustCreate(t, s, "a", owner), mustCreate(t, s, "b", owner)
	missing := relay.NewID("Product")
	// The first pipeline dials its connection, whose handshake counts too.
	if _, err := s.GetMany(ctx, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	r.RoundTrips.Store(0)
	got, err := s.GetMany(ctx, []string{b.ID, missing, a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.RoundTrips.Load(); n != 1 {
		t.Errorf("GetMany of 3 took %d round trips, want 1", n)
	}
	if len(got) != 3 || got[0] == nil || got[0].ID != b.ID || got[1] != nil || got[2] == nil || got[2].ID != a.ID {
		t.Errorf("GetMany = %+v, want [b nil a]", got)
	}
}

func TestListPages(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	ann, bob := relay.NewID("User"), relay.NewID("User")
	var all, anns, bobs []string
	for i := range 7 {
		owner := ann
		if i%3 == 0 {
			owner = bob
		}
		p := mustCreate(t, s, "p", owner)
		all = append(all, p.ID)
		if owner == ann {
			anns = append(anns, p.ID)
		} else {
			bobs = append(bobs, p.ID)
		}
	}
	page := func(list func(after int64) ([]*Product, error)) []string {
		t.Helper()
		var got []string
		after := int64(-1)
		for range 10 {
			ps, err := list(after)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				return got
			}
			got = append(got, ids(ps)...)
			after = ps[len(ps)-1].Pos
		}
		t.Fatal("paging did not end")
		return nil
	}
	if got := page(func(after int64) ([]*Product, error) { return s.List(ctx, after, 3) }); !slices.Equal(got, all) {
		t.Errorf("List pages = %v, want %v", got, all)
	}
	if got := page(func(after int64) ([]*Product, error) { return s.ListByOwner(ctx, ann, after, 2) }); !slices.Equal(got, anns) {
		t.Errorf("ListByOwner(ann) pages = %v, want %v", got, anns)
	}
	if got, err := s.ListByOwner(ctx, relay.NewID("User"), -1, 5); err != nil || len(got) != 0 {
		t.Errorf("ListByOwner(stranger) = %v, %v; want none", ids(got), err)
	}

	// ListByOwners answers the same pages as ListByOwner, in two round trips.
	stranger := relay.NewID("User")
	firstAnn, err := s.ListByOwner(ctx, ann, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := s.ListByOwners(ctx, []OwnerPage{
		{OwnerID: ann, After: -1, Limit: 10},
		{OwnerID: bob, After: -1, Limit: 2},
		{OwnerID: stranger, After: -1, Limit: 10},
		{OwnerID: ann, After: firstAnn[0].Pos, Limit: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{anns, bobs[:2], {}, anns[1:3]}
	if len(pages) != len(want) {
		t.Fatalf("ListByOwners gave %d pages, want %d", len(pages), len(want))
	}
	for i := range want {
		if !slices.Equal(ids(pages[i]), want[i]) {
			t.Errorf("ListByOwners page %d = %v, want %v", i, ids(pages[i]), want[i])
		}
	}
	if pages[0][0].Price != (Money{Minor: 1234, Currency: "USD"}) || pages[0][0].OwnerID != ann {
		t.Errorf("ListByOwners record = %+v, want the stored fields", pages[0][0])
	}
}
