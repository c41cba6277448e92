package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// hold makes the subgraph behind h keep every GraphQL request until release is called
// (or its caller leaves), then answer it as usual.
func hold(h *hop) (release func()) {
	gate := make(chan struct{})
	restore := h.inject(func(w http.ResponseWriter, r *http.Request, body []byte) {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		h.next.ServeHTTP(w, withBody(r, body))
	})
	var once sync.Once
	return func() { once.Do(func() { close(gate); restore() }) }
}

// posted is one concurrent client request's outcome.
type posted struct {
	resp graphqltest.Response
	err  error
}

// postAsync sends req from a goroutine of its own; its outcome arrives on the channel.
func postAsync(ctx context.Context, url string, req graphqltest.Request) <-chan posted {
	out := make(chan posted, 1)
	go func() {
		r, err := graphqltest.PostContext(ctx, url, req)
		out <- posted{r, err}
	}()
	return out
}

// counterValue returns the value of the counter name that reg holds, of the subgraph
// called subgraph ("" for a series without one), and whether it holds one.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, subgraph ...string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if len(subgraph) == 0 || slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
				return l.GetName() == "subgraph" && l.GetValue() == subgraph[0]
			}) {
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// startSeeded starts the graph with Config.Dedup set to dedup and its metrics on the
// registry it returns, gives it one product (Ada's Engine), then counts each subgraph's
// requests from zero.
func startSeeded(t *testing.T, dedup bool) (*graph, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Metrics, c.Dedup = reg, dedup })
	owner := g.createUser(t, "Ada", "ada@example.com")
	g.createProduct(t, "Engine", "1.00", "GBP", owner)
	g.users.requests.Store(0)
	g.products.requests.Store(0)
	return g, reg
}

const dedupList = `{ products(first: 10) { edges { node { id name owner { id name } } } } }`

// TestDedupSharesIdenticalQueries sends N identical queries at once while products
// holds its requests: with Config.Dedup (the default) they share one execution, so each
// subgraph gets one request for its step and every client gets the same answer; without
// it each client's query runs.
func TestDedupSharesIdenticalQueries(t *testing.T) {
	const n = 8
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%t", dedup), func(t *testing.T) {
			t.Parallel()
			g, reg := startSeeded(t, dedup)

			release := hold(g.products)
			defer release()
			var outs []<-chan posted
			for range n {
				outs = append(outs, postAsync(t.Context(), g.url, graphqltest.Request{Query: dedupList}))
			}
			wantProducts := int64(1)
			if !dedup {
				wantProducts = n
			}
			// Every client is in: waiting on the one execution, or each on its own request.
			eventually(t, 10*time.Second, "every client's query in flight", func() bool {
				return g.products.requests.Load() == wantProducts && (!dedup || g.gateway.SharedWaiting() == n)
			})
			release()
			var first string
			for i, out := range outs {
				o := <-out
				if o.err != nil || len(o.resp.Errors) > 0 || len(o.resp.Data) == 0 {
					t.Fatalf("client %d: %v %+v", i, o.err, o.resp.Errors)
				}
				if i == 0 {
					first = string(o.resp.Data)
				} else if string(o.resp.Data) != first {
					t.Fatalf("client %d got %s, client 0 %s", i, o.resp.Data, first)
				}
			}
			if got := g.products.requests.Load(); got != wantProducts {
				t.Errorf("products got %d requests, want %d", got, wantProducts)
			}
			if got := g.users.requests.Load(); got != wantProducts {
				t.Errorf("users got %d requests, want %d", got, wantProducts)
			}
			v, ok := counterValue(t, reg, "fedgraph_gateway_shared_executions_total")
			if dedup && (!ok || v != n-1) {
				t.Errorf("shared executions %v (present %t), want %d", v, ok, n-1)
			}
			if !dedup && ok {
				t.Errorf("shared executions counted with dedup off")
			}
		})
	}
}

