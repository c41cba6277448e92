package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestSeedPlan checks the spread the README's figures rely on: the first page of 100
// products has 17 owners, user 0 owns 50, every user owns something.
func TestSeedPlan(t *testing.T) {
	owners := seedPlan()
	if len(owners) != seedProducts {
		t.Fatalf("%d products, want %d", len(owners), seedProducts)
	}
	count := map[int]int{}
	firstPage := map[int]bool{}
	for i, o := range owners {
		if o < 0 || o >= seedUsers {
			t.Fatalf("product %d: owner %d, want 0..%d", i, o, seedUsers-1)
		}
		count[o]++
		if i < listSize {
			firstPage[o] = true
		}
	}
	if len(firstPage) != firstPageOwners {
		t.Errorf("the first %d products have %d owners, want %d", listSize, len(firstPage), firstPageOwners)
	}
	if count[0] != bigUserProducts {
		t.Errorf("user 0 owns %d products, want %d", count[0], bigUserProducts)
	}
	if len(count) != seedUsers {
		t.Errorf("%d users own products, want all %d", len(count), seedUsers)
	}
	if count[1] <= count[firstPageOwners-1] {
		t.Errorf("user 1 owns %d and user %d owns %d: want the spread uneven", count[1], firstPageOwners-1, count[firstPageOwners-1])
	}
}

// testGraph is a seeded graph without a server: user i is "User:i", product j "Product:j".
func testGraph() *graph {
	g := &graph{ownerOf: map[string]int{}, owns: map[int]map[string]bool{}}
	for i := range seedUsers {
		g.users = append(g.users, seedUser{id: fmt.Sprintf("User:%d", i), name: fmt.Sprintf("User %02d", i), email: fmt.Sprintf("user%02d@bench.example", i)})
		g.owns[i] = map[string]bool{}
	}
	for j, o := range seedPlan() {
		id := fmt.Sprintf("Product:%d", j)
		g.products = append(g.products, seedProduct{id: id, owner: o})
		g.ownerOf[id] = o
		g.owns[o][id] = true
	}
	return g
}

func TestProductWithOwnerCheck(t *testing.T) {
	g := testGraph()
	// Request 3 asks for product 3, owned by user 1.
	tests := []struct {
		name    string
		direct  bool
		data    string
		wantErr string
	}{
		{"right", false, `{"product":{"id":"Product:3","name":"p","price":{"amount":"1"},"owner":{"name":"User 01","email":"user01@bench.example"}}}`, ""},
		{"right, direct", true, `{"product":{"id":"Product:3","name":"p","price":{"amount":"1"},"owner":{"id":"User:1"}}}`, ""},
		{"null product", false, `{"product":null}`, "product is null"},
		{"another product", false, `{"product":{"id":"Product:4","name":"p","price":1,"owner":{"name":"User 01"}}}`, "not the one asked for"},
		{"no price", false, `{"product":{"id":"Product:3","name":"p","price":null,"owner":{"name":"User 01"}}}`, "price missing"},
		{"null owner", false, `{"product":{"id":"Product:3","name":"p","price":1,"owner":null}}`, "owner is null"},
		{"empty owner, as nautilus answers a failed one", false, `{"product":{"id":"Product:3","name":"p","price":1,"owner":{}}}`, "owner name missing"},
		{"another owner", false, `{"product":{"id":"Product:3","name":"p","price":1,"owner":{"name":"User 02","email":"user02@bench.example"}}}`, "another user's"},
		{"another owner, direct", true, `{"product":{"id":"Product:3","name":"p","price":1,"owner":{"id":"User:2"}}}`, "not the product's owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := productWithOwner(g, 3, tt.direct)
			if strings.Contains(req.query, "email") == tt.direct {
				t.Errorf("query %q: want the owner's email only through a gateway", req.query)
			}
			checkErr(t, req.check(json.RawMessage(tt.data)), tt.wantErr)
		})
	}
}

// listAnswer is a products(first: 100) answer for g, with edit applied to each node.
func listAnswer(g *graph, edit func(i int, node map[string]any)) string {
	var edges []any
	for i, p := range g.products[:listSize] {
		u := g.users[p.owner]
		node := map[string]any{"id": p.id, "name": "p", "owner": map[string]any{"id": u.id, "name": u.name}}
		if edit != nil {
			edit(i, node)
		}
		edges = append(edges, map[string]any{"node": node})
	}
	b, _ := json.Marshal(map[string]any{"products": map[string]any{"edges": edges}})
	return string(b)
}

