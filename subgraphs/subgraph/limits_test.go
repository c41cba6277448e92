package subgraph

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// TestMaxRepresentationsAdmitGatewayBatches checks that a subgraph admits the largest
// lookup request the gateway sends: the gateway sends at most -max-lookups-per-request
// representations in one request (gateway.DefaultMaxBatch by default).
func TestMaxRepresentationsAdmitGatewayBatches(t *testing.T) {
	if DefaultMaxRepresentations < gateway.DefaultMaxBatch {
		t.Errorf("DefaultMaxRepresentations = %d, below the gateway's lookup chunk %d: a subgraph would refuse the gateway's batches",
			DefaultMaxRepresentations, gateway.DefaultMaxBatch)
	}
	if DefaultMaxResponseBytes != gateway.DefaultMaxSubgraphResponseBytes {
		t.Errorf("DefaultMaxResponseBytes = %d, the gateway reads at most %d of a subgraph's answer: the two caps should agree",
			DefaultMaxResponseBytes, gateway.DefaultMaxSubgraphResponseBytes)
	}
	if got := DefaultLimits().MaxRepresentations; got != DefaultMaxRepresentations {
		t.Errorf("DefaultLimits().MaxRepresentations = %d, want %d", got, DefaultMaxRepresentations)
	}
}

// TestZeroLimitsAreRefused checks that a zero limit is refused, naming its flag, rather
// than taken for its default, and that each flag defaults to the limit it is bound to.
func TestZeroLimitsAreRefused(t *testing.T) {
	err := Limits{}.Validate()
	for _, name := range []string{"max-body-bytes", "max-depth", "max-selections", "max-complexity", "request-timeout", "max-representations", "max-response-bytes"} {
		if err == nil || !strings.Contains(err.Error(), name+" must be positive") {
			t.Errorf("Limits{}.Validate() = %v, lacks %s", err, name)
		}
	}
	if err := DefaultLimits().Validate(); err != nil {
		t.Errorf("DefaultLimits().Validate() = %v", err)
	}
	lim := DefaultLimits()
	lim.MaxDepth = 7
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	lim.RegisterFlags(fs)
	if got := fs.Lookup("max-depth").DefValue; got != "7" {
		t.Errorf("-max-depth default = %s, want the limit's 7", got)
	}
}

// TestResponseCap serves handlers that write answers of several sizes through the
// request limits, over HTTP, with a cap of 1000 bytes: an answer up to the cap is sent
// as written; a larger one is answered 200 with data null and one RESPONSE_TOO_LARGE
// error, and the handler's context ends at its first write past the cap, so that its
// work stops there.
func TestResponseCap(t *testing.T) {
	tests := []struct {
		name   string
		chunks []int
		want   string // code, or "" for the answer as written
	}{
		{"at the cap", []int{600, 400}, ""},
		{"one byte past it", []int{600, 401}, errcode.ResponseTooLarge},
		{"past it in one write", []int{5000}, errcode.ResponseTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stopped := make(chan bool, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for _, n := range tt.chunks {
					if _, err := w.Write([]byte(strings.Repeat("x", n))); err != nil {
						break
					}
				}
				stopped <- r.Context().Err() != nil
			})
			lim := DefaultLimits()
			lim.MaxResponseBytes = 1000
			srv := httptest.NewServer(lim.protect(h, slog.New(slog.DiscardHandler)))
			defer srv.Close()
			resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"query":"{ x }"}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ended := <-stopped
			if tt.want == "" {
				total := 0
				for _, n := range tt.chunks {
					total += n
				}
				if resp.StatusCode != http.StatusOK || len(body) != total || ended {
					t.Errorf("got %d, %d bytes, context ended %v; want 200, %d bytes, context alive", resp.StatusCode, len(body), ended, total)
				}
				return
			}
			var r struct {
				Data   *json.RawMessage `json:"data"`
				Errors []struct {
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal(body, &r); err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != tt.want || r.Data != nil {
				t.Errorf("got %d %.200s, want 200, data null and one %s error", resp.StatusCode, body, tt.want)
			}
			if !ended {
				t.Error("the handler's context did not end at its write past the cap")
			}
		})
	}
}