// TestDedupKeepsTokensApart sends the same query with two callers' tokens, twice each:
// the Authorization header reaches the subgraphs, so each token's pair shares one
// execution and the two never share.
func TestDedupKeepsTokensApart(t *testing.T) {
	t.Parallel()
	a := subgraphtest.NewAuth(t)
	reg := prometheus.NewRegistry()
	g := startGraph(t, redistest.Miniredis, withVerifier(a.Verifier), func(c *gateway.Config) { c.Metrics = reg })
	g.products.requests.Store(0)
	release := hold(g.products)
	defer release()
	var outs []<-chan posted
	for _, sub := range []string{"User:ada", "User:bob", "User:ada", "User:bob"} {
		outs = append(outs, postAsync(t.Context(), g.url, graphqltest.Request{Query: dedupList, Header: a.As(sub)}))
	}
	eventually(t, 10*time.Second, "four clients waiting on two executions", func() bool {
		return g.gateway.SharedWaiting() == 4 && g.products.requests.Load() == 2
	})
	release()
	for i, out := range outs {
		if o := <-out; o.err != nil || len(o.resp.Errors) > 0 {
			t.Fatalf("client %d: %v %+v", i, o.err, o.resp.Errors)
		}
	}
	if got := g.products.requests.Load(); got != 2 {
		t.Errorf("products got %d requests, want 2: one per token", got)
	}
	if v, _ := counterValue(t, reg, "fedgraph_gateway_shared_executions_total"); v != 2 {
		t.Errorf("shared executions %v, want 2", v)
	}
}

// TestDedupWaiterLeaves cancels the client whose query started the shared execution:
// the others still get their answer from it, and once every request has ended no
// goroutine of the gateway is left.
func TestDedupWaiterLeaves(t *testing.T) {
	g, _ := startSeeded(t, true)
	ignore := goleak.IgnoreCurrent()
	release := hold(g.products)
	defer release()

	leaderCtx, cancelLeader := context.WithCancel(t.Context())
	leader := postAsync(leaderCtx, g.url, graphqltest.Request{Query: dedupList})
	eventually(t, 10*time.Second, "the first query at products", func() bool { return g.products.requests.Load() == 1 })
	var others []<-chan posted
	for range 2 {
		others = append(others, postAsync(t.Context(), g.url, graphqltest.Request{Query: dedupList}))
	}
	eventually(t, 10*time.Second, "three clients on one execution", func() bool { return g.gateway.SharedWaiting() == 3 })
	cancelLeader()
	if o := <-leader; !errors.Is(o.err, context.Canceled) {
		t.Fatalf("cancelled client: %v, want context.Canceled", o.err)
	}
	eventually(t, 10*time.Second, "the cancelled client gone", func() bool { return g.gateway.SharedWaiting() == 2 })
	release()
	for i, out := range others {
		o := <-out
		if o.err != nil || len(o.resp.Errors) > 0 || len(o.resp.Data) == 0 {
			t.Fatalf("client %d after the first left: %v %+v", i, o.err, o.resp.Errors)
		}
	}
	if got := g.products.requests.Load(); got != 1 {
		t.Errorf("products got %d requests, want 1", got)
	}
	g.gateway.Close()
	http.DefaultClient.CloseIdleConnections()
	goleak.VerifyNone(t, ignore,
		goleak.IgnoreAnyFunction("github.com/alicebob/miniredis/v2/server.(*Server).servePeer"),
		goleak.IgnoreAnyFunction("github.com/alicebob/miniredis/v2/server.(*Server).servePeer.func2"))
}

