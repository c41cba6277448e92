package systemtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The gateway's start while subgraphs are down: it listens at once, serves what answers
// (nothing at all gets a 503 until something does), takes the rest in as it comes, and
// with -schema-cache-dir keeps a subgraph's fields across its own restart during that
// subgraph's outage.

// startSubgraphs starts a Redis per subgraph and both subgraphs, but no gateway.
func startSubgraphs(t *testing.T) *system {
	t.Helper()
	s := &system{usersRedis: startRedis(t), productsRedis: startRedis(t)}
	s.users = startProcess(t, "users", 0, "-redis-url", s.usersRedis.url(), "-cursor-secret", "system-test")
	s.products = startProcess(t, "products", 0, s.productsArgs()...)
	return s
}

// startGateway starts the gateway in front of s's subgraphs with the system tests'
// settings, except those extra overrides (a flag given in extra replaces the same flag
// of gatewayArgs).
func (s *system) startGateway(t *testing.T, extra ...string) {
	t.Helper()
	args := []string{"-subgraph", "users=" + s.users.url(), "-subgraph", "products=" + s.products.url()}
	for i := 0; i < len(gatewayArgs); i += 2 {
		if !slices.Contains(extra, gatewayArgs[i]) {
			args = append(args, gatewayArgs[i], gatewayArgs[i+1])
		}
	}
	s.gateway = startProcess(t, "gateway", 0, append(args, extra...)...)
}

// running reports whether p runs (it was not killed or stopped since it started).
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

// schemaStates is /readyz's status and each subgraph's schema state, "name=state" in
// order.
func schemaStates(t *testing.T, gw *process) (int, string) {
	t.Helper()
	resp, err := http.Get(gw.base() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Subgraphs []struct{ Name, Schema string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("/readyz: %d, %v", resp.StatusCode, err)
	}
	var out []string
	for _, s := range body.Subgraphs {
		out = append(out, s.Name+"="+s.Schema)
	}
	return resp.StatusCode, strings.Join(out, " ")
}

const (
	typenameQuery = `{ __typename }`
	usersQuery    = `{ users(first: 1) { edges { node { name } } } }`
	queryFields   = `{ __type(name: "Query") { fields { name } } }`
)

// fields returns the names of Query's fields, by introspection.
func fields(t *testing.T, gw *process) []string {
	t.Helper()
	var d struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	must(t, gw.url(), queryFields, nil, &d)
	var names []string
	for _, f := range d.Type.Fields {
		names = append(names, f.Name)
	}
	return names
}

// whole reports whether query gets a whole answer (200, data, no error).
func whole(url, query string) bool {
	r, err := post(url, query, nil, nil)
	return err == nil && r.Status == http.StatusOK && len(r.Errors) == 0 && len(r.Data) > 0 && string(r.Data) != "null"
}

// TestGatewayListensBeforeSubgraphs starts the gateway while products is down, with a
// -startup-timeout longer than the test: the gateway prints its address and answers
// /healthz while products is still down (a gateway that bound its port only after its
// subgraphs answered would print nothing until products starts, which this test does
// only afterwards); a GraphQL request sent then is held, not refused, and answered in
// full once products starts.
func TestGatewayListensBeforeSubgraphs(t *testing.T) {
	t.Parallel()
	s := startSubgraphs(t)
	s.products.kill()
	s.startGateway(t, "-startup-timeout", "1h")
	if s.products.running() {
		t.Fatal("products runs: the test proves nothing")
	}
	resp, err := http.Get(s.gateway.base() + "/healthz")
	if err != nil {
		t.Fatalf("/healthz while products is down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz while products is down = %d, want 200", resp.StatusCode)
	}

	// The request is on the wire before products starts.
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.gateway.port))
	if err != nil {
		t.Fatalf("connect while products is down: %v", err)
	}
	defer conn.Close()
	const body = `{"query":"{ products(first: 1) { edges { cursor } } }"}`
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	s.products.start()
	answer, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request sent while products was down: %v", err)
	}
	b, _ := io.ReadAll(answer.Body)
	answer.Body.Close()
	if answer.StatusCode != http.StatusOK || string(b) != `{"data":{"products":{"edges":[]}}}` {
		t.Errorf("the request sent while products was down: %d %s, want the whole graph's answer", answer.StatusCode, b)
	}
}

// TestGatewayStartsWithProductsDown restarts the gateway, with its default
// -startup-timeout, while products is down: it serves users, lists products as
// missing, and takes products in when it starts, without a restart.
func TestGatewayStartsWithProductsDown(t *testing.T) {
	t.Parallel()
	s := startSubgraphs(t)
	s.startGateway(t, "-startup-timeout", "1s") // the default
	ada := s.createUser(t, "Ada Lovelace")
	s.createProduct(t, "Engine", ada)

	s.products.kill()
	if err := s.gateway.stop(); err != nil {
		t.Fatal(err)
	}
	s.gateway.start()
	for _, q := range []string{typenameQuery, usersQuery} {
		if !whole(s.gateway.url(), q) {
			r, err := post(s.gateway.url(), q, nil, nil)
			t.Errorf("%s while products is down: %v %d %s %+v", q, err, r.Status, r.Data, r.Errors)
		}
	}
	if s.products.running() {
		t.Fatal("products runs: the test proves nothing")
	}
	if st, got := schemaStates(t, s.gateway); st != http.StatusOK || got != "users=loaded products=missing" {
		t.Errorf("/readyz while products is down: %d %s", st, got)
	}

	s.products.start()
	eventually(t, 10*time.Second, "the gateway takes products in", func() bool { return whole(s.gateway.url(), ownersQuery) })
	if st, got := schemaStates(t, s.gateway); st != http.StatusOK || got != "users=loaded products=loaded" {
		t.Errorf("/readyz once products is back: %d %s", st, got)
	}
}

