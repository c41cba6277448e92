package interop

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/corpus"
	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// The operations the clients send (tools/web/clients.mjs takes them from the test).
var clientQueries = map[string]string{
	"list":           `query List { products(first: 8) { edges { node { id name price { amount currencyCode } owner { id name } } } } }`,
	"user":           `query User($id: ID!) { user(id: $id) { name email products(first: 10) { edges { node { name } } } } }`,
	"userByGet":      `query UserByGet($id: ID!) { user(id: $id) { name products(first: 5) { edges { node { name } } } } }`,
	"partial":        `query Partial($id: ID!) { user(id: $id) { name products(first: 0) { edges { cursor } } } }`,
	"invalid":        `query Invalid { products(first: 1) { edges { node { nope } } } }`,
	"create":         `mutation Create($in: CreateUserInput!) { createUser(input: $in) { id name } }`,
	"persisted":      `query Persisted($id: ID!) { user(id: $id) { name } }`,
	"productCreated": `subscription Created($owner: ID) { productCreated(ownerId: $owner) { id name owner { name } } }`,
	"createProduct":  `mutation CreateProduct($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
}

// clientReport is what clients.mjs prints for one scenario.
type clientReport struct {
	Thrown string
	Runs   []struct {
		Data  json.RawMessage
		Error *struct {
			Name    string
			Codes   []string
			Message string
		}
	}
	Exchanges []exchange
}

// exchange is one HTTP request a client made and its answer.
type exchange struct {
	Method          string
	Query, Hash     bool // the query text, a persisted query hash
	Status          int
	ContentEncoding string
}

// TestClients runs the graph's operations through Apollo Client 4 and urql 6 as a
// frontend does (tools/web/clients.mjs), and checks what each client saw: the gateway's
// own data for the same operation, errors whose codes the client exposes, the HTTP
// exchanges of its protocols (GET, automatic persisted queries over POST and GET, a
// persisted document by hash against a require-id gateway), and compressed answers.
func TestClients(t *testing.T) {
	nodeBin := node(t)
	g := startGraph(t)
	ids := corpus.Seed(t, g.gateway)
	script := filepath.Join(webtest.Dir(t), "clients.mjs")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node := func(args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, nodeBin, append([]string{script}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("clients.mjs %s: %v\n%s", args[0], err, webtest.Tail([]byte(stderr.String()), 2000))
		}
		return out
	}

	// The build step of a team using persisted documents: the manifest of what the
	// client sends, served by a gateway that runs nothing else.
	cfg, err := json.Marshal(map[string]any{"queries": clientQueries})
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(manifest, node("manifest", string(cfg)), 0o600); err != nil {
		t.Fatal(err)
	}
	fc := front.DefaultConfig()
	fc.PersistedDocuments, fc.PersistedDocumentsMode = manifest, front.DocumentsRequireID
	requireID := g.startGateway(t, fc)

	// The subscribers' products go to owners of their own, so that they change no other
	// scenario's data.
	withSubscribers := corpus.IDs{}
	for k, v := range ids {
		withSubscribers[k] = v
	}
	for _, u := range []struct{ key, name string }{{"subscriberA", "Subscriber A"}, {"subscriberB", "Subscriber B"}, {"subscriberC", "Subscriber C"}} {
		var d struct{ CreateUser struct{ ID string } }
		graphqltest.Post(t, g.gateway, graphqltest.Request{Query: `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			Variables: map[string]any{"in": map[string]any{"name": u.name, "email": u.key + "@example.com"}}}).Decode(t, &d)
		withSubscribers[u.key] = d.CreateUser.ID
	}
	cfg, err = json.Marshal(map[string]any{"url": g.gateway, "requireIdUrl": requireID, "ids": withSubscribers, "queries": clientQueries})
	if err != nil {
		t.Fatal(err)
	}
	out := node("run", string(cfg))
	var report map[string]clientReport
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("clients.mjs printed no report: %v", err)
	}
	checkSubscriptions(t, out)

	// direct is the gateway's own data for an operation, asked without a client.
	direct := func(query string, vars map[string]any) string {
		r := graphqltest.Post(t, g.gateway, graphqltest.Request{Query: query, Variables: vars})
		if len(r.Errors) > 0 {
			t.Fatalf("the gateway's own answer has errors: %s", r.Raw)
		}
		return canonical(t, r.Data)
	}
	var (
		post      = exchange{Method: "POST", Query: true, Status: 200}
		postError = exchange{Method: "POST", Query: true, Status: 400} // a request error under application/graphql-response+json
		gzipped   = func(e exchange) exchange { e.ContentEncoding = "gzip"; return e }
	)
	for _, tt := range []struct {
		scenario  string
		data      []string // each run's data, canonical; "" skips the check
		codes     [][]string
		errorName string
		exchanges []exchange
	}{
		{scenario: "apollo list", data: []string{direct(clientQueries["list"], nil)},
			exchanges: []exchange{gzipped(post)}},
		{scenario: "apollo variables", data: []string{direct(clientQueries["user"], map[string]any{"id": ids["ada"]})},
			exchanges: []exchange{post}},
		{scenario: "apollo partial", data: []string{`{"user":null}`}, codes: [][]string{{"BAD_USER_INPUT"}}, errorName: "CombinedGraphQLErrors",
			exchanges: []exchange{post}},
		{scenario: "apollo invalid", data: []string{`null`}, codes: [][]string{{errcode.ValidationFailed}}, errorName: "CombinedGraphQLErrors",
			exchanges: []exchange{postError}},
		{scenario: "apollo mutation", data: []string{""}, exchanges: []exchange{post}},
		{scenario: "apollo apq", data: repeat(direct(clientQueries["user"], map[string]any{"id": ids["grace"]}), 2),
			exchanges: []exchange{
				{Method: "POST", Hash: true, Status: 400}, // PERSISTED_QUERY_NOT_FOUND: Apollo resends with the text
				{Method: "POST", Query: true, Hash: true, Status: 200},
				{Method: "POST", Hash: true, Status: 200}, // registered: the hash alone is enough
			}},
		{scenario: "apollo apq over GET", data: repeat(direct(clientQueries["userByGet"], map[string]any{"id": ids["alan"]}), 2),
			exchanges: []exchange{
				{Method: "GET", Hash: true, Status: 400},
				{Method: "POST", Query: true, Hash: true, Status: 200},
				{Method: "GET", Hash: true, Status: 200},
			}},
		{scenario: "apollo persisted, require-id", data: []string{direct(clientQueries["persisted"], map[string]any{"id": ids["ada"]})},
			exchanges: []exchange{{Method: "POST", Hash: true, Status: 200}}},
		{scenario: "apollo text, require-id", data: []string{`null`}, codes: [][]string{{errcode.PersistedQueryIDRequired}}, errorName: "CombinedGraphQLErrors",
			exchanges: []exchange{postError}},
		{scenario: "urql list over GET", data: []string{direct(clientQueries["list"], nil)},
			exchanges: []exchange{gzipped(exchange{Method: "GET", Query: true, Status: 200})}},
		{scenario: "urql variables over POST", data: []string{direct(clientQueries["user"], map[string]any{"id": ids["katherine"]})},
			exchanges: []exchange{post}},
		{scenario: "urql invalid", data: []string{`null`}, codes: [][]string{{errcode.ValidationFailed}}, errorName: "CombinedError",
			exchanges: []exchange{postError}},
		{scenario: "urql mutation", data: []string{""}, exchanges: []exchange{post}},
	} {
		r, ok := report[tt.scenario]
		switch {
		case !ok:
			t.Errorf("%s: not in the report", tt.scenario)
			continue
		case r.Thrown != "":
			t.Errorf("%s: the client threw %s", tt.scenario, r.Thrown)
			continue
		case len(r.Runs) != len(tt.data):
			t.Errorf("%s: %d runs, want %d", tt.scenario, len(r.Runs), len(tt.data))
			continue
		}
		for i, run := range r.Runs {
			if tt.data[i] != "" {
				if got := canonical(t, run.Data); got != tt.data[i] {
					t.Errorf("%s, run %d: the client's data\n%s\nis not the gateway's\n%s", tt.scenario, i+1, ids.Mask([]byte(got)), ids.Mask([]byte(tt.data[i])))
				}
			}
			switch {
			case tt.codes == nil && run.Error != nil:
				t.Errorf("%s, run %d: the client reports an error: %+v", tt.scenario, i+1, *run.Error)
			case tt.codes != nil && run.Error == nil:
				t.Errorf("%s, run %d: the client reports no error, want codes %q", tt.scenario, i+1, tt.codes[i])
			case tt.codes != nil && (run.Error.Name != tt.errorName || !reflect.DeepEqual(run.Error.Codes, tt.codes[i])):
				t.Errorf("%s, run %d: the client reports %s %q, want %s %q", tt.scenario, i+1, run.Error.Name, run.Error.Codes, tt.errorName, tt.codes[i])
			}
		}
		if !reflect.DeepEqual(r.Exchanges, tt.exchanges) {
			t.Errorf("%s: exchanges\n%+v\nwant\n%+v", tt.scenario, r.Exchanges, tt.exchanges)
		}
	}

	// What the clients created is in the graph.
	for _, m := range []struct{ scenario, name string }{{"apollo mutation", "Client Apollo"}, {"urql mutation", "Client Urql"}} {
		r := report[m.scenario]
		if len(r.Runs) != 1 {
			continue
		}
		var created struct{ CreateUser struct{ ID, Name string } }
		if err := json.Unmarshal(r.Runs[0].Data, &created); err != nil || created.CreateUser.Name != m.name {
			t.Errorf("%s: created %s", m.scenario, r.Runs[0].Data)
			continue
		}
		if got := direct(`query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": created.CreateUser.ID}); got != `{"user":{"name":"`+m.name+`"}}` {
			t.Errorf("%s: the created user reads back as %s", m.scenario, got)
		}
	}
}

// checkSubscriptions judges the subscription scenarios: each client subscribed with its
// own transport (Apollo Client: multipart HTTP and graphql-ws; urql: GraphQL over SSE), created
// products while it listened, and must have received its owner's products, with the
// owner's name from the users subgraph, and no error.
func checkSubscriptions(t *testing.T, out []byte) {
	t.Helper()
	var report map[string]struct {
		Thrown, Failure string
		Events          []struct {
			ID, Name string
			Owner    *struct{ Name string }
		}
		Created   []string
		Exchanges []struct {
			Method, ContentType string
			Status              int
		}
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ scenario, owner, contentType string }{
		{"apollo subscription over multipart", "Subscriber A", "multipart/mixed"},
		{"urql subscription over SSE", "Subscriber B", "text/event-stream"},
		{"apollo subscription over graphql-ws", "Subscriber C", ""}, // no HTTP exchange: a WebSocket
	} {
		r, ok := report[tt.scenario]
		switch {
		case !ok:
			t.Errorf("%s: not in the report", tt.scenario)
			continue
		case r.Thrown != "" || r.Failure != "":
			t.Errorf("%s: %s%s", tt.scenario, r.Thrown, r.Failure)
			continue
		case len(r.Events) < 2:
			t.Errorf("%s: %d events, want 2 (created %q)", tt.scenario, len(r.Events), r.Created)
			continue
		}
		for _, ev := range r.Events {
			if !slices.Contains(r.Created, ev.Name) || !strings.HasPrefix(ev.ID, "Product:") || ev.Owner == nil || ev.Owner.Name != tt.owner {
				t.Errorf("%s: event %+v, want one of %q owned by %s", tt.scenario, ev, r.Created, tt.owner)
			}
		}
		streamed := tt.contentType == ""
		for _, e := range r.Exchanges {
			if e.Method == "POST" && e.Status == 200 && e.ContentType == tt.contentType {
				streamed = true
			}
		}
		if !streamed {
			t.Errorf("%s: no POST answered 200 with %s: %+v", tt.scenario, tt.contentType, r.Exchanges)
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// canonical is JSON without the __typename fields Apollo Client's cache adds, with its
// objects' keys sorted, so that a client's data and the gateway's compare.
func canonical(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 {
		return "null"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	var strip func(any) any
	strip = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "__typename")
			for k, e := range v {
				v[k] = strip(e)
			}
		case []any:
			for i, e := range v {
				v[i] = strip(e)
			}
		}
		return v
	}
	b, err := json.Marshal(strip(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
