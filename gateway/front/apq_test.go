package front_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// helloHash is the SHA-256 of `{ hello }`.
const helloHash = "001c3174e099bd72b729d0c0a529ba9f5a740c446e2a6e1d71b283cb84ec3065"

func sha(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// apqRequest is one step of a persisted query exchange.
type apqRequest struct {
	get           bool
	query         string // "" sends the hash alone
	hash          string
	operationName string
	variables     string // JSON
	extensions    string // JSON; default: the persisted query extension of hash
}

// send sends r to srv with accept and returns the decoded response and its status.
func (r apqRequest) send(t *testing.T, srv, accept string) (httpResult, gqlResponse) {
	t.Helper()
	ext := r.extensions
	if ext == "" {
		ext = `{"persistedQuery":{"version":1,"sha256Hash":"` + r.hash + `"}}`
	}
	var res httpResult
	if r.get {
		v := url.Values{"extensions": {ext}}
		if r.query != "" {
			v.Set("query", r.query)
		}
		if r.operationName != "" {
			v.Set("operationName", r.operationName)
		}
		if r.variables != "" {
			v.Set("variables", r.variables)
		}
		res = do(t, http.MethodGet, srv+"/graphql?"+v.Encode(), "", accept, http.NoBody, nil)
	} else {
		m := map[string]json.RawMessage{"extensions": json.RawMessage(ext)}
		if r.query != "" {
			m["query"] = json.RawMessage(quote(r.query))
		}
		if r.operationName != "" {
			m["operationName"] = json.RawMessage(quote(r.operationName))
		}
		if r.variables != "" {
			m["variables"] = json.RawMessage(r.variables)
		}
		res = do(t, http.MethodPost, srv+"/graphql", mediaJSON, accept, jsonBody(t, m), nil)
	}
	return res, decode(t, res)
}

// TestAPQProtocol walks the exchanges of Apollo's automatic persisted queries protocol, step
// by step on one server, under both media types: each step's status, code, message, data and
// whether the executor ran.
func TestAPQProtocol(t *testing.T) {
	products := `query P($n: Int) { products(first: $n) { edges { node { id } } } }`
	mutation := `mutation { setGreeting(text: "apq") }`
	invalid := `{ nope }`
	type step struct {
		name string
		req  apqRequest
		// status is the HTTP status whatever the media type; 0 is a request error
		// (200 application/json, 400 application/graphql-response+json) or, with no code, 200.
		status  int
		code    string
		message string
		data    string // wanted data when code is ""
	}
	steps := []step{
		{name: "unknown hash", req: apqRequest{hash: helloHash},
			code: errcode.PersistedQueryNotFound, message: "PersistedQueryNotFound"},
		{name: "unknown hash over GET", req: apqRequest{get: true, hash: helloHash},
			code: errcode.PersistedQueryNotFound, message: "PersistedQueryNotFound"},
		{name: "hash and a query it is not the hash of", req: apqRequest{query: `{ tags }`, hash: helloHash},
			status: http.StatusBadRequest, code: errcode.PersistedQueryHashMismatch},
		{name: "a mismatch stored nothing", req: apqRequest{hash: helloHash},
			code: errcode.PersistedQueryNotFound},
		{name: "hash and query: registered and run", req: apqRequest{query: `{ hello }`, hash: helloHash},
			data: `{"hello":"Hello, world!"}`},
		{name: "hash alone now runs the stored query", req: apqRequest{hash: helloHash},
			data: `{"hello":"Hello, world!"}`},
		{name: "and over GET", req: apqRequest{get: true, hash: helloHash},
			data: `{"hello":"Hello, world!"}`},
		// Apollo Client with useGETForHashedQueries: GET with the hash, a miss, then POST with
		// the query, then GET hits; variables and operationName travel each time.
		{name: "client: GET miss", req: apqRequest{get: true, hash: sha(products), operationName: "P", variables: `{"n":1}`},
			code: errcode.PersistedQueryNotFound},
		{name: "client: POST registers", req: apqRequest{query: products, hash: sha(products), operationName: "P", variables: `{"n":1}`},
			data: `{"products":{"edges":[{"node":{"id":"Product:1"}}]}}`},
		{name: "client: GET hit with other variables", req: apqRequest{get: true, hash: sha(products), operationName: "P", variables: `{"n":2}`},
			data: `{"products":{"edges":[{"node":{"id":"Product:1"}},{"node":{"id":"Product:2"}}]}}`},
		{name: "the stored query is checked like any: bad variables", req: apqRequest{get: true, hash: sha(products), variables: `{"n":"2"}`},
			code: errcode.BadUserInput},
		// A stored mutation runs over POST, never over GET.
		{name: "mutation registered over POST", req: apqRequest{query: mutation, hash: sha(mutation)},
			data: `{"setGreeting":"apq"}`},
		{name: "stored mutation over GET", req: apqRequest{get: true, hash: sha(mutation)},
			status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed},
		{name: "mutation with its hash over GET is not run", req: apqRequest{get: true, query: mutation, hash: sha(mutation)},
			status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed},
		// Only queries that validate are stored.
		{name: "invalid query with its hash", req: apqRequest{query: invalid, hash: sha(invalid)},
			code: errcode.ValidationFailed},
		{name: "the invalid query was not stored", req: apqRequest{hash: sha(invalid)},
			code: errcode.PersistedQueryNotFound},
		// Malformed extensions: 400 under either media type.
		{name: "version 2", req: apqRequest{extensions: `{"persistedQuery":{"version":2,"sha256Hash":"` + helloHash + `"}}`},
			status: http.StatusBadRequest, code: errcode.PersistedQueryVersionNotSupported},
		{name: "version as a string", req: apqRequest{extensions: `{"persistedQuery":{"version":"1","sha256Hash":"` + helloHash + `"}}`},
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "no version", req: apqRequest{extensions: `{"persistedQuery":{"sha256Hash":"` + helloHash + `"}}`},
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "no hash", req: apqRequest{query: `{ hello }`, extensions: `{"persistedQuery":{"version":1}}`},
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "upper-case hash", req: apqRequest{hash: strings.ToUpper(helloHash)},
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "hash is a number", req: apqRequest{extensions: `{"persistedQuery":{"version":1,"sha256Hash":1}}`},
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "persistedQuery is a string", req: apqRequest{query: `{ hello }`, extensions: `{"persistedQuery":"` + helloHash + `"}`},
			status: http.StatusBadRequest, code: errcode.PersistedQueryInvalid},
		{name: "persistedQuery null is no persisted query", req: apqRequest{query: `{ tags }`, extensions: `{"persistedQuery":null}`},
			data: `{"tags":["a","b"]}`},
	}
	for _, accept := range []string{mediaJSON, mediaGQL} {
		t.Run(accept, func(t *testing.T) {
			exec := newStaticExecutor(t)
			srv := newServer(t, front.DefaultConfig(), exec)
			for _, st := range steps {
				before := exec.calls.Load()
				res, g := st.req.send(t, srv.URL, accept)
				want := st.status
				if want == 0 {
					want = http.StatusOK
					if st.code != "" && accept == mediaGQL {
						want = http.StatusBadRequest
					}
				}
				if res.status != want {
					t.Errorf("%s: status got %d, want %d: %s", st.name, res.status, want, res.body)
				}
				if got := res.header.Get("Content-Type"); !strings.HasPrefix(got, accept) {
					t.Errorf("%s: Content-Type got %q, want %s", st.name, got, accept)
				}
				ran := exec.calls.Load() > before
				if st.code != "" {
					if g.code() != st.code || len(g.Errors) != 1 {
						t.Errorf("%s: got errors %+v, want one %s", st.name, g.Errors, st.code)
					}
					if st.message != "" && (len(g.Errors) == 0 || g.Errors[0].Message != st.message) {
						t.Errorf("%s: message got %+v, want %q", st.name, g.Errors, st.message)
					}
					if ran {
						t.Errorf("%s: the executor ran a refused request", st.name)
					}
					if got := res.header.Get("Cache-Control"); got != "no-store" {
						t.Errorf("%s: Cache-Control got %q, want no-store (a miss must not be cached)", st.name, got)
					}
					continue
				}
				if len(g.Errors) != 0 || !ran {
					t.Errorf("%s: got errors %+v (executor ran: %v), want data", st.name, g.Errors, ran)
					continue
				}
				jsonEq(st.data)(t, g.Data)
			}
		})
	}
}

// TestAPQOff checks that with APQ off any persistedQuery extension is refused with the code
// and message on which Apollo clients stop sending hashes, even alongside the query.
func TestAPQOff(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.APQ = false
	exec := newStaticExecutor(t)
	srv := newServer(t, cfg, exec)
	for _, req := range []apqRequest{
		{hash: helloHash},
		{query: `{ hello }`, hash: helloHash},
		{get: true, hash: helloHash},
		{extensions: `{"persistedQuery":{"version":9}}`},
	} {
		for _, accept := range []string{mediaJSON, mediaGQL} {
			res, g := req.send(t, srv.URL, accept)
			want := map[string]int{mediaJSON: http.StatusOK, mediaGQL: http.StatusBadRequest}[accept]
			if res.status != want || g.code() != errcode.PersistedQueryNotSupported ||
				len(g.Errors) != 1 || g.Errors[0].Message != "PersistedQueryNotSupported" {
				t.Errorf("%+v %s: got %d %s, want %d PERSISTED_QUERY_NOT_SUPPORTED / PersistedQueryNotSupported", req, accept, res.status, res.body, want)
			}
		}
	}
	if n := exec.calls.Load(); n != 0 {
		t.Errorf("executor called %d times, want 0", n)
	}
	// Without the extension the query runs as usual.
	if _, g := (apqRequest{query: `{ hello }`, extensions: `{}`}).send(t, srv.URL, mediaJSON); len(g.Errors) != 0 {
		t.Errorf("plain query with APQ off: %+v", g.Errors)
	}
}

// TestAPQStoreBounds checks that the store drops the least recently used query past its
// entry bound, and never stores a query longer than its byte bound (which still runs).
func TestAPQStoreBounds(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.APQCacheSize = 2
	cfg.APQCacheBytes = 200
	srv := newServer(t, cfg, newStaticExecutor(t))
	queries := []string{`{ hello }`, `{ tags }`, `{ hello tags }`}
	register := func(q string) {
		t.Helper()
		if _, g := (apqRequest{query: q, hash: sha(q)}).send(t, srv.URL, mediaJSON); len(g.Errors) != 0 {
			t.Fatalf("register %s: %+v", q, g.Errors)
		}
	}
	known := func(q string) bool {
		t.Helper()
		_, g := (apqRequest{hash: sha(q)}).send(t, srv.URL, mediaJSON)
		return g.code() != errcode.PersistedQueryNotFound
	}
	register(queries[0])
	register(queries[1])
	if !known(queries[0]) { // and makes it the most recently used
		t.Fatalf("%s: not stored", queries[0])
	}
	register(queries[2])
	if known(queries[1]) {
		t.Errorf("%s: still stored past the entry bound, want it evicted as least recently used", queries[1])
	}
	if !known(queries[0]) || !known(queries[2]) {
		t.Errorf("the two most recently used queries should be stored")
	}

	long := `{ hello(name: "` + strings.Repeat("x", 300) + `") }`
	if _, g := (apqRequest{query: long, hash: sha(long)}).send(t, srv.URL, mediaJSON); len(g.Errors) != 0 {
		t.Fatalf("a query over the byte bound must still run: %+v", g.Errors)
	}
	if known(long) {
		t.Errorf("a %d-byte query was stored by a store bounded to %d bytes", len(long), cfg.APQCacheBytes)
	}
	if !known(queries[0]) || !known(queries[2]) {
		t.Errorf("a query too long to store must not evict the others")
	}
}

// TestAPQInBatch checks that each element of a batch follows the protocol on its own.
func TestAPQInBatch(t *testing.T) {
	srv := newServer(t, front.DefaultConfig(), newStaticExecutor(t))
	batch := `[` +
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + helloHash + `"}}},` +
		`{"query":"{ hello }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + helloHash + `"}}},` +
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + helloHash + `"}}}]`
	r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(batch), nil)
	var got []gqlResponse
	if err := json.Unmarshal(r.body, &got); err != nil || len(got) != 3 {
		t.Fatalf("got %d %s, want 3 results", r.status, r.body)
	}
	if c := got[0].code(); c != errcode.PersistedQueryNotFound {
		t.Errorf("element 0: code %q, want %s", c, errcode.PersistedQueryNotFound)
	}
	for i := 1; i < 3; i++ {
		if string(got[i].Data) != `{"hello":"Hello, world!"}` {
			t.Errorf("element %d: got %s", i, r.body)
		}
	}
}
