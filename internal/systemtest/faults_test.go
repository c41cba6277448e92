package systemtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/subgraphs/events"
)

const ownersQuery = `{ products(first: 3) { edges { node { name owner { name } } } } }`

// answers tells full answers, degraded ones (owners null, one masked error naming
// users) and anything else apart.
type answers struct {
	mu                     sync.Mutex
	full, degraded, other  int
	fullWant, degradedWant string
	samples                []string
}

func newAnswers(names []string, owner string) *answers {
	var f, d []string
	for _, n := range names {
		f = append(f, fmt.Sprintf(`{"node":{"name":%q,"owner":{"name":%q}}}`, n, owner))
		d = append(d, fmt.Sprintf(`{"node":{"name":%q,"owner":null}}`, n))
	}
	return &answers{
		fullWant:     `{"products":{"edges":[` + strings.Join(f, ",") + `]}}`,
		degradedWant: `{"products":{"edges":[` + strings.Join(d, ",") + `]}}`,
	}
}

func (a *answers) record(r graphqltest.Response, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil && r.Status == 200 && len(r.Errors) == 0 && string(r.Data) == a.fullWant:
		a.full++
	case err == nil && r.Status == 200 && string(r.Data) == a.degradedWant && len(r.Errors) == 1 &&
		r.Errors[0].Extensions["code"] == "SUBGRAPH_UNAVAILABLE" && r.Errors[0].Message == "subgraph users did not answer":
		a.degraded++
	default:
		a.other++
		if len(a.samples) < 5 {
			a.samples = append(a.samples, fmt.Sprintf("%v %d %s %+v", err, r.Status, r.Data, r.Errors))
		}
	}
}

func (a *answers) counts() (full, degraded, other int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.full, a.degraded, a.other
}

// seedOwners makes one user with three products and returns what ownersQuery answers.
func seedOwners(t *testing.T, s *system) *answers {
	ada := s.createUser(t, "Ada Lovelace")
	names := []string{"Engine", "Loom", "Notes"}
	for _, n := range names {
		s.createProduct(t, n, ada)
	}
	return newAnswers(names, "Ada Lovelace")
}

// TestKillUsersUnderLoad kills the users subgraph while product queries run: they keep
// answering, each owner null with one masked error; once users is back, full answers
// return within 5 s, without a gateway restart.
func TestKillUsersUnderLoad(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	a := seedOwners(t, s)
	stop := load(4, s.gateway.url(), ownersQuery, nil, a.record)
	defer stop()
	eventually(t, 10*time.Second, "full answers", func() bool { f, _, _ := a.counts(); return f >= 20 })

	s.users.kill()
	eventually(t, 10*time.Second, "degraded answers", func() bool { _, d, _ := a.counts(); return d >= 20 })

	s.users.start()
	f0, _, _ := a.counts()
	eventually(t, 5*time.Second, "full answers again after users restarts", func() bool { f, _, _ := a.counts(); return f > f0+10 })
	stop()
	if full, degraded, other := a.counts(); other != 0 {
		t.Errorf("%d full, %d degraded and %d other answers; other: %v", full, degraded, other, a.samples)
	}
}

// TestFreezeSubgraph stops the users process (SIGSTOP): requests end at the subgraph
// timeout, the breaker opens and later requests fail at once without waiting; after
// SIGCONT a probe closes the breaker.
func TestFreezeSubgraph(t *testing.T) {
	t.Parallel()
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", freePort(t))
	s := startSystem(t, "-metrics-addr", strings.TrimSuffix(strings.TrimPrefix(metricsURL, "http://"), "/metrics"))
	a := seedOwners(t, s)
	s.users.signal(syscall.SIGSTOP)
	stop := load(5, s.gateway.url(), ownersQuery, nil, a.record)
	eventually(t, 20*time.Second, "the users breaker opens", func() bool { return readyz(t, s.gateway).Subgraphs[0].Breaker == "open" })
	stop()
	_, d0, _ := a.counts()
	// While open, requests fail at once without reaching the frozen subgraph: the
	// gateway counts them as refused by the breaker (a probe may still go through).
	const open = `fedgraph_gateway_subgraph_requests_total{outcome="breaker_open",subgraph="users"}`
	refused := metric(t, metricsURL, open)
	for range 20 {
		r, err := post(s.gateway.url(), ownersQuery, nil, nil)
		a.record(r, err)
	}
	if _, d, _ := a.counts(); d-d0 != 20 {
		t.Errorf("degraded answers with the breaker open: got %d of 20", d-d0)
	}
	if n := metric(t, metricsURL, open) - refused; n < 15 {
		t.Errorf("requests the open breaker failed at once: %v of 20, want nearly all", n)
	}
	s.users.signal(syscall.SIGCONT)
	eventually(t, 10*time.Second, "full answers after SIGCONT", func() bool {
		r, err := post(s.gateway.url(), ownersQuery, nil, nil)
		return err == nil && len(r.Errors) == 0 && string(r.Data) == a.fullWant
	})
	if b := readyz(t, s.gateway).Subgraphs[0].Breaker; b != "closed" {
		t.Errorf("breaker after recovery: %s, want closed", b)
	}
	if _, _, other := a.counts(); other != 0 {
		t.Errorf("other answers: %v", a.samples)
	}
}

