package products

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// What one request may cost a products subgraph reached directly: `_entities` counts
// its selections once per representation, takes at most -max-representations of
// them, and an answer past -max-response-bytes or the request timeout stops the work
// itself, not only the reply.

// entitiesQuery is the hostile request of the issue: every representation asks for a
// page of 100 products.
const entitiesQuery = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { products(first: 100) { edges { node { id name description price { amount } } } } } } }`

// reps returns n User representations of owner.
func reps(owner string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"__typename": "User", "id": owner}
	}
	return out
}

// seedOwner stores n products of a new owner straight in the store and returns the owner.
func seedOwner(t *testing.T, e *env, n int) string {
	t.Helper()
	owner := e.user()
	st := store.New(e.redis.Client, e.redis.Prefix)
	for i := range n {
		price := store.Money{Minor: 100, Currency: "USD"}
		if _, err := st.Create(context.Background(), fmt.Sprintf("Product %d", i), strings.Repeat("d", 100), price, owner, nil); err != nil {
			t.Fatal(err)
		}
	}
	return owner
}

// serveWith serves a products subgraph on e's Redis and owners with lim, logging to log.
// limits is subgraph.DefaultLimits() changed by set.
func limits(set func(*subgraph.Limits)) subgraph.Limits {
	l := subgraph.DefaultLimits()
	set(&l)
	return l
}

func serveWith(t *testing.T, e *env, lim subgraph.Limits, owners OwnerChecker, log *bytes.Buffer) *httptest.Server {
	t.Helper()
	if owners == nil {
		owners = e.owners
	}
	cfg := config(e.redis.Client, e.redis.Prefix, owners)
	cfg.Limits = lim
	if log != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(&lockedBuffer{b: log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := newService(cfg, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestEntitiesBounds sends `_entities` requests past each bound and at it: a request
// past one is refused with COST_LIMIT_EXCEEDED before it runs (not one Redis round
// trip), and one within them all is answered.
func TestEntitiesBounds(t *testing.T) {
	e := newEnv(t)
	owner := seedOwner(t, e, 100)
	url := e.url + "/graphql"
	small := `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`
	tests := []struct {
		name  string
		query string
		n     int
		want  string // "" for an answer without errors
	}{
		// 900 pages of 100 products: under the representations cap, but 900 times
		// the cost of one page (about 700) is past 500,000.
		{"a page for each of 900 representations", entitiesQuery, 900, errcode.CostLimitExceeded},
		{"a page for each of 500 representations", strings.Replace(entitiesQuery, "first: 100", "first: 10", 1), 500, ""},
		{"1001 representations", small, subgraph.DefaultMaxRepresentations + 1, errcode.CostLimitExceeded},
		{"1000 representations", small, subgraph.DefaultMaxRepresentations, ""},
		{"the issue's 12,000 representations", entitiesQuery, 12000, errcode.CostLimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.redis.RoundTrips.Load()
			r := graphqltest.Post(t, url, graphqltest.Request{Query: tt.query, Variables: map[string]any{"r": reps(owner, tt.n)}})
			if tt.want == "" {
				var d struct {
					Entities []json.RawMessage `json:"_entities"`
				}
				r.Decode(t, &d)
				if len(d.Entities) != tt.n {
					t.Errorf("%d entities answered, want %d", len(d.Entities), tt.n)
				}
				return
			}
			if got := codeOf(r); got != tt.want || string(r.Data) != "" && string(r.Data) != "null" {
				t.Errorf("got %.300s, want one %s error and no data", r.Raw, tt.want)
			}
			if n := e.redis.RoundTrips.Load() - before; n != 0 {
				t.Errorf("%d Redis round trips for a refused request, want 0", n)
			}
		})
	}
}

// heapAllocs is the bytes the process has allocated on the heap so far.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestResponseTooLarge asks for 1000 pages of 100 products (about 20 MB of JSON) from
// a subgraph whose complexity limit lets it through and whose -max-response-bytes is
// 256 KiB: the answer is 200 with data null and one RESPONSE_TOO_LARGE error, and the
// request stops building its answer near the cap: it allocates far less than the
// whole answer would (830 MB measured without the stop, as gqlgen builds it all
// before writing; about 110 MB with it, most of it the 1000 User.products resolvers
// that run side by side before the first of their fields is counted).
func TestResponseTooLarge(t *testing.T) {
	e := newEnv(t)
	owner := seedOwner(t, e, 100)
	srv := serveWith(t, e, limits(func(l *subgraph.Limits) { l.MaxComplexity, l.MaxResponseBytes = 1<<30, 256<<10 }), nil, nil)
	runtime.GC()
	before := heapAllocs()
	r := graphqltest.Post(t, srv.URL+"/graphql", graphqltest.Request{Query: entitiesQuery, Variables: map[string]any{"r": reps(owner, 1000)}})
	srv.Close() // waits for the request's handler to return
	allocated := heapAllocs() - before
	if r.Status != http.StatusOK || codeOf(r) != errcode.ResponseTooLarge || string(r.Data) != "null" {
		t.Errorf("got %d %.300s, want 200, data null and one RESPONSE_TOO_LARGE error", r.Status, r.Raw)
	}
	t.Logf("the refused request allocated %d MB", allocated>>20)
	if allocated > 300<<20 {
		t.Errorf("the refused request allocated %d MB, want under 300 MB: its work did not stop at the cap", allocated>>20)
	}

	// Under the cap, the same subgraph answers.
	srv = serveWith(t, e, limits(func(l *subgraph.Limits) { l.MaxComplexity, l.MaxResponseBytes = 1<<30, 256<<10 }), nil, nil)
	r = graphqltest.Post(t, srv.URL+"/graphql", graphqltest.Request{Query: entitiesQuery, Variables: map[string]any{"r": reps(owner, 1)}})
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), "Product 99") {
		t.Errorf("one page under the cap: %.300s", r.Raw)
	}
}

// blockingOwners is an OwnerChecker whose every call waits until its request's context
// ends, as a users subgraph that does not answer would.
type blockingOwners struct {
	mu    sync.Mutex
	calls int
}

func (b *blockingOwners) UserExists(ctx context.Context, id string) (bool, error) {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	<-ctx.Done()
	return false, ctx.Err()
}

// TestTimeoutStopsWork sends a mutation of 20 creates, run one after the other, to a
// subgraph whose owner checks never answer: the first holds the request past its
// timeout. The client gets 504 REQUEST_TIMEOUT, and the work ends there: the other 19
// creates never run (no more owner checks), and nothing is logged of the errors they
// would have ended with.
func TestTimeoutStopsWork(t *testing.T) {
	e := newEnv(t)
	owner := e.user()
	owners := &blockingOwners{}
	var log bytes.Buffer
	srv := serveWith(t, e, limits(func(l *subgraph.Limits) { l.RequestTimeout = 200 * time.Millisecond }), owners, &log)
	var q strings.Builder
	q.WriteString("mutation {")
	for i := range 20 {
		fmt.Fprintf(&q, ` c%d: createProduct(input: {name: "P%d", ownerId: %q, price: {amount: "1.00", currencyCode: USD}}) { id }`, i, i, owner)
	}
	q.WriteString(" }")
	r := graphqltest.Post(t, srv.URL+"/graphql", graphqltest.Request{Query: q.String()})
	srv.Close() // waits for the request's handler to return
	if r.Status != http.StatusGatewayTimeout || codeOf(r) != errcode.RequestTimeout {
		t.Errorf("got %d %.300s, want 504 REQUEST_TIMEOUT", r.Status, r.Raw)
	}
	owners.mu.Lock()
	calls := owners.calls
	owners.mu.Unlock()
	if calls != 1 {
		t.Errorf("%d owner checks, want 1: the creates after the timeout still ran", calls)
	}
	if n := strings.Count(log.String(), "level=WARN") + strings.Count(log.String(), "level=ERROR"); n != 0 {
		t.Errorf("%d warnings and errors logged after the timeout, want none:\n%.2000s", n, log.String())
	}
	if got := e.count(); got != 0 {
		t.Errorf("%d products stored, want 0", got)
	}
}
