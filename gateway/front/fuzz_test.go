package front_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// errorCounter is a slog handler that counts error records: the front logs an error for
// every panic it recovers.
type errorCounter struct{ n atomic.Int64 }

func (h *errorCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *errorCounter) Handle(context.Context, slog.Record) error {
	h.n.Add(1)
	return nil
}
func (h *errorCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorCounter) WithGroup(string) slog.Handler      { return h }

// FuzzFront sends arbitrary bodies, content types, Accept headers and methods through the
// handler with a trivial executor: it must never panic, always answer a status from the
// expected set, and answer valid JSON whenever it answers a JSON media type.
func FuzzFront(f *testing.F) {
	seeds := []struct {
		method      uint8
		ct, accept  string
		query, body string
	}{
		{1, "application/json", "", "", `{"query":"{ hello }"}`},
		{1, "application/json", mediaGQL, "", `[{"query":"{ hello }"},{"query":"{"}]`},
		{1, "application/json", "", "", `{"query":"query($a: Boolean!) { ... @include(if: $a) { hello } ... { tags } }","variables":{"a":true}}`},
		{1, "application/json", "", "", `{"query":"{ ...A } fragment A on Query { ...A }"}`},
		{1, "application/json", "", "", `{"query":"{ products(first: 100000) { edges { node { related { id } } } } }"}`},
		{1, "application/json", "", "", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"x"}}}`},
		{1, "application/json", "", "", `{"query":"{ hello }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + helloHash + `"}}}`},
		{1, "application/json", "", "", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + helloHash + `"}}}`},
		{0, "", "", "extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22" + helloHash + "%22%7D%7D", ""},
		{1, "application/json", "", "", `{"query":"query($f: Int) { products(first: $f) { edges { cursor } } }","variables":{"f":2.0}}`},
		{1, "text/plain", "*/*", "", `{"query":"mutation { setGreeting(text: \"x\") }"}`},
		{0, "", "", "query=%7B%20hello%20%7D&variables=%7B%7D", ""},
		{0, "", "text/html", "", ""},
		{0, "", mediaGQL, "query=mutation%7BsetGreeting(text%3A%22x%22)%7D", ""},
		{2, "application/json", "", "", "{}"},
		{3, "", "", "", ""},
		{1, "application/json; charset=utf-8", "application/json;q=0.1, application/graphql-response+json;q=0.2", "", `{"query":"{ __schema { types { name } } }"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.ct, s.accept, s.query, []byte(s.body))
	}
	schema := testSchema(f)
	counter := &errorCounter{}
	cfg := front.DefaultConfig()
	cfg.Playground = false // its page is HTML; the fuzzer targets /graphql
	h, err := front.New(cfg, func() *ast.Schema { return schema }, &trivialExecutor{}, slog.New(counter))
	if err != nil {
		f.Fatal(err)
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodOptions, http.MethodPut, http.MethodHead}
	allowed := map[int]bool{200: true, 204: true, 400: true, 403: true, 405: true, 406: true, 413: true, 414: true, 415: true, 431: true}

	f.Fuzz(func(t *testing.T, method uint8, ct, accept, rawQuery string, body []byte) {
		req := httptest.NewRequest(methods[int(method)%len(methods)], "/graphql", bytes.NewReader(body))
		if strings.ContainsAny(rawQuery, " #\x00\r\n") {
			rawQuery = ""
		}
		req.URL.RawQuery = rawQuery
		req.RequestURI = "/graphql?" + rawQuery
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		before := counter.n.Load()
		h.ServeHTTP(rec, req)

		if n := counter.n.Load() - before; n != 0 {
			t.Fatalf("the handler logged %d errors (a recovered panic?) for %q %q: %s", n, ct, body, rec.Body.Bytes())
		}
		if !allowed[rec.Code] {
			t.Fatalf("status %d is not in the expected set: %s", rec.Code, rec.Body.Bytes())
		}
		media := rec.Header().Get("Content-Type")
		if strings.HasPrefix(media, "application/json") || strings.HasPrefix(media, mediaGQL) {
			if req.Method == http.MethodHead {
				return
			}
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatalf("a %s answer is not JSON: %v: %q", media, err, rec.Body.Bytes())
			}
			switch v := v.(type) {
			case map[string]any:
				if _, ok := v["data"]; !ok && v["errors"] == nil {
					t.Fatalf("a response object has neither data nor errors: %s", rec.Body.Bytes())
				}
			case []any:
			default:
				t.Fatalf("the answer is neither an object nor an array: %s", rec.Body.Bytes())
			}
		} else if rec.Code != http.StatusNoContent && rec.Code != http.StatusForbidden {
			t.Fatalf("status %d with Content-Type %q, want a JSON media type", rec.Code, media)
		}
	})
}