// TestGatewayStartsWithNoSubgraph starts the gateway while both subgraphs are down and
// nothing is cached: it listens, GraphQL requests get 503 SUBGRAPH_UNAVAILABLE,
// /healthz 200 and /readyz 503; users starting brings the graph, products starting
// completes it.
func TestGatewayStartsWithNoSubgraph(t *testing.T) {
	t.Parallel()
	s := startSubgraphs(t)
	s.users.kill()
	s.products.kill()
	s.startGateway(t)

	for _, q := range []string{typenameQuery, usersQuery} {
		r, err := post(s.gateway.url(), q, nil, nil)
		if err != nil || r.Status != http.StatusServiceUnavailable || len(r.Errors) != 1 ||
			r.Errors[0].Extensions["code"] != "SUBGRAPH_UNAVAILABLE" || r.Data != nil {
			t.Errorf("%s with no subgraph: %v %d %s %+v, want 503 SUBGRAPH_UNAVAILABLE", q, err, r.Status, r.Data, r.Errors)
		}
	}
	resp, err := http.Get(s.gateway.base() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz with no subgraph = %d, want 200", resp.StatusCode)
	}
	if st, got := schemaStates(t, s.gateway); st != http.StatusServiceUnavailable || got != "users=missing products=missing" {
		t.Errorf("/readyz with no subgraph: %d %s, want 503, both missing", st, got)
	}

	s.users.start()
	eventually(t, 10*time.Second, "the graph appears once users answers", func() bool { return whole(s.gateway.url(), typenameQuery) })
	s.createUser(t, "Ada Lovelace")
	if !whole(s.gateway.url(), usersQuery) {
		t.Error("users query once users answers: no answer")
	}
	if st, got := schemaStates(t, s.gateway); st != http.StatusOK || got != "users=loaded products=missing" {
		t.Errorf("/readyz with users only: %d %s", st, got)
	}
	s.products.start()
	eventually(t, 10*time.Second, "the gateway takes products in", func() bool {
		return whole(s.gateway.url(), `{ products(first: 1) { edges { cursor } } }`)
	})
}

// TestGatewayRestartsFromSchemaCache runs the graph with -schema-cache-dir and restarts
// the gateway during outages: with products down, then with both down, products' fields
// stay in the schema (introspection), fail with SUBGRAPH_UNAVAILABLE, /readyz says
// "cached", and the whole answer returns when the subgraphs start, without another
// restart. A cache file spoiled while products is down is ignored: the gateway starts
// without products' fields, and writes the file again once products answers.
func TestGatewayRestartsFromSchemaCache(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startSubgraphs(t)
	s.startGateway(t, "-schema-cache-dir", dir)
	a := seedOwners(t, s)
	if !whole(s.gateway.url(), ownersQuery) {
		t.Fatal("the whole graph does not answer")
	}
	full := func() bool {
		r, err := post(s.gateway.url(), ownersQuery, nil, nil)
		return err == nil && len(r.Errors) == 0 && string(r.Data) == a.fullWant
	}
	restart := func() {
		t.Helper()
		if err := s.gateway.stop(); err != nil {
			t.Fatal(err)
		}
		s.gateway.start()
	}

	tests := []struct {
		name  string
		down  []*process
		spoil bool   // cut products' cache file in half
		want  string // /readyz's schema states after the restart
	}{
		{"products down", []*process{s.products}, false, "users=loaded products=cached"},
		{"both down", []*process{s.users, s.products}, false, "users=cached products=cached"},
		{"products down, its cache file spoiled", []*process{s.products}, true, "users=loaded products=missing"},
		{"products down after the file was written again", []*process{s.products}, false, "users=loaded products=cached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range tt.down {
				p.kill()
			}
			if tt.spoil {
				path := filepath.Join(dir, "products.graphql")
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(path, b[:len(b)/2], 0o600)
			}
			restart()
			if st, got := schemaStates(t, s.gateway); st != http.StatusOK || got != tt.want {
				t.Errorf("/readyz after the restart: %d %s, want 200 %s", st, got, tt.want)
			}
			cached := !tt.spoil
			if got := slices.Contains(fields(t, s.gateway), "products"); got != cached {
				t.Errorf("Query.products in the schema after the restart: %v, want %v", got, cached)
			}
			r, err := post(s.gateway.url(), ownersQuery, nil, nil)
			if cached {
				if err != nil || string(r.Data) != "null" || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "SUBGRAPH_UNAVAILABLE" {
					t.Errorf("products from its cached schema while it is down: %v %s %+v, want SUBGRAPH_UNAVAILABLE", err, r.Data, r.Errors)
				}
			} else if err != nil || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("products without a schema for it: %v %+v, want a validation error", err, r.Errors)
			}
			if len(tt.down) == 1 && !whole(s.gateway.url(), usersQuery) {
				t.Error("users does not answer while products is down")
			}
			for _, p := range tt.down {
				if p.running() {
					t.Fatalf("%s runs: the test proves nothing", p.name)
				}
			}

			for _, p := range tt.down {
				p.start()
			}
			eventually(t, 10*time.Second, "the whole answer after the subgraphs start", full)
			eventually(t, 10*time.Second, "/readyz says loaded", func() bool {
				_, got := schemaStates(t, s.gateway)
				return got == "users=loaded products=loaded"
			})
		})
	}
}
