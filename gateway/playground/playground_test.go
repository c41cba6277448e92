package playground_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fedgraph/fedgraph/gateway/playground"
)

func get(t *testing.T, h http.Handler, path string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Code, rec.Header(), string(b)
}

// TestMissingAssets checks the page without built assets: a 503 that says how to build them.
func TestMissingAssets(t *testing.T) {
	for name, assets := range map[string]any{"nil": nil, "empty": fstest.MapFS{".gitkeep": {}}} {
		t.Run(name, func(t *testing.T) {
			var h http.Handler
			if assets == nil {
				h = playground.New(nil, "/graphql", "/playground/", "")
			} else {
				h = playground.New(assets.(fstest.MapFS), "/graphql", "/playground/", "")
			}
			code, _, body := get(t, h, "/")
			if code != http.StatusServiceUnavailable {
				t.Errorf("status: got %d, want 503", code)
			}
			if !strings.Contains(body, "npm run --prefix tools/playground build") {
				t.Errorf("the page does not say how to build the assets:\n%s", body)
			}
			if code, _, _ := get(t, h, "/playground/graphiql.min.js"); code != http.StatusNotFound {
				t.Errorf("asset status: got %d, want 404", code)
			}
		})
	}
}

// TestServesAssets checks the page and files with a complete set of (fake) assets.
func TestServesAssets(t *testing.T) {
	assets := fstest.MapFS{}
	for _, f := range playground.Files() {
		assets[f] = &fstest.MapFile{Data: []byte("/* " + f + " */")}
	}
	if !playground.Available(assets) {
		t.Fatal("Available: got false with every file present")
	}
	h := playground.New(assets, "/graphql", "/playground/", "")
	code, hdr, body := get(t, h, "/")
	if code != http.StatusOK {
		t.Fatalf("status: got %d, want 200", code)
	}
	for _, f := range playground.Files() {
		if !strings.Contains(body, `"/playground/`+f+`"`) {
			t.Errorf("the page does not load /playground/%s", f)
		}
	}
	if !strings.Contains(body, `data-endpoint="/graphql"`) {
		t.Errorf("the page does not name the endpoint")
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy: got %q", csp)
	}
	tests := []struct {
		path, wantType, wantBody string
		wantCode                 int
	}{
		{"/playground/graphiql.min.js", "text/javascript", "graphiql.min.js", 200},
		{"/playground/graphiql.min.css", "text/css", "graphiql.min.css", 200},
		{"/playground/init.js", "text/javascript", "GraphiQL.createFetcher", 200},
		{"/playground/other.js", "", "", 404},
	}
	for _, tt := range tests {
		code, hdr, body := get(t, h, tt.path)
		if code != tt.wantCode {
			t.Errorf("%s: status got %d, want %d", tt.path, code, tt.wantCode)
			continue
		}
		if tt.wantCode == 200 && (!strings.HasPrefix(hdr.Get("Content-Type"), tt.wantType) || !strings.Contains(body, tt.wantBody)) {
			t.Errorf("%s: got %q %q, want %s containing %q", tt.path, hdr.Get("Content-Type"), body, tt.wantType, tt.wantBody)
		}
	}
}

// TestEmbeddedAssets reports whether this build embeds the assets; it fails only under CI,
// where `make web` must run before the tests.
func TestEmbeddedAssets(t *testing.T) {
	if playground.Available(playground.Assets()) {
		return
	}
	if testing.Short() || !isCI() {
		t.Skip("playground assets are not built: " + playground.BuildCommand)
	}
	t.Fatal("CI: playground assets are not embedded: run " + playground.BuildCommand + " before go test")
}