// TestDedupNeverSharesMutations sends N identical mutations at once, each reading its
// product's owner from users, while users holds the gateway's lookups: each mutation
// runs and creates its own product, and each reads its owner with a request of its own.
func TestDedupNeverSharesMutations(t *testing.T) {
	t.Parallel()
	const n = 4
	g := startGraph(t, redistest.Miniredis)
	owner := g.createUser(t, "Ada", "ada@example.com")
	g.products.requests.Store(0)
	// products asks users itself whether the owner exists (OwnerExists): those pass.
	var lookups atomic.Int64
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	defer release()
	defer g.users.inject(func(w http.ResponseWriter, r *http.Request, body []byte) {
		if !bytes.Contains(body, []byte("OwnerExists")) {
			lookups.Add(1)
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		g.users.next.ServeHTTP(w, withBody(r, body))
	})()
	req := graphqltest.Request{Query: `mutation($in: CreateProductInput!) { createProduct(input: $in) { id owner { name } } }`,
		Variables: map[string]any{"in": map[string]any{"name": "Twin", "ownerId": owner,
			"price": map[string]any{"amount": "1.00", "currencyCode": "GBP"}}}}
	var outs []<-chan posted
	for range n {
		outs = append(outs, postAsync(t.Context(), g.url, req))
	}
	// Shared, they would wait on one execution or one users request instead.
	eventually(t, 10*time.Second, "the mutations' users requests in flight", func() bool {
		return lookups.Load() == n || g.gateway.SharedWaiting() == n || g.gateway.FetchesWaiting("users") == n
	})
	release()
	ids := map[string]bool{}
	for i, out := range outs {
		o := <-out
		var d struct {
			CreateProduct struct {
				ID    string
				Owner struct{ Name string }
			}
		}
		if o.err != nil || len(o.resp.Errors) > 0 {
			t.Fatalf("mutation %d: %v %+v", i, o.err, o.resp.Errors)
		}
		o.resp.Decode(t, &d)
		if d.CreateProduct.Owner.Name != "Ada" {
			t.Fatalf("mutation %d: %s", i, o.resp.Data)
		}
		ids[d.CreateProduct.ID] = true
	}
	if p, u := g.products.requests.Load(), lookups.Load(); p != n || u != n || len(ids) != n {
		t.Fatalf("products got %d requests, users %d lookups, and %d products were made; want %d of each", p, u, len(ids), n)
	}
}

// TestDedupSharesSubgraphRequests sends two different queries at once whose users steps
// ask the same thing, while users holds its requests: with Config.Dedup they share one
// users request; without it each sends its own.
func TestDedupSharesSubgraphRequests(t *testing.T) {
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%t", dedup), func(t *testing.T) {
			t.Parallel()
			g, reg := startSeeded(t, dedup)
			release := hold(g.users)
			defer release()
			a := postAsync(t.Context(), g.url, graphqltest.Request{Query: `{ products(first: 5) { edges { node { id owner { id name } } } } }`})
			b := postAsync(t.Context(), g.url, graphqltest.Request{Query: `{ products(first: 5) { edges { node { name owner { id name } } } } }`})
			eventually(t, 10*time.Second, "both queries' users steps in flight", func() bool {
				if dedup {
					return g.users.requests.Load() == 1 && g.gateway.FetchesWaiting("users") == 2
				}
				return g.users.requests.Load() == 2
			})
			release()
			for _, out := range []<-chan posted{a, b} {
				o := <-out
				var d struct {
					Products struct {
						Edges []struct {
							Node struct{ Owner struct{ Name string } }
						}
					}
				}
				if o.err != nil || len(o.resp.Errors) > 0 {
					t.Fatalf("%v %+v", o.err, o.resp.Errors)
				}
				o.resp.Decode(t, &d)
				if len(d.Products.Edges) != 1 || d.Products.Edges[0].Node.Owner.Name != "Ada" {
					t.Fatalf("got %s, want Engine owned by Ada", o.resp.Data)
				}
			}
			want := int64(2)
			if dedup {
				want = 1
			}
			if got := g.users.requests.Load(); got != want {
				t.Errorf("users got %d requests, want %d", got, want)
			}
			v, _ := counterValue(t, reg, "fedgraph_gateway_subgraph_shared_fetches_total", "users")
			if dedup && v != 1 || !dedup && v != 0 {
				t.Errorf("shared fetches %v with dedup %t", v, dedup)
			}
		})
	}
}