func TestProductListCheck(t *testing.T) {
	g := testGraph()
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{"right", listAnswer(g, nil), ""},
		{"short", `{"products":{"edges":[]}}`, "0 edges, want 100"},
		{"every owner empty", listAnswer(g, func(_ int, n map[string]any) { n["owner"] = map[string]any{} }), "(in 100 of 100 edges)"},
		{"one owner swapped", listAnswer(g, func(i int, n map[string]any) {
			if i == 7 {
				n["owner"] = map[string]any{"id": g.users[19].id, "name": g.users[19].name}
			}
		}), "not the product's owner (in 1 of 100 edges)"},
		{"one name missing", listAnswer(g, func(i int, n map[string]any) {
			if i == 7 {
				delete(n["owner"].(map[string]any), "name")
			}
		}), "owner name missing (in 1 of 100 edges)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, productList(g, 0, false).check(json.RawMessage(tt.data)), tt.wantErr)
		})
	}
}

func TestUserWithProductsCheck(t *testing.T) {
	g := testGraph()
	answer := func(name string, ids []string) string {
		var edges []any
		for _, id := range ids {
			edges = append(edges, map[string]any{"node": map[string]any{"id": id, "name": "p"}})
		}
		b, _ := json.Marshal(map[string]any{"user": map[string]any{"name": name, "products": map[string]any{"edges": edges}}})
		return string(b)
	}
	var own, mixedIDs []string
	for id := range g.owns[g.big] {
		own = append(own, id)
	}
	mixedIDs = append(append(mixedIDs, own[1:]...), "Product:1") // product 1 is user 1's
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{"right", answer("User 00", own), ""},
		{"null user", `{"user":null}`, "user is null"},
		{"wrong name", answer("User 01", own), "user name"},
		{"too few", answer("User 00", own[:10]), "10 products, want 50"},
		{"someone else's product", answer("User 00", mixedIDs), "not the user's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, userWithProducts(g, 0, false).check(json.RawMessage(tt.data)), tt.wantErr)
		})
	}
}

// TestMixed checks the mix: one write in ten, the reads a, b and c in equal shares.
func TestMixed(t *testing.T) {
	g := testGraph()
	kinds := map[string]int{}
	for n := range uint64(1000) {
		q := mixed(g, n, false).query
		switch {
		case strings.HasPrefix(q, "mutation"):
			kinds["write"]++
		case strings.Contains(q, "product(id:"):
			kinds["a"]++
		case strings.Contains(q, "products(first: 100)"):
			kinds["b"]++
		case strings.Contains(q, "user(id:"):
			kinds["c"]++
		}
	}
	want := map[string]int{"write": 100, "a": 300, "b": 300, "c": 300}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%s: %d of 1000, want %d", k, kinds[k], n)
		}
	}
	// The reads of a rotate over every product.
	seen := map[string]bool{}
	for n := range uint64(1000) {
		if r := mixed(g, n, false); strings.Contains(r.query, "product(id:") {
			seen[r.vars["id"].(string)] = true
		}
	}
	if len(seen) != seedProducts {
		t.Errorf("(a) in the mix reads %d products, want all %d", len(seen), seedProducts)
	}
}

// TestWorkloadQueriesParse checks that every query the workloads send is valid GraphQL
// syntax, so that a typo shows here rather than as errors in a run.
func TestWorkloadQueriesParse(t *testing.T) {
	g := testGraph()
	var s selections
	for _, w := range workloads() {
		for _, direct := range []bool{false, true} {
			if direct && !w.direct {
				continue
			}
			for n := range uint64(10) {
				if _, err := s.of(w.next(g, n, direct).query); err != nil {
					t.Errorf("%s (direct %v): %v", w.title, direct, err)
				}
			}
		}
	}
}

// TestComparisonWorkloadsRepeat checks that the workloads that compare the gateways
// send one request, identical every time, as public gateway benchmarks do, and that
// the mixed workload still varies.
func TestComparisonWorkloadsRepeat(t *testing.T) {
	g := testGraph()
	body := func(r request) string {
		b, err := json.Marshal(map[string]any{"query": r.query, "variables": r.vars})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, w := range workloads() {
		for _, direct := range []bool{false, true} {
			if direct && !w.direct {
				continue
			}
			seen := map[string]bool{}
			for n := range uint64(2 * seedProducts) {
				seen[body(w.next(g, n, direct))] = true
			}
			if repeated := len(seen) == 1; repeated != (w.name != "d") {
				t.Errorf("%s (direct %v): %d distinct requests in %d", w.title, direct, len(seen), 2*seedProducts)
			}
		}
	}
}
