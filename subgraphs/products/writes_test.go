package products

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

type versioned struct {
	ID      string
	Name    string
	Version int
}

func (e *env) send(req graphqltest.Request) graphqltest.Response {
	e.t.Helper()
	return graphqltest.Post(e.t, e.url+"/graphql", req)
}

// count is how many products the creation index holds.
func (e *env) count() int64 {
	e.t.Helper()
	n, err := e.redis.Client.ZCard(context.Background(), e.redis.Prefix+"{products}:created").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

const keyedCreate = `mutation($in: CreateProductInput!) { createProduct(input: $in) { id name version } }`

func withKey(key string, in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	if key != "" {
		out["idempotencyKey"] = key
	}
	return map[string]any{"in": out}
}

// TestIdempotentProductCreates checks createProduct with an idempotency key from the
// input and from the Idempotency-Key header: the same key and input answer the first
// product, whatever the spelling of the same price; other input is refused and changes
// nothing; aliased creates under one header key are each their own.
func TestIdempotentProductCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		owner := e.user()
		lamp := func(amount string) map[string]any {
			return map[string]any{"name": "Lamp", "ownerId": owner, "price": map[string]any{"amount": amount, "currencyCode": "USD"}}
		}
		var first, again struct{ CreateProduct versioned }
		e.send(graphqltest.Request{Query: keyedCreate, Variables: withKey("k", lamp("1.5"))}).Decode(t, &first)
		e.send(graphqltest.Request{Query: keyedCreate, Variables: withKey("k", lamp("1.50"))}).Decode(t, &again)
		if again != first || first.CreateProduct.Version != 1 {
			t.Errorf("replay = %+v, want the first create's %+v at version 1", again, first)
		}
		before := e.redis.Dump(t)
		for _, in := range []map[string]any{
			lamp("1.51"),
			{"name": "Lamp", "ownerId": e.user(), "price": map[string]any{"amount": "1.5", "currencyCode": "USD"}},
			{"name": "Lamp", "description": "other", "ownerId": owner, "price": map[string]any{"amount": "1.5", "currencyCode": "USD"}},
		} {
			if r := e.send(graphqltest.Request{Query: keyedCreate, Variables: withKey("k", in)}); codeOf(r) != errcode.IdempotencyKeyReused {
				t.Errorf("other input %v under a used key: %s, want IDEMPOTENCY_KEY_REUSED", in, r.Raw)
			}
		}
		if d := subgraphtest.Diff(before, e.redis.Dump(t)); len(d) > 0 {
			t.Errorf("refused creates changed the store: %v", d)
		}

		hdr := http.Header{subgraph.IdempotencyHeader: {"request-1"}}
		two := graphqltest.Request{
			Query:     `mutation($a: CreateProductInput!, $b: CreateProductInput!) { a: createProduct(input: $a) { id } b: createProduct(input: $b) { id } }`,
			Variables: map[string]any{"a": lamp("2"), "b": lamp("2")},
			Header:    hdr,
		}
		var d1, d2 struct{ A, B struct{ ID string } }
		e.send(two).Decode(t, &d1)
		e.send(two).Decode(t, &d2)
		if d1.A.ID == d1.B.ID || d1 != d2 {
			t.Errorf("aliased creates under one header: %+v then %+v, want two products, the same both times", d1, d2)
		}
		if n := e.count(); n != 3 {
			t.Errorf("%d products, want 3", n)
		}
		keys, err := e.redis.Keys(context.Background(), e.redis.Prefix+"{products}:idem:*")
		if err != nil || len(keys) != 3 {
			t.Fatalf("idempotency keys %v (%v), want 3", keys, err)
		}
		for _, k := range keys {
			if ttl, err := e.redis.Client.PTTL(context.Background(), k).Result(); err != nil || ttl <= subgraph.DefaultIdempotencyTTL-time.Minute || ttl > subgraph.DefaultIdempotencyTTL {
				t.Errorf("TTL of %s = %s (%v), want about %s", k, ttl, err, subgraph.DefaultIdempotencyTTL)
			}
		}
	})
}

