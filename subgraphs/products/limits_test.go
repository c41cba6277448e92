package products

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// TestDefaultLimitsAdmitGatewayRequests sends what the gateway sends at its own limits
// and checks the subgraph's default limits let it through: a batch of 500 User lookups
// each with a page of products, and a document as deep as a client query of the
// gateway's max-depth (15) plus the two levels the gateway wraps it in.
func TestDefaultLimitsAdmitGatewayRequests(t *testing.T) {
	e := newEnv(t)
	owner := e.user()
	e.create("Lamp", "1", "USD", owner)

	var lookups []lookup
	for i := range 500 {
		u := owner
		if i > 0 {
			u = relay.NewID("User")
		}
		lookups = append(lookups, lookup{user: u, sel: "..._fS1"})
	}
	q, vars := batched("", "fragment _fS1 on User { id products(first: 10) { edges { cursor node { id name description price { amount currencyCode } createdAt version owner { id } } } pageInfo { hasNextPage endCursor } } }", nil, lookups)
	r := graphqltest.Post(t, e.url+"/graphql", graphqltest.Request{Query: q, Variables: vars})
	if len(r.Errors) > 0 {
		t.Fatalf("a batch of 500 lookups: %.300s", r.Raw)
	}
	var data map[string]json.RawMessage
	json.Unmarshal(r.Data, &data)
	if len(data) != 500 || !strings.Contains(string(data["_0"]), "Lamp") {
		t.Errorf("%d lookups answered (first %s), want 500 and the owner's lamp", len(data), data["_0"])
	}

	// Depth 17, as the implementation counts it: node, then three times products →
	// edges → node → owner, then products → edges → node → id. A subgraph with a
	// depth limit of 16 refuses it, so it is 17 deep.
	sel := "products(first: 1) { edges { node { id } } }"
	for range 3 {
		sel = "products(first: 1) { edges { node { owner { " + sel + " } } } }"
	}
	q, vars = batched("", "fragment _fS1 on User { "+sel+" }", nil, []lookup{{user: owner, sel: "..._fS1"}})
	deep := graphqltest.Request{Query: q, Variables: vars}
	if r := graphqltest.Post(t, e.url+"/graphql", deep); len(r.Errors) > 0 {
		t.Errorf("a document of depth 17: %s", r.Raw)
	}
	cfg16 := config(e.redis.Client, e.redis.Prefix, e.owners)
	cfg16.Limits.MaxDepth = 16
	s16, err := newService(cfg16, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s16.Handler())
	defer srv.Close()
	if r := graphqltest.Post(t, srv.URL+"/graphql", deep); codeOf(r) != errcode.MaxDepthExceeded {
		t.Errorf("the depth-17 document under a limit of 16: %s, want MAX_DEPTH_EXCEEDED", r.Raw)
	}
}
