package front_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// rawClient does not ask for compression by itself nor undo it, so that the test sees
// exactly what the front sends.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// post sends body to url with the given request headers and reads the answer as it came.
func post(t *testing.T, url string, body []byte, hdr map[string]string) httpResult {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return httpResult{status: resp.StatusCode, header: resp.Header, body: b}
}

// uncompress undoes the Content-Encoding of an answer.
func uncompress(t *testing.T, r httpResult) []byte {
	t.Helper()
	switch enc := r.header.Get("Content-Encoding"); enc {
	case "":
		return r.body
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("gzip answer: %v", err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip answer: %v", err)
		}
		return b
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("zstd answer: %v", err)
		}
		defer zr.Close()
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("zstd answer: %v", err)
		}
		return b
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
		return nil
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bigQuery's answer is several KiB: five aliases of the fake product list.
func bigQuery() []byte {
	var q strings.Builder
	q.WriteString("{")
	for _, a := range []string{"a", "b", "c", "d", "e"} {
		q.WriteString(" " + a + ": products(first: 3) { edges { cursor node { id name price { amount currency } owner { id name email } } } }")
	}
	q.WriteString(" }")
	return []byte(`{"query":` + quote(q.String()) + `}`)
}

// TestResponseCompression: an answer of at least -compression-min-bytes is compressed
// with the coding the client prefers among zstd and gzip, and decodes to exactly the
// uncompressed answer; a client that takes neither, and a small answer, get it as it is.
func TestResponseCompression(t *testing.T) {
	exec := newStaticExecutor(t)
	srv := newServer(t, front.DefaultConfig(), exec)
	url := srv.URL + "/graphql"
	plain := post(t, url, bigQuery(), nil)
	if plain.status != http.StatusOK || len(plain.body) < 2048 || bytes.Contains(plain.body, []byte(`"errors"`)) {
		t.Fatalf("uncompressed answer: %d, %d bytes: %.300s", plain.status, len(plain.body), plain.body)
	}
	if enc := plain.header.Get("Content-Encoding"); enc != "" {
		t.Fatalf("a client that sent no Accept-Encoding got Content-Encoding %q", enc)
	}
	for _, tt := range []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"zstd", "zstd"},
		{"gzip, deflate, br, zstd", "zstd"}, // what Chromium sends: zstd is preferred when both are equal
		{"zstd;q=0.5, gzip", "gzip"},
		{"gzip;q=0", ""},
		{"br, deflate", ""},
		{"identity", ""},
	} {
		got := post(t, url, bigQuery(), map[string]string{"Accept-Encoding": tt.accept})
		if got.status != http.StatusOK {
			t.Errorf("Accept-Encoding %q: status %d", tt.accept, got.status)
			continue
		}
		if enc := got.header.Get("Content-Encoding"); enc != tt.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, enc, tt.want)
		}
		if !strings.Contains(strings.Join(got.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q lacks Accept-Encoding", tt.accept, got.header.Values("Vary"))
		}
		if ct := got.header.Get("Content-Type"); ct != plain.header.Get("Content-Type") {
			t.Errorf("Accept-Encoding %q: Content-Type %q, want %q", tt.accept, ct, plain.header.Get("Content-Type"))
		}
		if tt.want != "" && len(got.body) >= len(plain.body)/2 {
			t.Errorf("Accept-Encoding %q: %d bytes compressed from %d", tt.accept, len(got.body), len(plain.body))
		}
		if body := uncompress(t, got); !bytes.Equal(body, plain.body) {
			t.Errorf("Accept-Encoding %q: decoded answer differs from the uncompressed one:\n%.300s\nwant\n%.300s", tt.accept, body, plain.body)
		}
	}

	small := post(t, url, []byte(`{"query":"{ hello }"}`), map[string]string{"Accept-Encoding": "gzip, zstd"})
	if enc := small.header.Get("Content-Encoding"); enc != "" || string(small.body) != `{"data":{"hello":"Hello, world!"}}` {
		t.Errorf("a %d-byte answer: Content-Encoding %q, body %s; want it uncompressed", len(small.body), enc, small.body)
	}

	cfg := front.DefaultConfig()
	cfg.Compression = false
	off := newServer(t, cfg, newStaticExecutor(t))
	got := post(t, off.URL+"/graphql", bigQuery(), map[string]string{"Accept-Encoding": "gzip, zstd"})
	if enc := got.header.Get("Content-Encoding"); enc != "" || !bytes.Equal(got.body, plain.body) {
		t.Errorf("compression off: Content-Encoding %q, %d bytes; want the uncompressed answer", enc, len(got.body))
	}
}

