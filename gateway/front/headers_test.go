package front_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// newHTTPServer serves the front through the http.Server that cfg.HTTPServer builds, the
// one the gateway runs, so that net/http's own header limit is in play.
func newHTTPServer(t *testing.T, cfg front.Config, exec front.Executor) string {
	t.Helper()
	schema := testSchema(t)
	h, err := front.New(cfg, func() *ast.Schema { return schema }, exec, testLogger(t))
	if err != nil {
		t.Fatalf("front.New: %v", err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = cfg.HTTPServer(h)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestURLAndHeaderLimits checks that URLs and headers over their limits get a GraphQL JSON
// error from the front, with the exact status, media type and code, however far over the
// limit (up to the HTTP server's ceiling) they are.
func TestURLAndHeaderLimits(t *testing.T) {
	cfg := front.DefaultConfig()
	exec := newStaticExecutor(t)
	srv := newHTTPServer(t, cfg, exec)
	padded := func(n int) string { // a GET URL of about n bytes that would run `{ hello }`
		return getTarget(`{ hello }`+strings.Repeat(" ", n), "")
	}
	tests := []struct {
		name   string
		target string
		header int // the size of an X-Padding header, 0 for none
		status int
		code   string
	}{
		{name: "URL at the URL limit runs", target: padded(cfg.MaxURLBytes - 200), status: http.StatusOK},
		{name: "URL between the URL limit and the header limit", target: padded(cfg.MaxURLBytes + 4<<10), status: http.StatusRequestURITooLong, code: errcode.URLTooLong},
		{name: "URL over the header limit", target: padded(cfg.MaxHeaderBytes + 16<<10), status: http.StatusRequestURITooLong, code: errcode.URLTooLong},
		{name: "URL of half the server's ceiling", target: padded(front.HardMaxHeaderBytes / 2), status: http.StatusRequestURITooLong, code: errcode.URLTooLong},
		{name: "headers under the header limit run", target: padded(0), header: cfg.MaxHeaderBytes - 1<<10, status: http.StatusOK},
		{name: "headers over the header limit", target: padded(0), header: cfg.MaxHeaderBytes + 1, status: http.StatusRequestHeaderFieldsTooLarge, code: errcode.HeadersTooLarge},
		{name: "headers far over the header limit", target: padded(0), header: front.HardMaxHeaderBytes / 2, status: http.StatusRequestHeaderFieldsTooLarge, code: errcode.HeadersTooLarge},
		{name: "headers over the limit on a playground path", target: "/", header: cfg.MaxHeaderBytes + 1, status: http.StatusRequestHeaderFieldsTooLarge, code: errcode.HeadersTooLarge},
	}
	for _, tt := range tests {
		for _, accept := range []string{mediaJSON, mediaGQL} {
			t.Run(tt.name+"/"+accept, func(t *testing.T) {
				hdr := map[string]string{}
				if tt.header > 0 {
					hdr["X-Padding"] = strings.Repeat("p", tt.header)
				}
				before := exec.calls.Load()
				r := do(t, http.MethodGet, srv+tt.target, "", accept, http.NoBody, hdr)
				if r.status != tt.status {
					t.Fatalf("status: got %d, want %d: %.200s", r.status, tt.status, r.body)
				}
				if got, want := r.header.Get("Content-Type"), accept+"; charset=utf-8"; got != want {
					t.Errorf("Content-Type: got %q, want %q", got, want)
				}
				g := decode(t, r)
				if g.code() != tt.code {
					t.Errorf("code: got %q, want %q", g.code(), tt.code)
				}
				ran := exec.calls.Load() > before
				if ran != (tt.code == "") {
					t.Errorf("executor ran: %v, want %v", ran, tt.code == "")
				}
				if len(r.body) > 512 {
					t.Errorf("refusal body is %d bytes, want a short error", len(r.body))
				}
			})
		}
	}
}

// TestHeadersPastTheServerCeiling documents the one case the front never sees: a request
// whose headers pass HardMaxHeaderBytes gets net/http's plain-text 431.
func TestHeadersPastTheServerCeiling(t *testing.T) {
	srv := newHTTPServer(t, front.DefaultConfig(), newStaticExecutor(t))
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		// The server answers before reading it all; a write error then is expected.
		_, _ = fmt.Fprintf(conn, "GET /graphql?query=%%7Bhello%%7D HTTP/1.1\r\nHost: x\r\nX-Padding: %s\r\n\r\n",
			strings.Repeat("p", front.HardMaxHeaderBytes+64<<10))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("got %d %q %q, want net/http's plain-text 431", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}
