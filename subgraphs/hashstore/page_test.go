package hashstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// TestPages reads pages of several indexes in two round trips, in position order, each
// up to its limit. A member whose record is gone, as when it was deleted between the
// two reads, is left out and its page reads on past it, one more round of two trips:
// the page is as long as a read in one step would give, and a short page still means
// the index holds no more.
func TestPages(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			r := b.New(t)
			ctx := context.Background()
			idx := func(name string) string { return r.Prefix + "{hs}:" + name }
			rec := r.Prefix + "{hs}:rec:"
			f := NewFields("id", "pos")
			// index a holds positions 0..9, records r0..r9, but r2 and r3 have no hash;
			// index b holds 5 and 6; index c is empty.
			for i := range 10 {
				id := fmt.Sprintf("r%d", i)
				r.Client.ZAdd(ctx, idx("a"), redis.Z{Score: float64(i), Member: id})
				if i != 2 && i != 3 {
					r.Client.HSet(ctx, rec+id, "id", id, "pos", i)
				}
			}
			for _, i := range []int{5, 6} {
				id := fmt.Sprintf("b%d", i)
				r.Client.ZAdd(ctx, idx("b"), redis.Z{Score: float64(i), Member: id})
				r.Client.HSet(ctx, rec+id, "id", id)
			}
			ids := func(page []Entry) []string {
				var out []string
				for _, e := range page {
					out = append(out, fmt.Sprintf("%s@%d", e.Record.Get("id"), e.Pos))
				}
				return out
			}
			for _, tt := range []struct {
				name  string
				qs    []PageQuery
				want  [][]string
				trips int64
			}{
				{"whole records", []PageQuery{{idx("a"), 3, 3}, {idx("b"), -1, 5}, {idx("c"), -1, 5}},
					[][]string{{"r4@4", "r5@5", "r6@6"}, {"b5@5", "b6@6"}, nil}, 2},
				{"a gone record read past", []PageQuery{{idx("a"), -1, 4}},
					[][]string{{"r0@0", "r1@1", "r4@4", "r5@5"}}, 4},
				// The first read fills the limit with members, two of them gone: the page
				// reads on, and one more range finds the index at its end.
				{"gone records, then the end", []PageQuery{{idx("a"), 0, 9}},
					[][]string{{"r1@1", "r4@4", "r5@5", "r6@6", "r7@7", "r8@8", "r9@9"}}, 3},
				{"after the last", []PageQuery{{idx("a"), 9, 3}, {idx("b"), 6, 1}}, [][]string{nil, nil}, 1},
				{"no limit", []PageQuery{{idx("a"), -1, 0}}, [][]string{nil}, 0},
			} {
				t.Run(tt.name, func(t *testing.T) {
					r.RoundTrips.Store(0)
					pages, err := Pages(ctx, r.Client, f, rec, tt.qs)
					if err != nil {
						t.Fatal(err)
					}
					var got [][]string
					for _, p := range pages {
						got = append(got, ids(p))
					}
					if !slices.EqualFunc(got, tt.want, slices.Equal) {
						t.Errorf("pages = %q, want %q", got, tt.want)
					}
					if n := r.RoundTrips.Load(); n != tt.trips {
						t.Errorf("%d round trips, want %d", n, tt.trips)
					}
				})
			}
			single, err := Page(ctx, r.Client, f, idx("b"), rec, -1, 1)
			if err != nil || !slices.Equal(ids(single), []string{"b5@5"}) {
				t.Errorf("Page = %q, %v, want [b5@5]", ids(single), err)
			}
		})
	}
}

// TestGetAll reads hashes by key in one round trip as their Fields: the values of those
// fields alone, "" for one a hash lacks, and the zero Record for a hash that does not
// exist.
func TestGetAll(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			r := b.New(t)
			ctx := context.Background()
			k := func(id string) string { return r.Prefix + "{hs}:rec:" + id }
			r.Client.HSet(ctx, k("a"), "id", "a", "name", "Ada", "secret", "s")
			r.Client.HSet(ctx, k("b"), "id", "b")
			f := NewFields("id", "name")
			r.RoundTrips.Store(0)
			recs, err := GetAll(ctx, r.Client, f, []string{k("a"), k("gone"), k("b")})
			if err != nil {
				t.Fatal(err)
			}
			if n := r.RoundTrips.Load(); n != 1 {
				t.Errorf("%d round trips, want 1", n)
			}
			want := []Record{f.Record(map[string]string{"id": "a", "name": "Ada"}), {}, f.Record(map[string]string{"id": "b"})}
			if !reflect.DeepEqual(recs, want) {
				t.Errorf("GetAll = %+v, want %+v", recs, want)
			}
			if !recs[0].Exists() || recs[1].Exists() || !recs[2].Exists() {
				t.Errorf("Exists = %t, %t, %t; want true, false, true", recs[0].Exists(), recs[1].Exists(), recs[2].Exists())
			}
			if got := recs[0].Get("name") + "|" + recs[0].Get("secret") + "|" + recs[2].Get("name") + "|" + recs[1].Get("id"); got != "Ada|||" {
				t.Errorf("Get = %q, want %q: a field outside the Fields, or missing, reads empty", got, "Ada|||")
			}
		})
	}
}