// TestConcurrentIdempotentProductCreates sends 50 creates with one key at once: one
// product, and every answer is that product; the key is checked and recorded in the
// script that writes the product, so there is no window for a second.
func TestConcurrentIdempotentProductCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		owner := e.user()
		const n = 50
		for _, viaHeader := range []bool{false, true} {
			in := map[string]any{"name": fmt.Sprint("Lamp ", viaHeader), "ownerId": owner, "price": map[string]any{"amount": "1", "currencyCode": "USD"}}
			req := graphqltest.Request{Query: keyedCreate, Variables: withKey("one key", in)}
			if viaHeader {
				req = graphqltest.Request{Query: keyedCreate, Variables: withKey("", in), Header: http.Header{subgraph.IdempotencyHeader: {"one key"}}}
			}
			before := e.count()
			ids := make(chan string, n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := graphqltest.PostErr(e.url+"/graphql", req)
					if err != nil || len(r.Errors) > 0 {
						t.Errorf("create: %v %s", err, r.Raw)
						return
					}
					var d struct{ CreateProduct versioned }
					json.Unmarshal(r.Data, &d)
					ids <- d.CreateProduct.ID
				}()
			}
			wg.Wait()
			close(ids)
			seen := map[string]int{}
			for id := range ids {
				seen[id]++
			}
			if len(seen) != 1 || e.count()-before != 1 {
				t.Errorf("header %v: %d creates with one key answered %v and made %d products, want one", viaHeader, n, seen, e.count()-before)
			}
		}
	})
}

const updateQ = `mutation($id: ID!, $in: UpdateProductInput!) { updateProduct(id: $id, input: $in) { id name version } }`

// TestProductVersions checks that a product starts at version 1, that each update adds
// one, and that an update expecting another version is refused with CONFLICT and
// changes nothing.
func TestProductVersions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		p := e.create("Lamp", "1", "USD", e.user())
		update := func(in map[string]any) graphqltest.Response {
			return e.send(graphqltest.Request{Query: updateQ, Variables: map[string]any{"id": p.ID, "in": in}})
		}
		var d struct{ UpdateProduct versioned }
		update(map[string]any{"name": "Desk lamp", "expectedVersion": 1}).Decode(t, &d)
		update(map[string]any{}).Decode(t, &d)
		if want := (versioned{ID: p.ID, Name: "Desk lamp", Version: 3}); d.UpdateProduct != want {
			t.Errorf("after two updates: %+v, want %+v", d.UpdateProduct, want)
		}
		var got struct{ Product versioned }
		e.send(graphqltest.Request{Query: `query($id: ID!) { product(id: $id) { id name version } }`, Variables: map[string]any{"id": p.ID}}).Decode(t, &got)
		if got.Product != d.UpdateProduct {
			t.Errorf("product(id) = %+v, want %+v", got.Product, d.UpdateProduct)
		}
		before := e.redis.Dump(t)
		for _, v := range []int{1, 2, 4} {
			if r := update(map[string]any{"name": "X", "expectedVersion": v}); codeOf(r) != errcode.Conflict || !strings.Contains(r.Raw, fmt.Sprint("version ", v)) {
				t.Errorf("update expecting version %d of a product at 3: %s, want CONFLICT", v, r.Raw)
			}
		}
		if r := update(map[string]any{"expectedVersion": -1}); codeOf(r) != errcode.BadUserInput {
			t.Errorf("expectedVersion -1: %s, want BAD_USER_INPUT", r.Raw)
		}
		if r := e.send(graphqltest.Request{Query: updateQ, Variables: map[string]any{"id": relay.NewID("Product"), "in": map[string]any{"expectedVersion": 1}}}); codeOf(r) != errcode.NotFound {
			t.Errorf("update of a missing product with expectedVersion: %s, want NOT_FOUND", r.Raw)
		}
		if d := subgraphtest.Diff(before, e.redis.Dump(t)); len(d) > 0 {
			t.Errorf("refused updates changed the store: %v", d)
		}
	})
}

// TestConcurrentProductUpdatesConflict runs two updates of one product that expect the
// same version at once, many times over: each time exactly one succeeds and the other
// gets CONFLICT, and the product holds the winner's name.
func TestConcurrentProductUpdatesConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		p := e.create("Lamp", "1", "USD", e.user())
		const rounds = 100
		for round := range rounds {
			type outcome struct {
				name, code string
			}
			results := make([]outcome, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					name := fmt.Sprintf("round %d writer %d", round, i)
					<-start
					r, err := graphqltest.PostErr(e.url+"/graphql", graphqltest.Request{Query: updateQ,
						Variables: map[string]any{"id": p.ID, "in": map[string]any{"name": name, "expectedVersion": round + 1}}})
					if err != nil {
						t.Error(err)
						return
					}
					results[i] = outcome{name: name, code: codeOf(r)}
					if len(r.Errors) == 0 {
						results[i].code = ""
					}
				}()
			}
			close(start)
			wg.Wait()
			var winner string
			conflicts := 0
			for _, o := range results {
				switch o.code {
				case "":
					winner = o.name
				case errcode.Conflict:
					conflicts++
				}
			}
			if winner == "" || conflicts != 1 {
				t.Fatalf("round %d: %+v, want one success and one CONFLICT", round, results)
			}
			if got := e.get(p.ID); got == nil || got.Name != winner {
				t.Fatalf("round %d: product %+v, want the winner's name %q", round, got, winner)
			}
		}
	})
}
