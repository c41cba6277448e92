package products

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

// TestUsersOutageAcrossTheHop makes the users subgraph unable to answer in every way,
// and creates a product: the client gets SERVICE_UNAVAILABLE from products, as users'
// own SERVICE_UNAVAILABLE or as its absence, within the users timeout, and nothing is
// written. When users is back, creates succeed again without a restart.
func TestUsersOutageAcrossTheHop(t *testing.T) {
	for _, b := range redistest.ServerBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			ub := subgraphtest.ProxiedRedis(t, b, 100*time.Millisecond)
			ucfg := users.DefaultConfig()
			ucfg.Redis, ucfg.KeyPrefix, ucfg.CursorSecret = ub.Client, ub.Direct.Prefix, "u"
			uh, err := users.New(ucfg)
			if err != nil {
				t.Fatal(err)
			}
			us := httptest.NewServer(uh)
			defer us.Close()
			// The users subgraph behind a proxy too, to stop and freeze it as a process.
			hop := subgraphtest.NewProxy(t, strings.TrimPrefix(us.URL, "http://"))
			owners, err := NewUsersClientTimeout("http://"+hop.Addr()+"/graphql", 500*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			pr := b.New(t)
			s, err := newService(config(pr.Client, pr.Prefix, owners), time.Nanosecond)
			if err != nil {
				t.Fatal(err)
			}
			ps := httptest.NewServer(s.Handler())
			defer ps.Close()

			var owner struct{ CreateUser struct{ ID string } }
			graphqltest.Post(t, us.URL+"/graphql", graphqltest.Request{Query: `mutation { createUser(input: {name: "O", email: "o@example.com"}) { id } }`}).Decode(t, &owner)
			create := graphqltest.Request{Query: createProductQ, Variables: map[string]any{"in": productInput("p", owner.CreateUser.ID)}}
			if r := graphqltest.Post(t, ps.URL+"/graphql", create); len(r.Errors) > 0 {
				t.Fatalf("before the outage: %s", r.Raw)
			}
			for _, outage := range []struct {
				name       string
				begin, end func()
			}{
				{"users Redis frozen", ub.Proxy.Freeze, ub.Proxy.Resume},
				{"users Redis stopped", ub.Proxy.Stop, ub.Proxy.Resume},
				{"users frozen", hop.Freeze, hop.Resume},
				{"users stopped", hop.Stop, hop.Resume},
			} {
				t.Run(outage.name, func(t *testing.T) {
					outage.begin()
					before := pr.Dump(t)
					r := graphqltest.Post(t, ps.URL+"/graphql", create)
					if codeOf(r) != errcode.ServiceUnavailable || r.Errors[0].Message != usersUnavailable {
						t.Errorf("create: %s, want SERVICE_UNAVAILABLE %q", r.Raw, usersUnavailable)
					}
					if strings.Contains(r.Raw, "127.0.0.1") {
						t.Errorf("the answer names an address: %s", r.Raw)
					}
					if d := subgraphtest.Diff(before, pr.Dump(t)); len(d) > 0 {
						t.Errorf("a refused create changed the store: %v", d)
					}
					outage.end()
					subgraphtest.Eventually(t, "create again", func() error {
						if r := graphqltest.Post(t, ps.URL+"/graphql", create); len(r.Errors) > 0 {
							return fmt.Errorf("%s", r.Raw)
						}
						return nil
					})
				})
			}
		})
	}
}

// TestRedisOutages stops and freezes the products Redis under a running subgraph:
// reads and writes get one masked SERVICE_UNAVAILABLE, /readyz fails, and the subgraph
// answers again by itself once Redis is back.
func TestRedisOutages(t *testing.T) {
	for _, b := range redistest.ServerBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			rb := subgraphtest.ProxiedRedis(t, b, 100*time.Millisecond)
			owners := &fakeOwners{users: map[string]bool{}}
			owner := relay.NewID("User")
			owners.add(owner)
			s, err := newService(config(rb.Client, rb.Direct.Prefix, owners), time.Nanosecond)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			create := graphqltest.Request{Query: createProductQ, Variables: map[string]any{"in": productInput("p", owner)}}
			for _, outage := range []struct {
				name  string
				begin func()
			}{{"stopped", rb.Proxy.Stop}, {"frozen", rb.Proxy.Freeze}} {
				t.Run(outage.name, func(t *testing.T) {
					outage.begin()
					for _, req := range []graphqltest.Request{
						{Query: `{ products { edges { cursor } } }`},
						{Query: `query($id: ID!) { node(id: $id) { ... on User { products { edges { cursor } } } } }`, Variables: map[string]any{"id": owner}},
						create,
					} {
						r := graphqltest.Post(t, srv.URL+"/graphql", req)
						if codeOf(r) != errcode.ServiceUnavailable || r.Errors[0].Message != "the data store did not answer in time" {
							t.Errorf("%s: %s, want one masked SERVICE_UNAVAILABLE", req.Query, r.Raw)
						}
					}
					resp, err := http.Get(srv.URL + "/readyz")
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusServiceUnavailable {
						t.Errorf("/readyz = %d during the outage, want 503", resp.StatusCode)
					}
					rb.Proxy.Resume()
					subgraphtest.Eventually(t, "answer again", func() error {
						if r := graphqltest.Post(t, srv.URL+"/graphql", create); len(r.Errors) > 0 {
							return fmt.Errorf("%s", r.Raw)
						}
						return nil
					})
				})
			}
		})
	}
}
