package users_test

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
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

type user struct {
	ID, Name, Email string
	Version         int
}

const createUser = `mutation($in: CreateUserInput!) { createUser(input: $in) { id name email version } }`

// env is a users subgraph over real HTTP on a test Redis.
type env struct {
	t     *testing.T
	redis redistest.Redis
	gql   string
}

func newEnv(t *testing.T, r redistest.Redis) *env {
	return &env{t: t, redis: r, gql: serve(t, config(r.Client, r.Prefix)) + "/graphql"}
}

func forEachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name(), func(t *testing.T) { f(t, newEnv(t, b.New(t))) })
	}
}

func (e *env) post(req graphqltest.Request) graphqltest.Response {
	e.t.Helper()
	return graphqltest.Post(e.t, e.gql, req)
}

func (e *env) create(name, email string) user {
	e.t.Helper()
	var d struct{ CreateUser user }
	e.post(graphqltest.Request{Query: createUser, Variables: map[string]any{"in": map[string]any{"name": name, "email": email}}}).Decode(e.t, &d)
	return d.CreateUser
}

// users counts the users in the creation index, which every create writes.
func (e *env) users() int64 {
	e.t.Helper()
	n, err := e.redis.Client.ZCard(context.Background(), e.redis.Prefix+"{users}:created").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func keyed(key string, in map[string]any) map[string]any {
	out := map[string]any{"idempotencyKey": key}
	for k, v := range in {
		out[k] = v
	}
	return map[string]any{"in": out}
}

// TestIdempotentCreates checks createUser with an idempotency key, from the input field
// and from the Idempotency-Key header: the same key and input answer the first
// create's user, other input is refused and changes nothing, and each aliased create of
// one request under a header key is its own.
func TestIdempotentCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ada := map[string]any{"name": "Ada", "email": "ada@example.com"}
		header := func(key string) http.Header { return http.Header{subgraph.IdempotencyHeader: {key}} }

		var first struct{ CreateUser user }
		e.post(graphqltest.Request{Query: createUser, Variables: keyed("k1", ada)}).Decode(t, &first)
		// Spelled differently but storing the same user: the same input.
		var again struct{ CreateUser user }
		e.post(graphqltest.Request{Query: createUser, Variables: keyed("k1", map[string]any{"name": "  Ada ", "email": "ada@example.com"})}).Decode(t, &again)
		if again.CreateUser != first.CreateUser {
			t.Errorf("replay = %+v, want the first create's %+v", again.CreateUser, first.CreateUser)
		}

		before := e.redis.Dump(t)
		for _, tt := range []struct {
			name string
			req  graphqltest.Request
		}{
			{"other name", graphqltest.Request{Query: createUser, Variables: keyed("k1", map[string]any{"name": "Bea", "email": "ada@example.com"})}},
			{"other email", graphqltest.Request{Query: createUser, Variables: keyed("k1", map[string]any{"name": "Ada", "email": "ada2@example.com"})}},
		} {
			r := e.post(tt.req)
			if r.Code(t) != errcode.IdempotencyKeyReused {
				t.Errorf("%s under a used key: %s, want IDEMPOTENCY_KEY_REUSED", tt.name, r.Raw)
			}
			if d := subgraphtest.Diff(before, e.redis.Dump(t)); len(d) > 0 {
				t.Errorf("%s under a used key changed the store: %s", tt.name, d)
			}
		}
		for _, tt := range []struct {
			name, key string
			hdr       bool
		}{
			{"empty field", "", false},
			{"over-long field", strings.Repeat("k", subgraph.MaxIdempotencyKeyBytes+1), false},
			{"over-long header", strings.Repeat("k", subgraph.MaxIdempotencyKeyBytes+1), true},
		} {
			req := graphqltest.Request{Query: createUser, Variables: keyed(tt.key, map[string]any{"name": "C", "email": "c@example.com"})}
			if tt.hdr {
				req = graphqltest.Request{Query: createUser, Variables: map[string]any{"in": map[string]any{"name": "C", "email": "c@example.com"}}, Header: header(tt.key)}
			}
			if r := e.post(req); r.Code(t) != errcode.BadUserInput {
				t.Errorf("%s: %s, want BAD_USER_INPUT", tt.name, r.Raw)
			}
		}

		// One header over two aliased creates: two users; the same request again: the
		// same two.
		two := graphqltest.Request{
			Query:  `mutation { a: createUser(input: {name: "A", email: "a@example.com"}) { id } b: createUser(input: {name: "B", email: "b@example.com"}) { id } }`,
			Header: header("request-1"),
		}
		var d1, d2 struct{ A, B struct{ ID string } }
		e.post(two).Decode(t, &d1)
		e.post(two).Decode(t, &d2)
		if d1.A.ID == d1.B.ID || d1 != d2 {
			t.Errorf("two aliased creates under one header: %+v then %+v; want two users, the same both times", d1, d2)
		}
		// The field's own key wins over the header's.
		var d3 struct{ CreateUser user }
		e.post(graphqltest.Request{Query: createUser, Variables: keyed("k1", ada), Header: header("request-1")}).Decode(t, &d3)
		if d3.CreateUser.ID != first.CreateUser.ID {
			t.Errorf("field key with a header: %s, want the field key's user %s", d3.CreateUser.ID, first.CreateUser.ID)
		}
		if n := e.users(); n != 3 {
			t.Errorf("%d users, want 3 (Ada, A, B)", n)
		}

		// Keys expire: each is kept for the idempotency TTL, and once gone the same
		// key creates anew.
		ctx := context.Background()
		idem, err := e.redis.Keys(ctx, e.redis.Prefix+"{users}:idem:*")
		if err != nil || len(idem) != 3 {
			t.Fatalf("idempotency keys %v, %v; want 3", idem, err)
		}
		for _, k := range idem {
			ttl, err := e.redis.Client.PTTL(ctx, k).Result()
			if err != nil || ttl <= subgraph.DefaultIdempotencyTTL-time.Minute || ttl > subgraph.DefaultIdempotencyTTL {
				t.Errorf("TTL of %s = %s, %v; want about %s", k, ttl, err, subgraph.DefaultIdempotencyTTL)
			}
			e.redis.Client.Del(ctx, k) // as if expired
		}
		if r := e.post(graphqltest.Request{Query: createUser, Variables: keyed("k1", ada)}); r.Code(t) != errcode.BadUserInput {
			t.Errorf("expired key: %s, want a new create, refused because the email is taken", r.Raw)
		}

		// A replay of a create whose user was deleted since says so.
		var d4 struct{ CreateUser user }
		e.post(graphqltest.Request{Query: createUser, Variables: keyed("k2", map[string]any{"name": "D", "email": "d@example.com"})}).Decode(t, &d4)
		e.post(graphqltest.Request{Query: `mutation($id: ID!) { deleteUser(id: $id) }`, Variables: map[string]any{"id": d4.CreateUser.ID}}).Decode(t, &struct{}{})
		if r := e.post(graphqltest.Request{Query: createUser, Variables: keyed("k2", map[string]any{"name": "D", "email": "d@example.com"})}); r.Code(t) != errcode.NotFound {
			t.Errorf("replay of a deleted user's create: %s, want NOT_FOUND", r.Raw)
		}
	})
}