// TestStartGatewayWithProductsDown starts the gateway before the products subgraph:
// it serves users, names products as missing, and serves the whole graph once products
// starts, without a restart.
func TestStartGatewayWithProductsDown(t *testing.T) {
	t.Parallel()
	s := &system{usersRedis: startRedis(t), productsRedis: startRedis(t)}
	s.users = startProcess(t, "users", 0, "-redis-url", s.usersRedis.url(), "-cursor-secret", "system-test")
	productsPort := freePort(t)
	productsURL := fmt.Sprintf("http://127.0.0.1:%d/graphql", productsPort)
	s.gateway = startProcess(t, "gateway", 0, append([]string{"-subgraph", "users=" + s.users.url(), "-subgraph", "products=" + productsURL}, gatewayArgs...)...)
	ada := s.createUser(t, "Ada Lovelace")
	r, err := post(s.gateway.url(), `{ products(first: 1) { edges { cursor } } }`, nil, nil)
	if err != nil || len(r.Errors) != 1 || fmt.Sprint(r.Errors[0].Extensions["unavailableSubgraphs"]) != "[products]" {
		t.Fatalf("products field while products is down: %v %+v", err, r.Errors)
	}

	s.products = startProcess(t, "products", productsPort, s.productsArgs()...)
	eventually(t, 10*time.Second, "the gateway takes products in", func() bool {
		r, err := post(s.gateway.url(), `{ products(first: 1) { edges { cursor } } }`, nil, nil)
		return err == nil && len(r.Errors) == 0
	})
	s.createProduct(t, "Engine", ada)
	var d json.RawMessage
	must(t, s.gateway.url(), ownersQuery, nil, &d)
	if want := `{"products":{"edges":[{"node":{"name":"Engine","owner":{"name":"Ada Lovelace"}}}]}}`; string(d) != want {
		t.Errorf("the whole graph: got %s, want %s", d, want)
	}
}

