package front_test

import (
	"flag"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// TestCORS checks preflights and simple requests against the origin allow-list.
func TestCORS(t *testing.T) {
	tests := []struct {
		name      string
		cfg       func(*front.Config)
		method    string
		origin    string
		preflight bool
		wantCode  int
		wantACAO  string
		wantCreds bool
	}{
		{name: "preflight from localhost any port", method: http.MethodOptions, origin: "http://localhost:5173", preflight: true, wantCode: 204, wantACAO: "http://localhost:5173"},
		{name: "preflight from 127.0.0.1", method: http.MethodOptions, origin: "http://127.0.0.1:3000", preflight: true, wantCode: 204, wantACAO: "http://127.0.0.1:3000"},
		{name: "preflight from ::1", method: http.MethodOptions, origin: "http://[::1]:8080", preflight: true, wantCode: 204, wantACAO: "http://[::1]:8080"},
		{name: "preflight from another site", method: http.MethodOptions, origin: "https://evil.example", preflight: true, wantCode: 403},
		{name: "preflight from https localhost is another origin", method: http.MethodOptions, origin: "https://localhost:5173", preflight: true, wantCode: 403},
		{name: "preflight from a lookalike host", method: http.MethodOptions, origin: "http://localhost.evil.example:80", preflight: true, wantCode: 403},
		{name: "exact origin configured", cfg: func(c *front.Config) {
			c.CORSAllowedOrigins = []string{"https://app.example.com"}
			c.CORSAllowCredentials = true
		},
			method: http.MethodOptions, origin: "https://app.example.com", preflight: true, wantCode: 204, wantACAO: "https://app.example.com", wantCreds: true},
		{name: "exact origin does not match another port", cfg: func(c *front.Config) { c.CORSAllowedOrigins = []string{"https://app.example.com"} },
			method: http.MethodOptions, origin: "https://app.example.com:8443", preflight: true, wantCode: 403},
		{name: "plain options", method: http.MethodOptions, wantCode: 204},
		{name: "post from allowed origin", method: http.MethodPost, origin: "http://localhost:5173", wantCode: 200, wantACAO: "http://localhost:5173"},
		{name: "post from other origin gets no cors headers", method: http.MethodPost, origin: "https://evil.example", wantCode: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := front.DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			srv := newServer(t, cfg, &trivialExecutor{})
			hdr := map[string]string{}
			if tt.origin != "" {
				hdr["Origin"] = tt.origin
			}
			if tt.preflight {
				hdr["Access-Control-Request-Method"] = "POST"
				hdr["Access-Control-Request-Headers"] = "content-type"
			}
			var r httpResult
			if tt.method == http.MethodPost {
				r = do(t, tt.method, srv.URL+"/graphql", mediaJSON, "", strings.NewReader(`{"query":"{ hello }"}`), hdr)
			} else {
				r = do(t, tt.method, srv.URL+"/graphql", "", "", http.NoBody, hdr)
			}
			if r.status != tt.wantCode {
				t.Fatalf("status: got %d, want %d", r.status, tt.wantCode)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, tt.wantACAO)
			}
			if got := r.header.Get("Access-Control-Allow-Credentials") == "true"; got != tt.wantCreds {
				t.Errorf("Access-Control-Allow-Credentials: got %v, want %v", got, tt.wantCreds)
			}
			if tt.origin != "" && !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary: got %q, want it to name Origin", r.header.Values("Vary"))
			}
			if tt.preflight && tt.wantCode == 204 {
				if got := r.header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
					t.Errorf("Access-Control-Allow-Methods: got %q, want POST in it", got)
				}
				if got := strings.ToLower(r.header.Get("Access-Control-Allow-Headers")); !strings.Contains(got, "content-type") || !strings.Contains(got, "apollo-require-preflight") {
					t.Errorf("Access-Control-Allow-Headers: got %q, want content-type and apollo-require-preflight", got)
				}
				if got := r.header.Get("Access-Control-Max-Age"); got != "600" {
					t.Errorf("Access-Control-Max-Age: got %q, want 600", got)
				}
			}
		})
	}
}

