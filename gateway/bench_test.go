package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// BenchmarkProductsWithOwner is one README query through the whole graph on loopback
// HTTP and miniredis: three products, their owners in one batched users request. It is
// the yardstick the front's rejection costs are read against.
func BenchmarkProductsWithOwner(b *testing.B) {
	g := startGraph(b, redistest.Miniredis)
	for i := 0; i < 3; i++ {
		u := g.createUser(b, fmt.Sprintf("u%d", i), fmt.Sprintf("u%d@example.com", i))
		g.createProduct(b, fmt.Sprintf("p%d", i), "1", "USD", u)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var d struct{ Products struct{ Edges []any } }
		g.must(b, productsWithOwner, nil, &d)
		if len(d.Products.Edges) != 3 {
			b.Fatalf("got %d products", len(d.Products.Edges))
		}
	}
}

// replay is a transport that records the subgraphs' answers to each request body, then
// answers from the recording, in memory: benchmarks measure the gateway alone.
type replay struct {
	mu        sync.Mutex
	recording bool
	next      http.RoundTripper
	answers   map[string][]byte
}

func (t *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	key := req.Method + " " + req.URL.String() + " " + string(body)
	t.mu.Lock()
	recording := t.recording
	ans, ok := t.answers[key]
	t.mu.Unlock()
	if !recording {
		if !ok {
			return nil, fmt.Errorf("replay: no answer recorded for %.200s", key)
		}
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(ans)), ContentLength: int64(len(ans)), Request: req}, nil
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ans, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	t.mu.Lock()
	t.answers[key] = ans
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(ans))
	return resp, nil
}

// executorBench is a gateway over recorded subgraph answers, and an operation of it.
type executorBench struct {
	gw *gateway.Gateway
	op *front.Operation
}

// newExecutorBench seeds the graph with users each owning perUser products, records
// the answers query needs, and returns a gateway that replays them.
func newExecutorBench(b *testing.B, users, perUser int, query string, vars map[string]any, opts ...option) executorBench {
	rt := &replay{recording: true, next: http.DefaultTransport, answers: map[string][]byte{}}
	g := startGraph(b, redistest.Miniredis, append(opts, func(c *gateway.Config) { c.Transport = rt })...)
	var first string
	for i := range users {
		u := g.createUser(b, fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@example.com", i))
		for j := range perUser {
			p := g.createProduct(b, fmt.Sprintf("Product %d.%d", i, j), "1.00", "USD", u)
			if first == "" {
				first = p
			}
		}
	}
	if vars == nil {
		vars = map[string]any{"id": first}
	}
	doc, errs := gqlparser.LoadQueryWithRules(g.gateway.Schema(), query, nil)
	if errs != nil {
		b.Fatal(errs)
	}
	op := &front.Operation{Query: query, Document: doc, Variables: vars}
	if res := g.gateway.Execute(context.Background(), op); len(res.Errors) > 0 {
		b.Fatalf("recording run: %v", res.Errors)
	}
	rt.mu.Lock()
	rt.recording = false
	rt.mu.Unlock()
	return executorBench{gw: g.gateway, op: op}
}

// The three sizes of the executor benchmarks: one product with its owner; 100 products
// with their owners (10 distinct); 1,000 owners under 100 users' products.
var executorSizes = []struct {
	name           string
	users, perUser int
	query          string
}{
	{"1 item", 1, 1, `query($id: ID!) { product(id: $id) { id name price { amount currencyCode } owner { name email } } }`},
	{"100 items", 10, 10, `{ products(first: 100) { edges { node { id name owner { id name } } } } }`},
	{"1000 items", 100, 10, `{ users(first: 100) { edges { node { name products(first: 10) { edges { node { name owner { name } } } } } } } }`},
}

// BenchmarkExecute runs a cached plan against subgraphs that answer from memory: the
// executor's cost alone (requests built, answers decoded, merged and written), for a
// plan of nautilus (stitch mode: node lookups) and one of the federation planner
// (federation mode: _entities lookups).
func BenchmarkExecute(b *testing.B) {
	for _, mode := range []string{"stitch", "federation"} {
		for _, size := range executorSizes {
			b.Run(mode+"/"+size.name, func(b *testing.B) {
				var opts []option
				if mode == "federation" {
					opts = append(opts, withFederation(b))
				}
				e := newExecutorBench(b, size.users, size.perUser, size.query, nil, opts...)
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if res := e.gw.Execute(ctx, e.op); len(res.Errors) > 0 || len(res.Data) == 0 {
						b.Fatalf("execute: %v", res.Errors)
					}
				}
			})
		}
	}
}

// BenchmarkPlan plans the 1,000-item query: cold, as a cache miss does (nautilus in stitch
// mode, the federation planner in federation mode, then the plan's compilation), and
// cached, as every later request finds it.
func BenchmarkPlan(b *testing.B) {
	size := executorSizes[2]
	for _, mode := range []string{"stitch", "federation"} {
		var opts []option
		if mode == "federation" {
			opts = append(opts, withFederation(b))
		}
		e := newExecutorBench(b, 1, 1, size.query, nil, opts...)
		for _, cold := range []bool{true, false} {
			name := mode + "/cached"
			if cold {
				name = mode + "/cold"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := e.gw.PlanForBench(e.op, cold); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWriteAnswer writes the answer of one run again and again: the JSON writer's
// cost (shape walk, null checks, ordered output) without any request.
func BenchmarkWriteAnswer(b *testing.B) {
	for _, size := range executorSizes {
		b.Run(size.name, func(b *testing.B) {
			e := newExecutorBench(b, size.users, size.perUser, size.query, nil)
			write, release, err := e.gw.RunForBench(context.Background(), e.op)
			if err != nil {
				b.Fatal(err)
			}
			defer release()
			b.ReportAllocs()
			b.SetBytes(int64(len(write())))
			b.ResetTimer()
			for b.Loop() {
				if len(write()) == 0 {
					b.Fatal("no data")
				}
			}
		})
	}
}
