package gateway

import (
	"bytes"
	"crypto/sha256"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/transport"
	"github.com/fedgraph/fedgraph/schema"
)

// newTestCache returns a cache in a fresh directory and what it logs.
func newTestCache(t *testing.T) (*schemaCache, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	return openSchemaCache(t.TempDir(), slog.New(slog.NewTextHandler(&logs, nil))), &logs
}

func sha256Sum(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }

// reopen is the cache in c's directory as a restarted gateway opens it.
func reopen(c *schemaCache, logs *bytes.Buffer) *schemaCache {
	return openSchemaCache(c.dir, slog.New(slog.NewTextHandler(logs, nil)))
}

// TestSchemaCacheRoundTrip saves a subgraph's SDL and reads it back as a restarted
// gateway does; the file is the SDL after one header line; an SDL is written only when
// it differs from the saved one.
func TestSchemaCacheRoundTrip(t *testing.T) {
	c, logs := newTestCache(t)
	sdl := schema.Standalone(schema.Users())
	c.save("users", sdl)

	b, err := os.ReadFile(filepath.Join(c.dir, "users.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	header, body, _ := strings.Cut(string(b), "\n")
	if body != sdl || !strings.HasPrefix(header, "# fedgraph gateway schema cache: subgraph users, sha256 ") {
		t.Errorf("file starts %q and holds %d bytes of SDL, want the header and the %d bytes saved", header, len(body), len(sdl))
	}
	if got := reopen(c, logs).load("users"); got != sdl {
		t.Errorf("load after a restart: got %d bytes, want the %d saved", len(got), len(sdl))
	}
	if got := reopen(c, logs).load("products"); got != "" {
		t.Errorf("load of a subgraph never saved = %q, want none", got)
	}

	// The same SDL again is not written: the file removed stays removed. Another one is.
	os.Remove(filepath.Join(c.dir, "users.graphql"))
	c.save("users", sdl)
	if _, err := os.Stat(filepath.Join(c.dir, "users.graphql")); !os.IsNotExist(err) {
		t.Errorf("saving the saved SDL again wrote the file (stat: %v)", err)
	}
	changed := sdl + "\ntype Extra { id: ID! }\n"
	c.save("users", changed)
	if got := reopen(c, logs).load("users"); got != changed {
		t.Errorf("load after a change: got %d bytes, want the %d of the changed SDL", len(got), len(changed))
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings logged:\n%s", logs.String())
	}
	if entries, _ := os.ReadDir(c.dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want users.graphql alone (no temporary file left)", len(entries))
	}
}

// TestSchemaCacheIgnoresBadFiles checks that a file that is cut short, changed, not
// SDL, empty, too large or not a file is logged and ignored: load answers "", as if
// nothing were saved, and never fails.
func TestSchemaCacheIgnoresBadFiles(t *testing.T) {
	sdl := schema.Standalone(schema.Products())
	good := func(c *schemaCache) string {
		c.save("products", sdl)
		b, err := os.ReadFile(c.cacheFile("products"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name  string
		write func(c *schemaCache, path string)
	}{
		{"cut short", func(c *schemaCache, path string) {
			b := good(c)
			// Cut at a type boundary: what is left still parses, with types missing.
			i := strings.LastIndex(b, "\ntype ")
			os.WriteFile(path, []byte(b[:i+1]), 0o600)
		}},
		{"changed by hand", func(c *schemaCache, path string) {
			os.WriteFile(path, []byte(strings.Replace(good(c), "type Product", "type Produce", 1)), 0o600)
		}},
		{"SDL without the header", func(_ *schemaCache, path string) { os.WriteFile(path, []byte(sdl), 0o600) }},
		{"a header for another subgraph", func(c *schemaCache, path string) {
			b := good(c)
			os.WriteFile(path, []byte(strings.Replace(b, "subgraph products,", "subgraph users,", 1)), 0o600)
		}},
		{"a checked file that does not parse", func(_ *schemaCache, path string) {
			const bad = "type Query { products: [Product }\n"
			os.WriteFile(path, []byte(cacheHeader("products", sha256Sum(bad))+bad), 0o600)
		}},
		{"empty", func(_ *schemaCache, path string) { os.WriteFile(path, nil, 0o600) }},
		{"binary", func(_ *schemaCache, path string) { os.WriteFile(path, []byte{0, 1, 2, 0xff, '\n', 0xfe}, 0o600) }},
		{"too large", func(_ *schemaCache, path string) {
			big := strings.Repeat("# padding\n", transport.MaxSDLBytes/10+1)
			os.WriteFile(path, []byte(cacheHeader("products", sha256Sum(big))+big), 0o600)
		}},
		{"a directory", func(_ *schemaCache, path string) { os.Mkdir(path, 0o700) }},
		{"unreadable", func(c *schemaCache, path string) {
			good(c)
			os.Chmod(path, 0)
			if f, err := os.Open(path); err == nil { // root reads anything
				f.Close()
				os.WriteFile(path, []byte("\x00"), 0o600)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, logs := newTestCache(t)
			tt.write(c, c.cacheFile("products"))
			if got := reopen(c, logs).load("products"); got != "" {
				t.Errorf("load = %d bytes, want none from a bad file", len(got))
			}
			if !strings.Contains(logs.String(), "cached schema ignored") {
				t.Errorf("nothing logged; logs:\n%s", logs.String())
			}
		})
	}
}

// TestSchemaCacheWritesAtomically reads the cache file while it is replaced again and
// again by SDLs of different lengths: every read finds one whole SDL, never a part.
func TestSchemaCacheWritesAtomically(t *testing.T) {
	c, logs := newTestCache(t)
	short := schema.Standalone(schema.Users())
	long := short + "\n" + strings.Repeat("# padding, so that the file spans many pages\n", 20000)
	c.save("users", short)
	reader := reopen(c, logs)

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range 200 {
			if i%2 == 0 {
				c.save("users", long)
			} else {
				c.save("users", short)
			}
		}
	}()
	reads, bad := 0, 0
	for loop := true; loop; reads++ {
		select {
		case <-done:
			loop = false
		default:
		}
		if got, err := reader.read("users"); err != nil || (got != short && got != long) {
			bad++
			if bad == 1 {
				t.Errorf("read %d: %d bytes, %v: want one whole SDL", reads, len(got), err)
			}
		}
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of %d reads saw a partial file", bad, reads)
	}
	if entries, _ := os.ReadDir(c.dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want users.graphql alone", len(entries))
	}
}

// TestSchemaCacheWriteFailure checks that a save that cannot replace the file leaves
// the old one as it was, no temporary file, and a warning.
func TestSchemaCacheWriteFailure(t *testing.T) {
	c, logs := newTestCache(t)
	path := c.cacheFile("users")
	// A non-empty directory where the file goes: the rename fails.
	if err := os.MkdirAll(filepath.Join(path, "keep"), 0o700); err != nil {
		t.Fatal(err)
	}
	c.save("users", schema.Standalone(schema.Users()))
	if !strings.Contains(logs.String(), "schema not cached") {
		t.Errorf("no warning; logs:\n%s", logs.String())
	}
	entries, _ := os.ReadDir(c.dir)
	if len(entries) != 1 || entries[0].Name() != "users.graphql" || !entries[0].IsDir() {
		t.Errorf("directory after a failed save: %v, want the directory users.graphql alone", entries)
	}
	if c.saved["users"] != "" {
		t.Error("a failed save is remembered as saved: it would not be tried again")
	}
}

// TestSchemaCacheNames checks that with a cache, a subgraph's name must be fit for a
// file name, since it becomes one; without a cache any name but an empty or repeated
// one goes.
func TestSchemaCacheNames(t *testing.T) {
	tests := []struct {
		name, dir string
		ok        bool
	}{
		{"users", "/tmp/cache", true},
		{"Users_2-eu", "/tmp/cache", true},
		{"../etc", "/tmp/cache", false},
		{"a/b", "/tmp/cache", false},
		{"a.b", "/tmp/cache", false},
		{"a.b", "", true},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.SchemaCacheDir, cfg.Subgraphs = tt.dir, []Subgraph{{Name: tt.name, URL: "http://127.0.0.1:1/graphql"}}
		if err := cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate with subgraph %q, cache %q = %v, want ok %v", tt.name, tt.dir, err, tt.ok)
		}
		if cfg.Logger != nil || cfg.Subgraphs[0].Timeout != 0 {
			t.Errorf("Validate changed the config: %+v", cfg)
		}
	}
}