// TestPlaygroundRoutes checks where the playground is served, and that production mode
// turns it off.
func TestPlaygroundRoutes(t *testing.T) {
	on := newServer(t, front.DefaultConfig(), &trivialExecutor{})
	cfg := front.DefaultConfig()
	cfg.Playground = false
	off := newServer(t, cfg, &trivialExecutor{})
	tests := []struct {
		name, base, path, accept string
		want                     []int // 503 is fine when the assets are not built
	}{
		{"root", on.URL, "/", "text/html", []int{200, 503}},
		{"browser on /graphql", on.URL, "/graphql", "text/html,application/xhtml+xml,*/*;q=0.8", []int{200, 503}},
		{"unknown path", on.URL, "/nope", "", []int{404}},
		{"unknown asset", on.URL, "/playground/../../etc/passwd", "", []int{404}},
		{"init script", on.URL, "/playground/init.js", "", []int{200}},
		{"off: root", off.URL, "/", "text/html", []int{404}},
		{"off: asset", off.URL, "/playground/graphiql.min.js", "", []int{404}},
		{"off: browser on /graphql gets a GraphQL error", off.URL, "/graphql", "text/html", []int{400, 406}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, http.MethodGet, tt.base+tt.path, "", tt.accept, http.NoBody, nil)
			ok := false
			for _, w := range tt.want {
				ok = ok || r.status == w
			}
			if !ok {
				t.Fatalf("status: got %d, want one of %v: %.200s", r.status, tt.want, r.body)
			}
			if r.status == 200 && strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				page := string(r.body)
				if !strings.Contains(page, `src="/playground/graphiql.min.js"`) || strings.Contains(page, "https://") || strings.Contains(page, "http://") {
					t.Errorf("the page must load GraphiQL from /playground/ and nothing remote:\n%s", page)
				}
				if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
					t.Errorf("Content-Security-Policy: got %q, want script-src 'self'", csp)
				}
			}
			if r.status == 503 && !strings.Contains(string(r.body), "npm run --prefix tools/playground build") {
				t.Errorf("the 503 page must say how to build the assets: %s", r.body)
			}
		})
	}
}

// TestConfig checks the defaults, that Validate reports every bad setting, and the flags.
func TestConfig(t *testing.T) {
	if err := front.DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate(): %v", err)
	}
	err := front.Config{}.Validate()
	if err == nil {
		t.Fatal("Config{}.Validate(): got nil, want errors")
	}
	for _, name := range []string{"max-body-bytes", "max-tokens", "max-depth", "max-cost", "max-validation-errors", "request-timeout"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("Config{}.Validate() does not report %s:\n%v", name, err)
		}
	}
	bad := front.DefaultConfig()
	bad.CORSAllowedOrigins = []string{"*", "localhost", "ftp://x"}
	bad.CORSAllowCredentials = true
	bad.WriteTimeout = bad.RequestTimeout
	bad.MaxBatchSize = -1
	bad.MaxHeaderBytes = front.HardMaxHeaderBytes + 1
	bad.APQCacheSize = 0
	bad.APQCacheBytes = -1
	bad.DocumentCacheSize = -1
	err = bad.Validate()
	for _, want := range []string{`"*" cannot be combined`, `"localhost"`, `"ftp://x"`, "write-timeout", "max-batch-size",
		"max-header-bytes", "apq-cache-size", "apq-cache-bytes", "document-cache-size"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(): got %v, want an error mentioning %s", err, want)
		}
	}
	if _, err := front.New(bad, nil, nil, nil); err == nil {
		t.Error("New with an invalid config: got nil error")
	}

	cfg := front.DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	args := []string{"-max-depth=7", "-cors-allowed-origins=https://a.example, https://b.example", "-introspection=false",
		"-request-timeout=3s", "-max-batch-size=0", "-max-body-bytes=1024", "-max-variables-bytes=512",
		"-apq=false", "-apq-cache-size=5", "-apq-cache-bytes=4096", "-document-cache-size=0", "-document-cache-bytes=8192"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxDepth != 7 || cfg.Introspection || cfg.RequestTimeout != 3*time.Second || cfg.MaxBatchSize != 0 || cfg.MaxBodyBytes != 1024 {
		t.Errorf("flags not applied: %+v", cfg)
	}
	if cfg.APQ || cfg.APQCacheSize != 5 || cfg.APQCacheBytes != 4096 || cfg.DocumentCacheSize != 0 || cfg.DocumentCacheBytes != 8192 {
		t.Errorf("cache flags not applied: %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("APQ and the document cache off: Validate(): %v", err)
	}
	if got := strings.Join(cfg.CORSAllowedOrigins, "|"); got != "https://a.example|https://b.example" {
		t.Errorf("cors-allowed-origins: got %q", got)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != strings.ToLower(f.Name) || strings.Contains(f.Name, "_") {
			t.Errorf("flag %q is not kebab-case", f.Name)
		}
	})
	srv := cfg.HTTPServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout != cfg.ReadHeaderTimeout || srv.WriteTimeout != cfg.WriteTimeout || srv.MaxHeaderBytes != front.HardMaxHeaderBytes {
		t.Errorf("HTTPServer: got %+v", srv)
	}
}
