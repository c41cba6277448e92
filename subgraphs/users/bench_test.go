package users_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/subgraphs/hashstore"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
	"github.com/fedgraph/fedgraph/subgraphs/users"
	"github.com/fedgraph/fedgraph/subgraphs/users/store"
)

// BenchmarkList serves a page of 100 users through the users subgraph's whole handler,
// without a network, against its floor (subgraphtest.AgainstFloor), as the products
// subgraph's BenchmarkList does. It runs on REDIS_URL's Redis when set; cpu-ns/op is the
// process's CPU time.
func BenchmarkList(b *testing.B) {
	r := subgraphtest.BenchRedis(b).New(b)
	h, err := users.New(config(r.Client, r.Prefix))
	if err != nil {
		b.Fatal(err)
	}
	post := subgraphtest.Poster(b, h)
	for i := range 100 {
		post(fmt.Sprintf(`{"query":"mutation { createUser(input: {name: \"User %d\", email: \"user%d@example.com\"}) { id } }"}`, i, i))
	}
	list := `{"query":"{ users(first: 100) { edges { node { id name email createdAt } } } }"}`
	answer := post(list)
	if n := strings.Count(answer, `"node"`); n != 100 {
		b.Fatalf("%d users listed, want 100", n)
	}
	subgraphtest.AgainstFloor(b, "users list of 100", listFloor(b, r.Client, r.Prefix), func() string { return post(list) })
}

// listFloor returns the floor of the list query: the Redis read the store makes for a
// page of 101 users (two pipelines: ZRANGE BYSCORE, then HMGET of each user, see
// hashstore.Page), then the same answer built from plain structs by encoding/json,
// written to a response. The keys are the store's (store.go's key layout).
func listFloor(b *testing.B, rdb redis.UniversalClient, prefix string) func() string {
	type (
		node struct {
			ID        string    `json:"id"`
			Name      string    `json:"name"`
			Email     string    `json:"email"`
			CreatedAt time.Time `json:"createdAt"`
		}
		edge struct {
			Node node `json:"node"`
		}
		answer struct {
			Data struct {
				Users struct {
					Edges []edge `json:"edges"`
				} `json:"users"`
			} `json:"data"`
		}
	)
	ctx := context.Background()
	fields := store.Fields()
	return func() string {
		entries, err := hashstore.Page(ctx, rdb, fields, prefix+"{users}:created", prefix+"{users}:user:", -1, 101)
		if err != nil {
			b.Fatal(err)
		}
		entries = entries[:min(len(entries), 100)]
		var a answer
		a.Data.Users.Edges = make([]edge, len(entries))
		for i, e := range entries {
			created, err := time.Parse(time.RFC3339Nano, e.Record.Get("createdAt"))
			if err != nil {
				b.Fatal(err)
			}
			a.Data.Users.Edges[i].Node = node{ID: e.Record.Get("id"), Name: e.Record.Get("name"), Email: e.Record.Get("email"), CreatedAt: created}
		}
		w := httptest.NewRecorder()
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(a); err != nil {
			b.Fatal(err)
		}
		return strings.TrimSuffix(w.Body.String(), "\n")
	}
}

// BenchmarkLookups serves the gateway's lookup of 17 users, the owners of the
// whole-graph benchmark's list, in both of its forms: stitch mode's aliased node(id:)
// fields and federation mode's one _entities field, as transport.Encoder writes them.
func BenchmarkLookups(b *testing.B) {
	r := subgraphtest.BenchRedis(b).New(b)
	h, err := users.New(config(r.Client, r.Prefix))
	if err != nil {
		b.Fatal(err)
	}
	post := subgraphtest.Poster(b, h)
	const owners = 17
	ids := make([]string, owners)
	for i := range ids {
		var got struct {
			Data struct{ CreateUser struct{ ID string } }
		}
		answer := post(fmt.Sprintf(`{"query":"mutation { createUser(input: {name: \"User %d\", email: \"user%d@example.com\"}) { id } }"}`, i, i))
		if err := json.Unmarshal([]byte(answer), &got); err != nil {
			b.Fatal(err)
		}
		ids[i] = got.Data.CreateUser.ID
	}
	var defs, fields, vars, reps []string
	for i, id := range ids {
		defs = append(defs, fmt.Sprintf("$_f%d:ID!,", i))
		fields = append(fields, fmt.Sprintf("_f%d:node(id:$_f%d){..._fS1}", i, i))
		vars = append(vars, fmt.Sprintf(`"_f%d":%q`, i, id))
		reps = append(reps, fmt.Sprintf(`{"__typename":"User","id":%q}`, id))
	}
	node := `{"query":"query(` + strings.Join(defs, "") + `){` + strings.Join(fields, " ") + `} fragment _fS1 on User {id name}","variables":{` + strings.Join(vars, ",") + `}}`
	entities := `{"query":"query($_f0:[_Any!]!,){_f0:_entities(representations:$_f0){..._fS1}} fragment _fS1 on _Entity {... on User {id name}}","variables":{"_f0":[` + strings.Join(reps, ",") + `]}}`
	for _, bm := range []struct{ name, body string }{{"node", node}, {"entities", entities}} {
		if n := strings.Count(post(bm.body), `"name"`); n != owners {
			b.Fatalf("%s: %d users answered, want %d", bm.name, n, owners)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				post(bm.body)
			}
		})
	}
}