// TestRedisRestartUnderWriteLoad kills the products Redis (SIGKILL, append-only file
// on) and starts it again while creates run: every create that was answered with
// success is readable afterwards, through the gateway and in Redis, and no write is
// half-applied.
func TestRedisRestartUnderWriteLoad(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	owner := s.createUser(t, "Ada Lovelace")
	var mu sync.Mutex
	ledger := map[string]string{} // id → name, for every acknowledged create
	var failed atomic.Int64
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				name := fmt.Sprintf("P%d", n.Add(1))
				r, err := post(s.gateway.url(), `mutation($in: CreateProductInput!) { createProduct(input: $in) { id name } }`,
					map[string]any{"in": map[string]any{"name": name, "ownerId": owner, "price": map[string]any{"amount": "1.00", "currencyCode": "USD"}}}, nil)
				var d struct{ CreateProduct struct{ ID, Name string } }
				if err == nil && len(r.Errors) == 0 && json.Unmarshal(r.Data, &d) == nil && d.CreateProduct.ID != "" {
					mu.Lock()
					ledger[d.CreateProduct.ID] = d.CreateProduct.Name
					mu.Unlock()
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	acked := func() int { mu.Lock(); defer mu.Unlock(); return len(ledger) }
	eventually(t, 10*time.Second, "creates", func() bool { return acked() >= 30 })
	s.productsRedis.kill()
	eventually(t, 10*time.Second, "creates failing while Redis is down", func() bool { return failed.Load() >= 10 })
	before := acked()
	s.productsRedis.start()
	eventually(t, 15*time.Second, "creates again after Redis restarts", func() bool { return acked() >= before+30 })
	cancel()
	wg.Wait()

	rdb := s.productsRedis.client()
	defer rdb.Close()
	bg := context.Background()
	for id, name := range ledger {
		var d struct{ Product *struct{ Name string } }
		must(t, s.gateway.url(), `query($id: ID!) { product(id: $id) { name } }`, map[string]any{"id": id}, &d)
		if d.Product == nil || d.Product.Name != name {
			t.Errorf("acknowledged product %s (%s): read back %+v", id, name, d.Product)
		}
	}
	// Every product's hash and both its index entries exist together, and nothing else.
	ids, err := rdb.ZRange(bg, "{products}:created", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	owned, err := rdb.ZRange(bg, "{products}:owner:"+owner, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := rdb.Keys(bg, "{products}:product:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(hashes) || len(owned) != len(hashes) {
		t.Errorf("half-applied writes: %d products, %d in the creation index, %d in the owner index", len(hashes), len(ids), len(owned))
	}
	for _, id := range ids {
		if n, _ := rdb.Exists(bg, "{products}:product:"+id).Result(); n != 1 {
			t.Errorf("%s is indexed but has no record", id)
		}
	}
	for id := range ledger {
		if s, err := rdb.ZScore(bg, "{products}:created", id).Result(); err != nil || s <= 0 {
			t.Errorf("acknowledged %s is not in the creation index", id)
		}
	}
	t.Logf("%d acknowledged creates, %d failed during the outage", len(ledger), failed.Load())
}

// TestUserDeletedWhileProductsStopped deletes users while the products subgraph is
// stopped, with a poison event between them: when products starts, the deleted users'
// products are gone, the poison event is dead-lettered, and the event after it is
// handled all the same.
func TestUserDeletedWhileProductsStopped(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	ada, bob, cy := s.createUser(t, "Ada Lovelace"), s.createUser(t, "Bob Babbage"), s.createUser(t, "Cy Young")
	for _, u := range []string{ada, bob, cy} {
		for i := range 3 {
			s.createProduct(t, fmt.Sprint("P", i), u)
		}
	}
	if err := s.products.stop(); err != nil {
		t.Fatalf("products on SIGTERM: %v", err)
	}
	must(t, s.gateway.url(), `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": ada}, nil)
	urdb := s.usersRedis.client()
	defer urdb.Close()
	bg := context.Background()
	poison := &redis.XAddArgs{Stream: events.UsersStream, Values: []any{"type", "user.deleted", "userId", "garbage", "deletedAt", "never"}}
	if err := urdb.XAdd(bg, poison).Err(); err != nil {
		t.Fatal(err)
	}
	must(t, s.gateway.url(), `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": bob}, nil)

	s.products.start()
	prdb := s.productsRedis.client()
	defer prdb.Close()
	eventually(t, 15*time.Second, "the deleted users' products are gone", func() bool {
		a, _ := prdb.ZCard(bg, "{products}:owner:"+ada).Result()
		b, _ := prdb.ZCard(bg, "{products}:owner:"+bob).Result()
		return a == 0 && b == 0
	})
	eventually(t, 15*time.Second, "the poison event is dead-lettered", func() bool {
		n, _ := prdb.XLen(bg, "{products}:events:dead").Result()
		return n == 1
	})
	var d struct {
		Products struct {
			Edges []struct {
				Node struct{ Owner *struct{ ID string } }
			}
		}
	}
	must(t, s.gateway.url(), `{ products(first: 20) { edges { node { owner { id } } } } }`, nil, &d)
	if len(d.Products.Edges) != 3 {
		t.Fatalf("products left: %d, want Cy's 3", len(d.Products.Edges))
	}
	for _, e := range d.Products.Edges {
		if e.Node.Owner == nil || e.Node.Owner.ID != cy {
			t.Errorf("a product left belongs to %+v, want %s", e.Node.Owner, cy)
		}
	}
	if n, _ := prdb.Keys(bg, "{products}:product:*").Result(); len(n) != 3 {
		t.Errorf("product records left: %d, want 3", len(n))
	}
}

// TestIdempotencyAndConflictsThroughTheGateway sends 50 concurrent creates with one
// Idempotency-Key through the gateway (one product results), and pairs of concurrent
// updates with the same expectedVersion (one wins, one gets CONFLICT).
func TestIdempotencyAndConflictsThroughTheGateway(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	ada := s.createUser(t, "Ada Lovelace")
	const create = `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`
	in := map[string]any{"in": map[string]any{"name": "Engine", "ownerId": ada, "price": map[string]any{"amount": "1.00", "currencyCode": "USD"}}}
	ids := make([]string, 50)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := post(s.gateway.url(), create, in, map[string]string{"Idempotency-Key": "create-engine-1"})
			var d struct{ CreateProduct struct{ ID string } }
			if err == nil && len(r.Errors) == 0 && json.Unmarshal(r.Data, &d) == nil {
				ids[i] = d.CreateProduct.ID
			} else {
				ids[i] = fmt.Sprintf("error %v %+v", err, r.Errors)
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || !strings.HasPrefix(id, "Product:") {
			t.Fatalf("answers to 50 creates with one key differ: %v", ids)
		}
	}
	var d struct{ Products struct{ Edges []any } }
	must(t, s.gateway.url(), `query($id: ID!) { products(ownerId: $id) { edges { cursor } } }`, map[string]any{"id": ada}, &d)
	if len(d.Products.Edges) != 1 {
		t.Errorf("products made by 50 creates with one key: %d, want 1", len(d.Products.Edges))
	}

	const update = `mutation($id: ID!, $in: UpdateProductInput!) { updateProduct(id: $id, input: $in) { version } }`
	for round := 1; round <= 10; round++ {
		codes := make([]string, 2)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := post(s.gateway.url(), update, map[string]any{"id": ids[0], "in": map[string]any{"name": fmt.Sprint("Engine ", round, i), "expectedVersion": round}}, nil)
				switch {
				case err != nil:
					codes[i] = err.Error()
				case len(r.Errors) == 0:
					codes[i] = "ok"
				default:
					codes[i], _ = r.Errors[0].Extensions["code"].(string)
				}
			}()
		}
		wg.Wait()
		if !(codes[0] == "ok" && codes[1] == "CONFLICT" || codes[0] == "CONFLICT" && codes[1] == "ok") {
			t.Fatalf("round %d: two concurrent updates of version %d answered %v, want one ok and one CONFLICT", round, round, codes)
		}
	}
}

// TestGracefulShutdownUnderLoad sends SIGTERM to the gateway under load: it exits 0, and
// every request it accepted got a whole answer; requests it never accepted fail to
// connect, never with a cut or failed answer.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	s := startSystem(t)
	ada := s.createUser(t, "Ada Lovelace")
	var names []string
	for i := range 50 {
		names = append(names, fmt.Sprintf("P%02d", i))
		s.createProduct(t, names[i], ada)
	}
	a := newAnswers(names, "Ada Lovelace")
	q := `{ products(first: 50) { edges { node { name owner { name } } } } }`
	var refused atomic.Int64
	stop := load(8, s.gateway.url(), q, nil, func(r graphqltest.Response, err error) {
		if err != nil && connectionLevel(err) {
			refused.Add(1)
			return
		}
		a.record(r, err)
	})
	eventually(t, 10*time.Second, "answers", func() bool { f, _, _ := a.counts(); return f >= 50 })
	if err := s.gateway.stop(); err != nil {
		t.Errorf("gateway on SIGTERM: %v", err)
	}
	stop()
	full, _, other := a.counts()
	if other != 0 {
		t.Errorf("%d answers cut or failed during shutdown: %v", other, a.samples)
	}
	t.Logf("%d whole answers, %d requests not accepted", full, refused.Load())
}

// connectionLevel reports an error that means the request was never accepted: the
// connection was refused, or closed before any response.
func connectionLevel(err error) bool {
	var ue interface{ Unwrap() error }
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.As(err, &ue) && strings.Contains(err.Error(), "server closed idle connection") ||
		errors.Is(err, http.ErrServerClosed)
}