// TestConcurrentIdempotentCreates sends 50 creates with one key at once: one user, and
// every answer is that user.
func TestConcurrentIdempotentCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		const n = 50
		for _, viaHeader := range []bool{false, true} {
			email := fmt.Sprintf("concurrent-%v@example.com", viaHeader)
			req := graphqltest.Request{Query: createUser, Variables: keyed("same", map[string]any{"name": "C", "email": email})}
			if viaHeader {
				req = graphqltest.Request{Query: createUser, Variables: map[string]any{"in": map[string]any{"name": "C", "email": email}},
					Header: http.Header{subgraph.IdempotencyHeader: {"same"}}}
			}
			before := e.users()
			ids := make(chan string, n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := graphqltest.PostErr(e.gql, req)
					if err != nil || len(r.Errors) > 0 {
						t.Errorf("concurrent create: %v %s", err, r.Raw)
						return
					}
					var d struct{ CreateUser user }
					if err := json.Unmarshal(r.Data, &d); err != nil {
						t.Error(err)
					}
					ids <- d.CreateUser.ID
				}()
			}
			wg.Wait()
			close(ids)
			seen := map[string]int{}
			for id := range ids {
				seen[id]++
			}
			if len(seen) != 1 || e.users()-before != 1 {
				t.Errorf("header %v: %d creates with one key answered %v and made %d users; want one", viaHeader, n, seen, e.users()-before)
			}
		}
	})
}

