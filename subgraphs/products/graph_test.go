package products

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// pair is the real users subgraph and the products subgraph, each over real HTTP on
// its own Redis, products asking users about owners and consuming users' events from
// the users Redis, as in a deployment.
type pair struct {
	t                     *testing.T
	usersRedis            redistest.Redis
	productsRedis         redistest.Redis
	usersURL, productsURL string
	cfg                   Config
	svc                   *Service
	products              *httptest.Server
	stopConsumer          func()
}

// pairOption changes the products Config before the pair starts.
type pairOption func(*Config)

func newPair(t *testing.T, b redistest.Backend, opts ...pairOption) *pair {
	t.Helper()
	ur, pr := b.New(t), b.New(t)
	ucfg := users.DefaultConfig()
	ucfg.Redis, ucfg.KeyPrefix, ucfg.CursorSecret = ur.Client, ur.Prefix, "users"
	uh, err := users.New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	us := httptest.NewServer(uh)
	t.Cleanup(us.Close)
	owners, err := NewUsersClient(us.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	p := &pair{t: t, usersRedis: ur, productsRedis: pr, usersURL: us.URL + "/graphql"}
	p.cfg = config(pr.Client, pr.Prefix, owners)
	ev := &p.cfg.Events
	ev.Redis, ev.Stream, ev.Consumer = ur.Client, ur.Prefix+events.UsersStream, "products-1"
	ev.MaxDeliveries, ev.RetryAfter, ev.Block = 3, 20*time.Millisecond, 20*time.Millisecond
	for _, o := range opts {
		o(&p.cfg)
	}
	p.start()
	t.Cleanup(func() { p.stop() })
	return p
}

// start starts a products process: a new Service on the same stores, served and
// consuming.
func (p *pair) start() {
	p.t.Helper()
	svc, err := NewService(p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	p.svc = svc
	p.products = httptest.NewServer(svc.Handler())
	p.productsURL = p.products.URL + "/graphql"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	p.stopConsumer = func() {
		cancel()
		if err := <-done; err != nil {
			p.t.Errorf("Service.Run = %v, want nil once stopped", err)
		}
	}
}

// stop stops the products process: its server and its consumer.
func (p *pair) stop() {
	if p.stopConsumer != nil {
		p.stopConsumer()
		p.stopConsumer = nil
		p.products.Close()
	}
}

func (p *pair) users(req graphqltest.Request) graphqltest.Response {
	p.t.Helper()
	return graphqltest.Post(p.t, p.usersURL, req)
}

func (p *pair) post(req graphqltest.Request) graphqltest.Response {
	p.t.Helper()
	return graphqltest.Post(p.t, p.productsURL, req)
}

var userSeq struct {
	sync.Mutex
	n int
}

// createUser creates a user through the users subgraph.
func (p *pair) createUser() string {
	p.t.Helper()
	userSeq.Lock()
	userSeq.n++
	n := userSeq.n
	userSeq.Unlock()
	var d struct{ CreateUser struct{ ID string } }
	p.users(graphqltest.Request{Query: `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		Variables: map[string]any{"in": map[string]any{"name": "Owner", "email": fmt.Sprintf("owner%d@example.com", n)}}}).Decode(p.t, &d)
	return d.CreateUser.ID
}

// deleteUser deletes a user through the users subgraph, which appends user.deleted.
func (p *pair) deleteUser(id string) {
	p.t.Helper()
	p.users(graphqltest.Request{Query: `mutation($id: ID!) { deleteUser(id: $id) }`, Variables: map[string]any{"id": id}}).Decode(p.t, &struct{}{})
}

func productInput(name, owner string) map[string]any {
	return map[string]any{"name": name, "ownerId": owner, "price": map[string]any{"amount": "1.50", "currencyCode": "USD"}}
}

const createProductQ = `mutation($in: CreateProductInput!) { createProduct(input: $in) { id version } }`

// createProduct creates a product through the products subgraph and returns its id.
func (p *pair) createProduct(name, owner string) string {
	p.t.Helper()
	var d struct{ CreateProduct struct{ ID string } }
	p.post(graphqltest.Request{Query: createProductQ, Variables: map[string]any{"in": productInput(name, owner)}}).Decode(p.t, &d)
	return d.CreateProduct.ID
}

// owned returns the ids in owner's product index, read from Redis: what the handler
// must have emptied.
func (p *pair) owned(owner string) []string {
	p.t.Helper()
	ids, err := p.productsRedis.Client.ZRange(context.Background(), p.productsRedis.Prefix+"{products}:owner:"+owner, 0, -1).Result()
	if err != nil {
		p.t.Fatal(err)
	}
	return ids
}

// tombstoned reports whether the products store holds owner's tombstone, that is
// whether the handler has run for owner's deletion.
func (p *pair) tombstoned(owner string) bool {
	p.t.Helper()
	n, err := p.productsRedis.Client.Exists(context.Background(), p.productsRedis.Prefix+"{products}:tombstone:"+owner).Result()
	if err != nil {
		p.t.Fatal(err)
	}
	return n == 1
}

// waitHandled polls until the deletion of owner has been handled.
func (p *pair) waitHandled(owner string) {
	p.t.Helper()
	subgraphtest.Eventually(p.t, "handle the deletion of "+owner, func() error {
		if !p.tombstoned(owner) {
			return fmt.Errorf("no tombstone for %s", owner)
		}
		return nil
	})
}

// pending is how many users events the products group holds unacknowledged.
func (p *pair) pending() int64 {
	p.t.Helper()
	res, err := p.usersRedis.Client.XPending(context.Background(), p.cfg.Events.Stream, DefaultEventsGroup).Result()
	if err != nil {
		p.t.Fatal(err)
	}
	return res.Count
}

// deadLetters returns the products store's dead-letter entries.
func (p *pair) deadLetters() []redis.XMessage {
	p.t.Helper()
	msgs, err := p.productsRedis.Client.XRange(context.Background(), p.productsRedis.Prefix+"{products}:events:dead", "-", "+").Result()
	if err != nil {
		p.t.Fatal(err)
	}
	return msgs
}

// forEachPair runs f on a pair over miniredis and, when REDIS_URL is set, a real Redis.
func forEachPair(t *testing.T, f func(t *testing.T, p *pair), opts ...pairOption) {
	t.Helper()
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) { f(t, newPair(t, b, opts...)) })
	}
}

// code is the code of a response's only error.
func codeOf(r graphqltest.Response) string {
	if len(r.Errors) != 1 {
		return fmt.Sprintf("%d errors", len(r.Errors))
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}
