package products

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
	userstore "github.com/fedgraph/fedgraph/subgraphs/users/store"
)

// TestStreamNameContract checks that the stream products consumes by default is the
// one the users store writes.
func TestStreamNameContract(t *testing.T) {
	if got := userstore.New(nil, "", 0).EventsKey(); got != events.UsersStream {
		t.Errorf("users store writes events to %q, products reads %q", got, events.UsersStream)
	}
}

// TestDeletingAUserDeletesTheirProducts deletes a user through the users subgraph:
// the products subgraph's consumer deletes their products and index entries, and
// nobody else's, and refuses new products for them.
func TestDeletingAUserDeletesTheirProducts(t *testing.T) {
	forEachPair(t, func(t *testing.T, p *pair) {
		ann, bob := p.createUser(), p.createUser()
		var anns []string
		for i := range 3 {
			anns = append(anns, p.createProduct(fmt.Sprint("ann ", i), ann))
		}
		bobs := p.createProduct("bob's", bob)
		p.deleteUser(ann)
		subgraphtest.Eventually(t, "delete ann's products", func() error {
			var d struct {
				Products struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			p.post(graphqltest.Request{Query: `query($o: ID!) { products(ownerId: $o) { edges { node { id } } } }`, Variables: map[string]any{"o": ann}}).Decode(t, &d)
			if n := len(d.Products.Edges); n > 0 {
				return fmt.Errorf("%d products left", n)
			}
			return nil
		})
		for _, id := range anns {
			n, err := p.productsRedis.Client.Exists(context.Background(), p.productsRedis.Prefix+"{products}:product:"+id).Result()
			if err != nil || n != 0 {
				t.Errorf("product %s still stored (%d, %v)", id, n, err)
			}
			if _, err := p.productsRedis.Client.ZScore(context.Background(), p.productsRedis.Prefix+"{products}:created", id).Result(); !errors.Is(err, redis.Nil) {
				t.Errorf("product %s still in the creation index (%v)", id, err)
			}
		}
		var all struct {
			Products struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		p.post(graphqltest.Request{Query: `{ products { edges { node { id } } } }`}).Decode(t, &all)
		if len(all.Products.Edges) != 1 || all.Products.Edges[0].Node.ID != bobs {
			t.Errorf("products left: %+v, want only bob's %s", all.Products.Edges, bobs)
		}
		ttl, err := p.productsRedis.Client.PTTL(context.Background(), p.productsRedis.Prefix+"{products}:tombstone:"+ann).Result()
		if err != nil || ttl < DefaultOwnerTombstoneTTL-time.Hour || ttl > DefaultOwnerTombstoneTTL {
			t.Errorf("ann's tombstone TTL = %s (%v), want about %s", ttl, err, DefaultOwnerTombstoneTTL)
		}
		if p.pending() != 0 {
			t.Errorf("%d events pending after handling, want 0", p.pending())
		}
	})
}

// TestHandlingAnEventTwiceIsHarmless delivers one user.deleted twice, as at-least-once
// delivery may: the second changes nothing.
func TestHandlingAnEventTwiceIsHarmless(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run("store on "+b.Name(), func(t *testing.T) {
			ctx := context.Background()
			r := b.New(t)
			st := store.New(r.Client, r.Prefix)
			owner, other := relay.NewID("User"), relay.NewID("User")
			for _, o := range []string{owner, owner, other} {
				if _, err := st.Create(ctx, "p", "", store.Money{Minor: 1, Currency: "USD"}, o, nil); err != nil {
					t.Fatal(err)
				}
			}
			at := time.Now()
			n, err := st.DeleteOwner(ctx, owner, at, time.Hour)
			if err != nil || n != 2 {
				t.Fatalf("DeleteOwner = %d, %v; want 2 products deleted", n, err)
			}
			once := r.Dump(t)
			n, err = st.DeleteOwner(ctx, owner, at, time.Hour)
			if err != nil || n != 0 {
				t.Fatalf("DeleteOwner again = %d, %v; want 0", n, err)
			}
			if d := subgraphtest.Diff(once, r.Dump(t)); len(d) > 0 {
				t.Errorf("the second handling changed the store: %v", d)
			}
		})
	}

	// Through the consumer: the same event appended twice.
	t.Run("consumer", func(t *testing.T) {
		forEachPair(t, func(t *testing.T, p *pair) {
			owner := p.createUser()
			p.createProduct("p", owner)
			ev := events.UserDeleted{UserID: owner, DeletedAt: time.Now()}.Values()
			var last string
			for range 2 {
				id, err := p.usersRedis.Client.XAdd(context.Background(), &redis.XAddArgs{Stream: p.cfg.Events.Stream, Values: ev}).Result()
				if err != nil {
					t.Fatal(err)
				}
				last = id
			}
			subgraphtest.Eventually(t, "handle both", func() error {
				info, err := p.usersRedis.Client.XInfoGroups(context.Background(), p.cfg.Events.Stream).Result()
				if err != nil || len(info) != 1 || info[0].LastDeliveredID != last {
					return fmt.Errorf("groups %+v, %w; want the last delivered %s", info, err, last)
				}
				if n := p.pending(); n != 0 {
					return fmt.Errorf("%d pending", n)
				}
				return nil
			})
			if got := p.owned(owner); len(got) != 0 || !p.tombstoned(owner) {
				t.Errorf("owner's products after two deliveries: %v, tombstone %v", got, p.tombstoned(owner))
			}
			if got := p.deadLetters(); len(got) != 0 {
				t.Errorf("dead letters %v, want none", got)
			}
		})
	})
}

// TestPoisonEventIsDeadLettered writes a malformed user.deleted straight into the users
// stream, then deletes a user: the poison is retried, then moved to the products
// dead-letter stream and acknowledged, and the deletion after it is handled
// meanwhile.
func TestPoisonEventIsDeadLettered(t *testing.T) {
	forEachPair(t, func(t *testing.T, p *pair) {
		ctx := context.Background()
		poison, err := p.usersRedis.Client.XAdd(ctx, &redis.XAddArgs{Stream: p.cfg.Events.Stream,
			Values: []any{"type", events.TypeUserDeleted, "userId", "User:not-an-id"}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		// An event of a type products does not know is acknowledged, not dead-lettered.
		if err := p.usersRedis.Client.XAdd(ctx, &redis.XAddArgs{Stream: p.cfg.Events.Stream,
			Values: []any{"type", "user.renamed", "userId", relay.NewID("User")}}).Err(); err != nil {
			t.Fatal(err)
		}
		owner := p.createUser()
		p.createProduct("p", owner)
		p.deleteUser(owner)
		p.waitHandled(owner)
		if got := p.owned(owner); len(got) != 0 {
			t.Errorf("products of the user deleted after the poison: %v", got)
		}
		subgraphtest.Eventually(t, "dead-letter the poison", func() error {
			if n := len(p.deadLetters()); n == 0 {
				return errors.New("no dead letter")
			}
			if n := p.pending(); n != 0 {
				return fmt.Errorf("%d pending", n)
			}
			return nil
		})
		dead := p.deadLetters()
		if len(dead) != 1 {
			t.Fatalf("dead letters %+v, want one", dead)
		}
		v := dead[0].Values
		if v["id"] != poison || v["stream"] != p.cfg.Events.Stream || v["deliveries"] != "3" ||
			!strings.Contains(fmt.Sprint(v["values"]), "not-an-id") || !strings.Contains(fmt.Sprint(v["error"]), "userId") {
			t.Errorf("dead letter %+v, want the poison %s after 3 deliveries, with its fields and error", v, poison)
		}
	})
}

// TestConsumerCatchesUpAfterRestart stops the products subgraph, deletes users while
// it is down (their events wait in the users stream), and starts it again: it catches
// up.
func TestConsumerCatchesUpAfterRestart(t *testing.T) {
	forEachPair(t, func(t *testing.T, p *pair) {
		first := p.createUser()
		p.createProduct("first", first)
		p.deleteUser(first)
		p.waitHandled(first)

		a, b := p.createUser(), p.createUser()
		p.createProduct("a", a)
		p.createProduct("b", b)
		p.stop()
		p.deleteUser(a)
		p.deleteUser(b)
		if got := p.owned(a); len(got) != 1 {
			t.Fatalf("a's products while products is down: %v, want 1 (nobody handles the event)", got)
		}
		p.start()
		p.waitHandled(a)
		p.waitHandled(b)
		if len(p.owned(a))+len(p.owned(b)) != 0 {
			t.Errorf("products left after catching up: %v %v", p.owned(a), p.owned(b))
		}
		// An event is acknowledged just after its products are deleted.
		subgraphtest.Eventually(t, "acknowledge every event", func() error {
			if n := p.pending(); n != 0 {
				return fmt.Errorf("%d pending after catching up", n)
			}
			return nil
		})
	})
}

// TestReadinessIgnoresTheConsumer gives products a users Redis that is stopped: the
// consumer cannot read, but /readyz and GraphQL answer.
func TestReadinessIgnoresTheConsumer(t *testing.T) {
	rb := subgraphtest.ProxiedRedis(t, redistest.Miniredis, 50*time.Millisecond)
	rb.Proxy.Stop()
	p := newPair(t, redistest.Miniredis, func(c *Config) {
		c.Events.Redis = rb.Client
		c.Owners = &fakeOwners{users: map[string]bool{}}
	})
	resp, err := http.Get(strings.TrimSuffix(p.productsURL, "/graphql") + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d with the events Redis down, want 200", resp.StatusCode)
	}
	if r := p.post(graphqltest.Request{Query: `{ products { edges { cursor } } }`}); len(r.Errors) > 0 {
		t.Errorf("query with the events Redis down: %s", r.Raw)
	}
}

// gatedOwners answers from next, then waits at the gate before returning, so that a
// test can delete the owner between the owner check and the create's write.
type gatedOwners struct {
	next    OwnerChecker
	checked chan struct{}
	gate    chan struct{}
}

func (g *gatedOwners) UserExists(ctx context.Context, id string) (bool, error) {
	ok, err := g.next.UserExists(ctx, id)
	g.checked <- struct{}{}
	<-g.gate
	return ok, err
}

// TestCreateRacingOwnerDeletion creates products while their owner is deleted, in
// both orders and in no order at all, many times: no product ever ends up with an
// owner that names nobody. Either the create sees the handler's tombstone and is
// refused, or the handler, running after it, deletes the product.
func TestCreateRacingOwnerDeletion(t *testing.T) {
	const rounds = 20
	t.Run("deleted between the owner check and the write", func(t *testing.T) {
		var gate *gatedOwners
		forEachPair(t, func(t *testing.T, p *pair) {
			for range rounds {
				owner := p.createUser()
				res := make(chan graphqltest.Response, 1)
				go func() {
					r, err := graphqltest.PostErr(p.productsURL, graphqltest.Request{Query: createProductQ, Variables: map[string]any{"in": productInput("racer", owner)}})
					if err != nil {
						t.Error(err)
					}
					res <- r
				}()
				<-gate.checked // the users subgraph said the owner exists
				p.deleteUser(owner)
				p.waitHandled(owner)
				gate.gate <- struct{}{}
				if r := <-res; codeOf(r) != errcode.BadUserInput || !strings.Contains(r.Raw, "no user with id") {
					t.Errorf("create for an owner deleted meanwhile: %s, want BAD_USER_INPUT", r.Raw)
				}
				if got := p.owned(owner); len(got) != 0 {
					t.Errorf("products of a deleted owner: %v", got)
				}
			}
		}, func(c *Config) {
			gate = &gatedOwners{next: c.Owners, checked: make(chan struct{}), gate: make(chan struct{})}
			c.Owners = gate
		})
	})
	t.Run("deleted after the create", func(t *testing.T) {
		forEachPair(t, func(t *testing.T, p *pair) {
			for range rounds {
				owner := p.createUser()
				id := p.createProduct("early", owner)
				p.deleteUser(owner)
				p.waitHandled(owner)
				if got := p.owned(owner); len(got) != 0 {
					t.Errorf("products of a deleted owner: %v", got)
				}
				var d struct{ Product *struct{ ID string } }
				p.post(graphqltest.Request{Query: `query($id: ID!) { product(id: $id) { id } }`, Variables: map[string]any{"id": id}}).Decode(t, &d)
				if d.Product != nil {
					t.Errorf("product %s of a deleted owner still answers", id)
				}
			}
		})
	})
	t.Run("at the same time", func(t *testing.T) {
		forEachPair(t, func(t *testing.T, p *pair) {
			for range rounds {
				owner := p.createUser()
				var wg sync.WaitGroup
				var created []string
				var mu sync.Mutex
				for range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r, err := graphqltest.PostErr(p.productsURL, graphqltest.Request{Query: createProductQ, Variables: map[string]any{"in": productInput("racer", owner)}})
						if err != nil {
							t.Error(err)
							return
						}
						if len(r.Errors) == 0 {
							mu.Lock()
							created = append(created, string(r.Data))
							mu.Unlock()
						} else if c := codeOf(r); c != errcode.BadUserInput {
							t.Errorf("racing create: %s, want success or BAD_USER_INPUT", r.Raw)
						}
					}()
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := graphqltest.PostErr(p.usersURL, graphqltest.Request{Query: `mutation($id: ID!) { deleteUser(id: $id) }`, Variables: map[string]any{"id": owner}})
					if err != nil {
						t.Error(err)
					}
				}()
				wg.Wait()
				p.waitHandled(owner)
				// A create still in flight when the handler ran sees the tombstone, so
				// once both are done the owner has no products.
				if got := p.owned(owner); len(got) != 0 {
					t.Errorf("products of a deleted owner after the race: %v (created %v)", got, created)
				}
			}
			// No product anywhere names a deleted owner.
			keys, err := p.productsRedis.Keys(context.Background(), p.productsRedis.Prefix+"{products}:product:*")
			if err != nil || len(keys) != 0 {
				t.Errorf("products left after every owner was deleted: %v (%v)", keys, err)
			}
		})
	})
}