// TestVersions checks that a user starts at version 1, that each update adds one, and
// that an update expecting another version is refused with CONFLICT and changes nothing.
func TestVersions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		u := e.create("Ada", "ada@example.com")
		if u.Version != 1 {
			t.Fatalf("version after create = %d, want 1", u.Version)
		}
		update := func(in map[string]any) graphqltest.Response {
			return e.post(graphqltest.Request{
				Query:     `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id name email version } }`,
				Variables: map[string]any{"id": u.ID, "in": in},
			})
		}
		var d struct{ UpdateUser user }
		update(map[string]any{"name": "Ada L."}).Decode(t, &d)
		update(map[string]any{"email": "ada@lovelace.org", "expectedVersion": 2}).Decode(t, &d)
		want := user{ID: u.ID, Name: "Ada L.", Email: "ada@lovelace.org", Version: 3}
		if d.UpdateUser != want {
			t.Errorf("after two updates: %+v, want %+v", d.UpdateUser, want)
		}
		before := e.redis.Dump(t)
		for _, expected := range []int{1, 2, 4} {
			if r := update(map[string]any{"name": "X", "expectedVersion": expected}); r.Code(t) != errcode.Conflict {
				t.Errorf("update expecting version %d of a user at 3: %s, want CONFLICT", expected, r.Raw)
			}
		}
		if r := update(map[string]any{"name": "X", "expectedVersion": 0}); r.Code(t) != errcode.BadUserInput {
			t.Errorf("expectedVersion 0: %s, want BAD_USER_INPUT", r.Raw)
		}
		if d := subgraphtest.Diff(before, e.redis.Dump(t)); len(d) > 0 {
			t.Errorf("refused updates changed the store: %s", d)
		}
	})
}

// TestConcurrentUpdatesConflict runs two updates of one user that expect the same
// version at once, many times over: each time exactly one wins and the other gets
// CONFLICT, so neither is silently lost.
func TestConcurrentUpdatesConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		u := e.create("Ada", "ada@example.com")
		const rounds = 50
		for round := range rounds {
			version := round + 1
			codes := make([]string, 2)
			var wg sync.WaitGroup
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := graphqltest.PostErr(e.gql, graphqltest.Request{
						Query: `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { version } }`,
						Variables: map[string]any{"id": u.ID, "in": map[string]any{
							"name": fmt.Sprintf("writer %d", i), "email": fmt.Sprintf("w%d-%d@example.com", i, round), "expectedVersion": version}},
					})
					if err != nil {
						t.Error(err)
						return
					}
					if len(r.Errors) == 1 {
						codes[i], _ = r.Errors[0].Extensions["code"].(string)
					} else if len(r.Errors) > 1 {
						codes[i] = r.Raw
					}
				}()
			}
			wg.Wait()
			ok, conflict := 0, 0
			for _, c := range codes {
				switch c {
				case "":
					ok++
				case errcode.Conflict:
					conflict++
				}
			}
			if ok != 1 || conflict != 1 {
				t.Fatalf("round %d: codes %q, want one success and one CONFLICT", round, codes)
			}
		}
		var d struct{ User user }
		e.post(graphqltest.Request{Query: `query($id: ID!) { user(id: $id) { id name email version } }`, Variables: map[string]any{"id": u.ID}}).Decode(t, &d)
		if d.User.Version != rounds+1 {
			t.Errorf("version after %d rounds = %d, want %d", rounds, d.User.Version, rounds+1)
		}
		// The email claims followed the winners: exactly one claim, the current email's.
		claims, err := e.redis.Keys(context.Background(), e.redis.Prefix+"{users}:email:*")
		if err != nil || len(claims) != 1 || claims[0] != e.redis.Prefix+"{users}:email:"+d.User.Email {
			t.Errorf("email claims %v (%v), want only %s's", claims, err, d.User.Email)
		}
	})
}

// TestDeleteAppendsAnEvent checks that deleteUser appends one user.deleted event in the
// same write, that a failed delete appends none, and that the stream is trimmed to
// about EventsMaxLen.
func TestDeleteAppendsAnEvent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		stream := e.redis.Prefix + events.UsersStream
		u := e.create("Ada", "ada@example.com")
		del := func(id string) graphqltest.Response {
			return e.post(graphqltest.Request{Query: `mutation($id: ID!) { deleteUser(id: $id) }`, Variables: map[string]any{"id": id}})
		}
		if r := del(u.ID); r.Code(t) != "" {
			t.Fatal(r.Raw)
		}
		if r := del(u.ID); r.Code(t) != errcode.NotFound {
			t.Errorf("second delete: %s, want NOT_FOUND", r.Raw)
		}
		entries, err := e.redis.Client.XRange(ctx, stream, "-", "+").Result()
		if err != nil || len(entries) != 1 {
			t.Fatalf("events %+v, %v; want one", entries, err)
		}
		ev, err := events.ParseUserDeleted(entries[0].Values)
		if err != nil || ev.UserID != u.ID {
			t.Errorf("event %+v: %+v, %v; want user.deleted of %s", entries[0].Values, ev, err, u.ID)
		}
		keys, err := e.redis.Keys(ctx, e.redis.Prefix+"*")
		if err != nil || len(keys) != 2 { // the pos counter and the stream
			t.Errorf("keys after the delete: %v (%v), want only the pos counter and the events", keys, err)
		}
	})
}
