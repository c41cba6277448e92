package gateway_test

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// postWith sends a request with extra headers and returns the response's X-Request-Id.
func postWith(t *testing.T, g *graph, query string, vars map[string]any, hdr map[string]string) string {
	t.Helper()
	r := graphqltest.Post(t, g.url, graphqltest.Request{Query: query, Variables: vars, Header: graphqltest.Headers(hdr)})
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	return r.Header.Get("X-Request-Id")
}

// TestHeaderPropagation checks what the gateway forwards to the subgraphs: the request
// id (the client's when sane, made up otherwise, and returned), the trace context, the
// idempotency key on a mutation's root request only, the headers configured, and
// nothing else.
func TestHeaderPropagation(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Front.PropagateHeaders = []string{"X-Tenant"} })
	ada := g.createUser(t, "Ada", "ada@example.com")
	pid := g.createProduct(t, "Engine", "1", "USD", ada)
	client := map[string]string{
		"X-Request-Id":    "req-42",
		"Traceparent":     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"Idempotency-Key": "key-1",
		"Authorization":   "Bearer secret",
		"X-Tenant":        "acme",
		"X-Other":         "no",
	}
	forwarded := func(h http.Header) map[string]string {
		out := map[string]string{}
		for _, k := range []string{"X-Request-Id", "Traceparent", "Idempotency-Key", "Authorization", "X-Tenant", "X-Other"} {
			if v := h.Get(k); v != "" {
				out[k] = v
			}
		}
		return out
	}
	same := func(a, b map[string]string) bool {
		if len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if b[k] != v {
				return false
			}
		}
		return true
	}
	g.log.takeHeaders()

	// A query: product then owner, neither with the idempotency key.
	if id := postWith(t, g, `query($id: ID!) { product(id: $id) { name owner { name } } }`, map[string]any{"id": pid}, client); id != "req-42" {
		t.Errorf("response X-Request-Id: got %q, want the client's", id)
	}
	want := map[string]string{"X-Request-Id": "req-42", "Traceparent": client["Traceparent"], "X-Tenant": "acme"}
	names, hs := g.log.takeHeaders()
	if len(hs) != 2 {
		t.Fatalf("subgraph requests: got %v, want products then users", names)
	}
	for i, h := range hs {
		if got := forwarded(h); !same(got, want) {
			t.Errorf("%s got %v, want %v", names[i], got, want)
		}
	}

	// A mutation: the key reaches the mutation's own request, not the gateway's owner
	// lookup that follows it.
	postWith(t, g, `mutation($id: ID!) { createProduct(input: {name: "Loom", price: {amount: "1", currencyCode: USD}, ownerId: $id}) { owner { name } } }`, map[string]any{"id": ada}, client)
	names, hs = g.log.takeHeaders()
	// products (the mutation), users (products' own owner check, not the gateway's),
	// users (the gateway's owner lookup).
	if len(hs) != 3 || names[0] != "products" || names[2] != "users" {
		t.Fatalf("subgraph requests: got %v", names)
	}
	wantRoot := map[string]string{"X-Request-Id": "req-42", "Traceparent": client["Traceparent"], "X-Tenant": "acme", "Idempotency-Key": "key-1"}
	if got := forwarded(hs[0]); !same(got, wantRoot) {
		t.Errorf("the mutation's request: got %v, want %v", got, wantRoot)
	}
	if got := forwarded(hs[2]); !same(got, want) {
		t.Errorf("the owner lookup after the mutation: got %v, want %v", got, want)
	}

	// No id, or one that is not sane: the gateway makes one up, and sends it on.
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, sent := range []string{"", "has spaces in it", string(bytes.Repeat([]byte("x"), 129))} {
		id := postWith(t, g, `query($id: ID!) { product(id: $id) { name } }`, map[string]any{"id": pid}, map[string]string{"X-Request-Id": sent})
		_, hs := g.log.takeHeaders()
		if !hexID.MatchString(id) || len(hs) != 1 || hs[0].Get("X-Request-Id") != id {
			t.Errorf("client id %q: response id %q, subgraph got %v", sent, id, hs)
		}
	}
}
