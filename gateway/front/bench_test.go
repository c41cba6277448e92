package front_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// onlyReader hides a reader's other methods, so that the request has no known length.
type onlyReader struct{ io.Reader }

// BenchmarkReject measures what refusing the largest hostile requests costs the gateway,
// through the whole handler (no network). Each sub-benchmark checks its refusal code once.
// The document cache is off: it would answer a repeated hostile query from memory, but an
// attacker can make every query text new, so the uncached cost is the one that matters.
func BenchmarkReject(b *testing.B) {
	schema := testSchema(b)
	cfg := front.DefaultConfig()
	cfg.DocumentCacheSize = 0
	h, err := front.New(cfg, func() *ast.Schema { return schema }, &trivialExecutor{}, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	mib := bytes.Repeat([]byte(" "), 1<<20)
	copy(mib, `{"query":"{ hello }",   `)
	mib[len(mib)-1] = '}'
	tokens100k := []byte(queryBody(b, "{ "+strings.Repeat("a ", 100000)+"}"))
	overlap := []byte(queryBody(b, `{ products { edges { node { `+strings.Repeat("id ", 9000)+`} } } }`))
	deepParser := []byte(queryBody(b, strings.Repeat("{ a ", 5000)+strings.Repeat("}", 5000)))
	deep := []byte(queryBody(b, deepQuery(200)))
	aliases := []byte(queryBody(b, `{ `+repeat("a%d: hello", 3000)+` }`))
	fragments := []byte(queryBody(b, fragmentBomb(60, "hello")))
	cost := []byte(queryBody(b, `{ products(first: 100000) { edges { node { related(first: 100000) { id } } } } }`))
	batch := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"query":"{ hello }"},`, 10000), ",") + "]")

	tests := []struct {
		name    string
		body    []byte
		chunked bool
		code    string
	}{
		{"body 1MiB declared", mib, false, errcode.BodyTooLarge},
		{"body 1MiB chunked", mib, true, errcode.BodyTooLarge},
		{"tokens 100k", tokens100k, false, errcode.TokenLimitExceeded},
		{"nesting 5000", deepParser, false, errcode.MaxDepthExceeded},
		{"depth 200", deep, false, errcode.MaxDepthExceeded},
		{"aliases 3000", aliases, false, errcode.MaxAliasesExceeded},
		{"fragment bomb 2^60", fragments, false, errcode.MaxRootFieldsExceeded},
		{"cost 10^10", cost, false, errcode.CostLimitExceeded},
		{"batch 10000", batch, false, errcode.BatchLimitExceeded},
		{"same field 9000 times", overlap, false, errcode.MaxFieldsExceeded},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			newReq := func() *http.Request {
				var r io.Reader = bytes.NewReader(tt.body)
				if tt.chunked {
					r = onlyReader{r}
				}
				req := httptest.NewRequest(http.MethodPost, "/graphql", r)
				if tt.chunked {
					req.ContentLength = -1
				}
				req.Header.Set("Content-Type", "application/json")
				return req
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newReq())
			if !strings.Contains(rec.Body.String(), `"`+tt.code+`"`) {
				b.Fatalf("got %d %s, want %s", rec.Code, rec.Body.String(), tt.code)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(tt.body)))
			b.ResetTimer()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), newReq())
			}
		})
	}
}

// BenchmarkHandler measures a served query through the whole handler (no network) with the
// static test executor, with the document cache on and off: a small query, and the README's
// product-with-owner query (with `price { amount currency }`, Money being an object type in
// the test graph).
func BenchmarkHandler(b *testing.B) {
	schema := testSchema(b)
	queries := []struct{ name, query string }{
		{"small", `{ hello }`},
		{"product-with-owner", `{ products(first: 3) { edges { node { id name price { amount currency } owner { name email } } } } }`},
	}
	for _, q := range queries {
		reqBody := []byte(queryBody(b, q.query))
		for _, cache := range []struct {
			name string
			size int
		}{{"cache-on", 1000}, {"cache-off", 0}} {
			b.Run(q.name+"/"+cache.name, func(b *testing.B) {
				cfg := front.DefaultConfig()
				cfg.DocumentCacheSize = cache.size
				h, err := front.New(cfg, func() *ast.Schema { return schema }, &staticExecutor{}, testLogger(b))
				if err != nil {
					b.Fatal(err)
				}
				newReq := func() *http.Request {
					req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(reqBody))
					req.Header.Set("Content-Type", "application/json")
					return req
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, newReq())
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"data"`) || strings.Contains(rec.Body.String(), `"errors"`) {
					b.Fatalf("got %d %s, want data", rec.Code, rec.Body.String())
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					h.ServeHTTP(httptest.NewRecorder(), newReq())
				}
			})
		}
	}
}

// fixedExecutor answers every operation with the same data.
type fixedExecutor struct{ data []byte }

func (e fixedExecutor) Execute(context.Context, *front.Operation) *front.Result {
	return &front.Result{Data: e.data}
}

// BenchmarkCompression serves a 100-product list answer (about 14 KiB, the shape of the
// whole graph's list with owners) as it is, as gzip and as zstd: what each costs the
// gateway per answer, and how many bytes go on the wire (wire-B/op).
func BenchmarkCompression(b *testing.B) {
	schema := testSchema(b)
	var data strings.Builder
	data.WriteString(`{"products":{"edges":[`)
	for i := range 100 {
		if i > 0 {
			data.WriteString(",")
		}
		fmt.Fprintf(&data, `{"node":{"id":"Product:01a21df1-6547-70d9-aaf5-%012d","name":"Product %d","price":{"amount":"%d.00","currency":"GBP"},"owner":{"name":"User %d","email":"user%d@example.com"}}}`, i, i, 10+i, i%17, i%17)
	}
	data.WriteString(`]}}`)
	reqBody := []byte(queryBody(b, `{ products(first: 100) { edges { node { id name price { amount currency } owner { name email } } } } }`))
	h, err := front.New(front.DefaultConfig(), func() *ast.Schema { return schema }, fixedExecutor{data: []byte(data.String())}, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range []string{"identity", "gzip", "zstd"} {
		b.Run(enc, func(b *testing.B) {
			newReq := func() *http.Request {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(reqBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept-Encoding", enc)
				return req
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newReq())
			if got := rec.Header().Get("Content-Encoding"); rec.Code != http.StatusOK || got != strings.TrimPrefix(enc, "identity") {
				b.Fatalf("got %d, Content-Encoding %q", rec.Code, got)
			}
			wire := rec.Body.Len()
			b.SetBytes(int64(data.Len()))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), newReq())
			}
			b.ReportMetric(float64(wire), "wire-B/op")
		})
	}
}
