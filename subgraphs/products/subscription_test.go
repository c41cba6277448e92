package products

import (
	"encoding/json"
	"testing"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// TestProductCreated: a subscriber over SSE gets each product created after it
// subscribed, by any replica on the same Redis, in order, with the fields it selected;
// with ownerId, only that owner's; a replayed create (an idempotency key sent again)
// announces nothing. Two subscribers get the same products.
func TestProductCreated(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) {
			r := b.New(t)
			e := newEnvOn(t, r)
			replica := newEnvOn(t, r) // another replica on the same Redis
			ada, grace := e.user(), e.user()
			replica.owners.add(ada)
			replica.owners.add(grace)
			before := e.create("Before", "1.00", "USD", ada) // not announced: no one listened

			sub := `subscription($owner: ID) { productCreated(ownerId: $owner) { id name price { amount currencyCode } owner { id } } }`
			all := graphqltest.Subscribe(t, e.url+"/graphql", graphqltest.Request{Query: sub}, nil)
			adas := graphqltest.Subscribe(t, replica.url+"/graphql", graphqltest.Request{Query: sub, Variables: map[string]any{"owner": ada}}, nil)
			for _, s := range []*graphqltest.Stream{all, adas} {
				if s.Status != 200 || s.Headers.Get("Content-Type") != "text/event-stream" {
					t.Fatalf("subscribe: %d %q", s.Status, s.Headers.Get("Content-Type"))
				}
			}
			graphqltest.Live(t, func() string { return e.create("Probe", "1.00", "USD", ada).ID }, func(r graphqltest.Response) string {
				var ev struct{ ProductCreated struct{ ID string } }
				json.Unmarshal(r.Data, &ev)
				return ev.ProductCreated.ID
			}, all, adas)
			engine := e.create("Analytical Engine", "1843.00", "GBP", ada)
			mark := replica.create("Mark I", "1944.00", "USD", grace)
			var input = map[string]any{"name": "Notes", "ownerId": ada, "idempotencyKey": "notes-1",
				"price": map[string]any{"amount": "5.00", "currencyCode": "GBP"}}
			var notes struct{ CreateProduct product }
			e.do(createMutation, map[string]any{"input": input}, &notes)
			e.do(createMutation, map[string]any{"input": input}, &notes) // a replay

			type event struct {
				ProductCreated struct {
					ID, Name string
					Price    money
					Owner    struct{ ID string }
				}
			}
			next := func(s *graphqltest.Stream) event {
				t.Helper()
				r, ok := s.Next()
				if !ok {
					t.Fatal("the stream ended")
				}
				if len(r.Errors) > 0 {
					t.Fatalf("event with errors: %s", r.Raw)
				}
				var ev event
				if err := json.Unmarshal(r.Data, &ev); err != nil {
					t.Fatal(err)
				}
				return ev
			}
			for _, want := range []product{engine, mark, notes.CreateProduct} {
				got := next(all).ProductCreated
				if got.ID != want.ID || got.Name != want.Name || got.Price != want.Price || got.Owner.ID != want.Owner.ID {
					t.Errorf("all: got %+v, want %s %s", got, want.ID, want.Name)
				}
			}
			for _, want := range []product{engine, notes.CreateProduct} {
				if got := next(adas).ProductCreated; got.ID != want.ID {
					t.Errorf("ada's: got %s %s, want %s %s", got.ID, got.Name, want.ID, want.Name)
				}
			}
			// Nothing else is pending: the next event is the next product, not the
			// replay nor Before.
			last := e.create("Last", "2.00", "USD", ada)
			if got := next(all).ProductCreated; got.ID != last.ID || got.ID == before.ID {
				t.Errorf("after the replay: got %s %s, want %s Last", got.ID, got.Name, last.ID)
			}
		})
	}
}
