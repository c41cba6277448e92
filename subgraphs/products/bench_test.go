package products

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/subgraphs/hashstore"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// everyoneExists is an owner check that accepts every owner: the benchmark measures the
// products subgraph alone.
type everyoneExists struct{}

func (everyoneExists) UserExists(context.Context, string) (bool, error) { return true, nil }

// BenchmarkList serves the gateway's list query (100 products, each with its owner's
// key) through the products subgraph's whole handler, without a network, against its
// floor (subgraphtest.AgainstFloor): what the subgraph spends per list beyond the Redis
// read and the JSON it must write anyway. It runs on REDIS_URL's Redis when set
// (miniredis's CPU would count as the subgraph's otherwise); cpu-ns/op is the
// process's CPU time.
func BenchmarkList(b *testing.B) {
	r := subgraphtest.BenchRedis(b).New(b)
	svc, err := NewService(config(r.Client, r.Prefix, everyoneExists{}))
	if err != nil {
		b.Fatal(err)
	}
	h := svc.Handler()
	post := subgraphtest.Poster(b, h)
	for i := range 100 {
		post(fmt.Sprintf(`{"query":"mutation { createProduct(input: {name: \"P%d\", description: \"d\", price: {amount: \"1.50\", currencyCode: USD}, ownerId: \"User:00000000-0000-0000-0000-%012d\"}) { id } }"}`, i, i%17))
	}
	list := `{"query":"{ products(first: 100) { edges { node { id name price { amount currencyCode } owner { id } } } } }"}`
	answer := post(list)
	if n := strings.Count(answer, `"node"`); n != 100 {
		b.Fatalf("%d products listed, want 100", n)
	}
	subgraphtest.AgainstFloor(b, "products list of 100", listFloor(b, r.Client, r.Prefix), func() string { return post(list) })
}

// listFloor returns the floor of the list query: the Redis read the store makes for a
// page of 101 products (two pipelines: ZRANGE BYSCORE, then HMGET of each product, see
// hashstore.Page), then the same answer built from plain structs by encoding/json,
// written to a response. The keys are the store's (store.go's key layout).
func listFloor(b *testing.B, rdb redis.UniversalClient, prefix string) func() string {
	type (
		id struct {
			ID string `json:"id"`
		}
		money struct {
			Amount       string `json:"amount"`
			CurrencyCode string `json:"currencyCode"`
		}
		node struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Price money  `json:"price"`
			Owner id     `json:"owner"`
		}
		edge struct {
			Node node `json:"node"`
		}
		answer struct {
			Data struct {
				Products struct {
					Edges []edge `json:"edges"`
				} `json:"products"`
			} `json:"data"`
		}
	)
	ctx := context.Background()
	fields := store.Fields()
	return func() string {
		entries, err := hashstore.Page(ctx, rdb, fields, prefix+"{products}:created", prefix+"{products}:product:", -1, 101)
		if err != nil {
			b.Fatal(err)
		}
		entries = entries[:min(len(entries), 100)]
		var a answer
		a.Data.Products.Edges = make([]edge, len(entries))
		for i, e := range entries {
			minor, err := strconv.ParseInt(e.Record.Get("priceMinor"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			price := store.Money{Minor: minor, Currency: e.Record.Get("currency")}
			a.Data.Products.Edges[i].Node = node{
				ID: e.Record.Get("id"), Name: e.Record.Get("name"),
				Price: money{Amount: price.Amount(), CurrencyCode: price.Currency},
				Owner: id{ID: e.Record.Get("ownerId")},
			}
		}
		w := httptest.NewRecorder()
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(a); err != nil {
			b.Fatal(err)
		}
		return strings.TrimSuffix(w.Body.String(), "\n")
	}
}