// TestGrowPage checks that GrowPage counts a page's objects and the texts of the fields
// its field selects, and that a page past MaxResponseBytes stops the request's work.
func TestGrowPage(t *testing.T) {
	type item struct{ id, name string }
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { items: [Item!]! }
		type Item { id: ID! name: String! }`})
	texts := []Text[item]{
		{Field: "id", Of: func(it item) string { return it.id }},
		{Field: "name", Of: func(it item) string { return it.name }},
	}
	items := []item{{"a", "xyz"}, {"bc", "w"}}
	tests := []struct {
		query string
		want  int64
	}{
		{`{ items { __typename } }`, 2 * 2},
		{`{ items { id } }`, 2*2 + 2*(2+5) + 3},
		{`{ items { id name } }`, 2*2 + 2*(2+5) + 3 + 2*(4+5) + 4},
	}
	for _, tt := range tests {
		doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
		if errs != nil {
			t.Fatal(errs)
		}
		field := doc.Operations[0].SelectionSet[0].(*ast.Field)
		var stopped error
		w := &work{max: tt.want, abort: func(err error) { stopped = err }}
		ctx := context.WithValue(context.Background(), workKey{}, w)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: field, Selections: field.SelectionSet}})
		GrowPage(ctx, items, texts...)
		if got := w.bytes.Load(); got != tt.want || stopped != nil {
			t.Errorf("%s: counted %d bytes (stopped: %v), want %d", tt.query, got, stopped, tt.want)
		}
		GrowPage(ctx, items[:1], texts...)
		if !errors.Is(stopped, errResponseTooLarge) {
			t.Errorf("%s: a page past the cap stopped the work with %v, want errResponseTooLarge", tt.query, stopped)
		}
	}
}

// TestAnswerBuffer checks the room AnswerBuffer makes: three times what the request
// counted towards its answer, at least minAnswerBuffer, at most the response cap.
func TestAnswerBuffer(t *testing.T) {
	tests := []struct {
		name         string
		counted, max int64
		work         bool
		wantCap      int
	}{
		{"outside a request", 0, 0, false, minAnswerBuffer},
		{"nothing counted", 0, 1 << 20, true, minAnswerBuffer},
		{"a page", 10_000, 1 << 20, true, 30_000},
		{"past the cap", 1 << 20, 1 << 20, true, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.work {
				w := &work{max: tt.max, abort: func(error) {}}
				w.bytes.Store(tt.counted)
				ctx = context.WithValue(ctx, workKey{}, w)
			}
			if b := AnswerBuffer(ctx); b.Cap() != tt.wantCap || b.Len() != 0 {
				t.Errorf("cap %d, len %d; want %d, 0", b.Cap(), b.Len(), tt.wantCap)
			}
		})
	}
}

// TestServeWithTimeout serves through serveWithTimeout, over real HTTP, a handler that
// answers at once, one that waits on its context, and one that panics: the first's
// answer is the response with its header, the second gets 504 REQUEST_TIMEOUT, and the
// third's panic reaches the caller.
func TestServeWithTimeout(t *testing.T) {
	const d = 50 * time.Millisecond
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantBody   string
	}{
		{"in time", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-From", "handler")
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, "answer")
		}, http.StatusAccepted, "answer"},
		{"in time, larger than net/http buffers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-From", "handler")
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, "answer"+strings.Repeat(" ", 16<<10))
		}, http.StatusAccepted, "answer"},
		{"past its time", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // ends a little after d: the refusal is written first
			_, _ = io.WriteString(w, "too late")
		}, http.StatusGatewayTimeout, errcode.RequestTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				serveWithTimeout(w, r, tt.handler, d, 1<<20)
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %s, want %d with %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == http.StatusAccepted && resp.Header.Get("X-From") != "handler" {
				t.Errorf("the handler's header was not kept: %v", resp.Header)
			}
			// The whole answer is known before its first byte is written: it goes with
			// its length, not in chunks, so that the client has all of it once the
			// body's last byte arrives, not once a closing chunk follows.
			if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) > 0 {
				t.Errorf("Content-Length %d, Transfer-Encoding %v; want the body's length, %d, and no chunks", resp.ContentLength, resp.TransferEncoding, len(body))
			}
		})
	}
	t.Run("panic", func(t *testing.T) {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the handler's panic", r)
			}
		}()
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		serveWithTimeout(httptest.NewRecorder(), r, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom")
		}), d, 1<<20)
	})
}