// TestCompressedRequests: a gzip body is read as its JSON, within -max-body-bytes counted
// after decompression; a body in any other coding, a gzip body that is not gzip, and a
// gzip body with compression off are refused with a code and never executed.
func TestCompressedRequests(t *testing.T) {
	exec := newStaticExecutor(t)
	srv := newServer(t, front.DefaultConfig(), exec)
	url := srv.URL + "/graphql"

	got := post(t, url, gzipped(t, []byte(`{"query":"{ hello }"}`)), map[string]string{"Content-Encoding": "gzip"})
	if got.status != http.StatusOK || string(got.body) != `{"data":{"hello":"Hello, world!"}}` {
		t.Fatalf("a gzip body: %d %s", got.status, got.body)
	}
	if n := exec.calls.Load(); n != 1 {
		t.Fatalf("executor ran %d times, want 1", n)
	}

	// 1 MiB of spaces inside the object compresses to about 1 KiB.
	bomb := gzipped(t, []byte(`{"query":"{ hello }"`+strings.Repeat(" ", 1<<20)+`}`))
	if len(bomb) > 8<<10 {
		t.Fatalf("the bomb is %d bytes compressed", len(bomb))
	}
	cfg := front.DefaultConfig()
	cfg.Compression = false
	off := newServer(t, cfg, exec).URL + "/graphql"
	for _, tt := range []struct {
		name, url string
		body      []byte
		encoding  string
		status    int
		code      string
		accept    string // the Accept-Encoding of the refusal, if any
	}{
		{"a body that decompresses past the limit", url, bomb, "gzip", http.StatusRequestEntityTooLarge, errcode.BodyTooLarge, ""},
		{"a gzip body that is not gzip", url, []byte(`{"query":"{ hello }"}`), "gzip", http.StatusBadRequest, errcode.BadRequest, ""},
		{"a brotli body", url, []byte(`{"query":"{ hello }"}`), "br", http.StatusUnsupportedMediaType, errcode.UnsupportedContentEncoding, "gzip"},
		// The outer gzip comes off; the brotli said to be under it stays.
		{"gzip over brotli", url, gzipped(t, []byte(`{"query":"{ hello }"}`)), "br, gzip", http.StatusUnsupportedMediaType, errcode.UnsupportedContentEncoding, "gzip"},
		{"a gzip body with compression off", off, gzipped(t, []byte(`{"query":"{ hello }"}`)), "gzip", http.StatusUnsupportedMediaType, errcode.UnsupportedContentEncoding, "identity"},
	} {
		got := post(t, tt.url, tt.body, map[string]string{"Content-Encoding": tt.encoding})
		if got.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, got.status, tt.status, got.body)
			continue
		}
		if code := decode(t, got).code(); code != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, code, tt.code)
		}
		if ae := got.header.Get("Accept-Encoding"); ae != tt.accept {
			t.Errorf("%s: Accept-Encoding %q, want %q", tt.name, ae, tt.accept)
		}
	}
	if n := exec.calls.Load(); n != 1 {
		t.Errorf("executor ran %d times, want only the one good request", n)
	}

	bad := front.DefaultConfig()
	bad.CompressionMinBytes = -1
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "compression-min-bytes") {
		t.Errorf("compression-min-bytes -1: Validate = %v, want an error naming it", err)
	}
}

// TestPlaygroundCompressed: GraphiQL's script, the largest file the gateway serves, goes
// to a browser compressed and decodes to the very file.
func TestPlaygroundCompressed(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.PlaygroundDir = webtest.PlaygroundDir(t, webtest.Node(t))
	srv := newServer(t, cfg, newStaticExecutor(t))
	get := func(accept string) httpResult {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/playground/graphiql.min.js", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", accept)
		resp, err := rawClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return httpResult{status: resp.StatusCode, header: resp.Header, body: b}
	}
	plain := get("identity")
	if plain.status != http.StatusOK || len(plain.body) < 100<<10 {
		t.Fatalf("graphiql.min.js: %d, %d bytes", plain.status, len(plain.body))
	}
	for _, accept := range []string{"gzip, deflate, br, zstd", "gzip"} {
		got := get(accept)
		if got.status != http.StatusOK || got.header.Get("Content-Encoding") == "" || len(got.body) > len(plain.body)/2 {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, %d of %d bytes", accept, got.status, got.header.Get("Content-Encoding"), len(got.body), len(plain.body))
			continue
		}
		if !bytes.Equal(uncompress(t, got), plain.body) {
			t.Errorf("Accept-Encoding %q: the decoded script differs from the file", accept)
		}
	}
}
