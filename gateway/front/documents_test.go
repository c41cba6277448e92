package front_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// The clients' documents in the tests' lists.
const (
	helloDoc = `query Hello { hello }`
	greetDoc = `mutation Greet($text: String!) { setGreeting(text: $text) }`
)

// apolloManifest is the two documents as @apollo/generate-persisted-query-manifest
// writes them.
func apolloManifest(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"format": "apollo-persisted-query-manifest", "version": 1,
		"operations": []map[string]string{
			{"id": sha256Hex(helloDoc), "name": "Hello", "type": "query", "body": helloDoc},
			{"id": sha256Hex(greetDoc), "name": "Greet", "type": "mutation", "body": greetDoc},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "documents.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestParseDocuments reads both formats and refuses a list with any bad entry, naming it.
func TestParseDocuments(t *testing.T) {
	d, err := front.ParseDocuments(apolloManifest(t))
	if err != nil || d.Len() != 2 {
		t.Fatalf("Apollo manifest: %v, %d documents", err, d.Len())
	}
	d, err = front.ParseDocuments([]byte(`{"hello-1": "query Hello { hello }", "c0ffee": "{ tags }"}`))
	if err != nil || d.Len() != 2 {
		t.Fatalf("object of id to document: %v, %d documents", err, d.Len())
	}
	for _, tt := range []struct{ name, in, want string }{
		{"empty", ``, "not a JSON object"},
		{"an array", `["{ hello }"]`, "not a JSON object"},
		{"not JSON", `{"a": `, "not valid JSON"},
		{"no documents", `{}`, "no documents"},
		{"another manifest format", `{"format": "relay", "version": 1, "operations": []}`, `format "relay"`},
		{"another manifest version", `{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}`, "version 2"},
		{"a manifest without operations", `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []}`, "no documents"},
		{"an operation without an id", `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"body": "{ hello }"}]}`, "document 1: id"},
		{"an id given twice", `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a", "body": "{ hello }"}, {"id": "a", "body": "{ tags }"}]}`, `"a": listed twice`},
		{"a value that is not text", `{"a": {"body": "{ hello }"}}`, `"a": its value must be`},
		{"an empty text", `{"a": "  "}`, `"a": empty text`},
		{"a text that does not parse", `{"a": "{ hello", "b": "query {"}`, `document "a"`},
		{"an id with a space", `{"a b": "{ hello }"}`, "printable"},
		{"an id too long", `{"` + strings.Repeat("x", 257) + `": "{ hello }"}`, "1 to 256"},
	} {
		_, err := front.ParseDocuments([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParseDocuments = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	// Every bad entry is reported, not only the first.
	_, err = front.ParseDocuments([]byte(`{"a": "{ hello", "b": "query {"}`))
	if err == nil || !strings.Contains(err.Error(), `"a"`) || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("two bad documents: %v, want both named", err)
	}
}

// TestPersistedDocumentsConfig: a mode that needs a list refuses to start without one, an
// unknown mode is refused, and a bad list stops New with the file named.
func TestPersistedDocumentsConfig(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.PersistedDocumentsMode = front.DocumentsSafelist
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "needs a list") {
		t.Errorf("safelist without a list: %v", err)
	}
	cfg.PersistedDocumentsMode = "strict"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "persisted-documents-mode") {
		t.Errorf("unknown mode: %v", err)
	}
	cfg = front.DefaultConfig()
	cfg.PersistedDocuments = writeFile(t, []byte(`{"a": "{ hello"}`))
	schema := testSchema(t)
	_, err := front.New(cfg, func() *ast.Schema { return schema }, newStaticExecutor(t), testLogger(t))
	if err == nil || !strings.Contains(err.Error(), cfg.PersistedDocuments) {
		t.Errorf("New with a bad list: %v, want an error naming the file", err)
	}
}

// TestPersistedDocuments runs the same requests against the three modes, over both list
// formats: ids always run their documents (by documentId, over POST and GET, or by
// Apollo's persisted query hash), and text runs, or is refused with its code, as the
// mode says. A refused request never reaches the executor.
func TestPersistedDocuments(t *testing.T) {
	other := `{ tags }` // in no list
	helloID, greetID := sha256Hex(helloDoc), sha256Hex(greetDoc)
	flat, err := json.Marshal(map[string]string{helloID: helloDoc, greetID: greetDoc})
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string][]byte{"apollo manifest": apolloManifest(t), "id to document": flat}
	const ok = "" // the request runs

	for listName, list := range lists {
		for _, mode := range []string{front.DocumentsAllow, front.DocumentsSafelist, front.DocumentsRequireID} {
			t.Run(listName+"/"+mode, func(t *testing.T) {
				cfg := front.DefaultConfig()
				cfg.PersistedDocuments = writeFile(t, list)
				cfg.PersistedDocumentsMode = mode
				exec := newStaticExecutor(t)
				srv := newServer(t, cfg, exec)
				byMode := func(allow, safelist, requireID string) string {
					return map[string]string{front.DocumentsAllow: allow, front.DocumentsSafelist: safelist, front.DocumentsRequireID: requireID}[mode]
				}
				pq := func(hash string) map[string]any {
					return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
				}
				var runs int64
				for _, tt := range []struct {
					name   string
					get    url.Values     // a GET with this query string, when set
					body   map[string]any // else a POST of this body
					status int            // 0: 200
					code   string         // ok: the data below
					data   string
				}{
					{name: "documentId", body: map[string]any{"documentId": helloID}, data: `{"hello":"Hello, world!"}`},
					{name: "documentId over GET", get: url.Values{"documentId": {helloID}}, data: `{"hello":"Hello, world!"}`},
					{name: "a mutation's documentId with variables", body: map[string]any{"documentId": greetID, "variables": map[string]any{"text": "hi"}}, data: `{"setGreeting":"hi"}`},
					{name: "a mutation's documentId over GET", get: url.Values{"documentId": {greetID}}, status: http.StatusMethodNotAllowed, code: errcode.MethodNotAllowed},
					{name: "Apollo's hash of a listed document", body: map[string]any{"extensions": pq(helloID)}, data: `{"hello":"Hello, world!"}`},
					{name: "an unknown documentId", body: map[string]any{"documentId": sha256Hex(other)}, code: errcode.PersistedQueryNotFound},
					{name: "documentId and query", body: map[string]any{"documentId": helloID, "query": helloDoc}, status: http.StatusBadRequest, code: errcode.BadRequest},
					{name: "documentId and a persisted query hash", body: map[string]any{"documentId": helloID, "extensions": pq(helloID)}, status: http.StatusBadRequest, code: errcode.BadRequest},
					{name: "documentId that is not a string", body: map[string]any{"documentId": 7}, status: http.StatusBadRequest, code: errcode.BadRequest},
					{name: "an empty documentId", body: map[string]any{"documentId": ""}, status: http.StatusBadRequest, code: errcode.BadRequest},
					{name: "a listed document's text", body: map[string]any{"query": helloDoc},
						code: byMode(ok, ok, errcode.PersistedQueryIDRequired), data: `{"hello":"Hello, world!"}`},
					{name: "another text", body: map[string]any{"query": other},
						code: byMode(ok, errcode.PersistedQueryNotInList, errcode.PersistedQueryIDRequired), data: `{"tags":["a","b"]}`},
					{name: "a listed text with other spacing", body: map[string]any{"query": "query Hello {hello}"},
						code: byMode(ok, errcode.PersistedQueryNotInList, errcode.PersistedQueryIDRequired), data: `{"hello":"Hello, world!"}`},
					// Apollo Client's automatic persisted queries: the hash, then the hash
					// with the text; only in the allow mode does the text register.
					{name: "an unlisted hash", body: map[string]any{"extensions": pq(sha256Hex(other))}, code: errcode.PersistedQueryNotFound},
					{name: "an unlisted hash with its text", body: map[string]any{"query": other, "extensions": pq(sha256Hex(other))},
						code: byMode(ok, errcode.PersistedQueryNotInList, errcode.PersistedQueryIDRequired), data: `{"tags":["a","b"]}`},
					{name: "that hash again", body: map[string]any{"extensions": pq(sha256Hex(other))},
						code: byMode(ok, errcode.PersistedQueryNotFound, errcode.PersistedQueryNotFound), data: `{"tags":["a","b"]}`},
				} {
					var res httpResult
					if tt.get != nil {
						res = do(t, http.MethodGet, srv.URL+"/graphql?"+tt.get.Encode(), "", "", nil, nil)
					} else {
						res = do(t, http.MethodPost, srv.URL+"/graphql", "application/json", "", jsonBody(t, tt.body), nil)
					}
					want := tt.status
					if want == 0 {
						want = http.StatusOK
					}
					got := decode(t, res)
					if res.status != want || got.code() != tt.code {
						t.Errorf("%s: %d %q, want %d %q: %s", tt.name, res.status, got.code(), want, tt.code, res.body)
						continue
					}
					if tt.code == ok {
						runs++
						if string(got.Data) != tt.data {
							t.Errorf("%s: data %s, want %s", tt.name, got.Data, tt.data)
						}
					}
				}
				if n := exec.calls.Load(); n != runs {
					t.Errorf("the executor ran %d operations, want %d (the refused ones must not run)", n, runs)
				}
			})
		}
	}
}
