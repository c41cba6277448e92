// Package webtest runs the project's Node tooling from Go tests: the graphql-http server
// audit and the headless-browser driver of the playground (tools/web, the test and
// benchmark tooling), and the playground's build (tools/playground, GraphiQL and React).
package webtest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway/playground"
)

// Chromium is Debian's chromium, the browser the playground test drives.
const Chromium = "/usr/bin/chromium"

// Dir is tools/web, found from this source file so any package's test can call it.
func Dir(t testing.TB) string {
	t.Helper()
	return toolsDir(t, "web")
}

// PlaygroundPackage is tools/playground, the npm package that supplies the playground's
// files (its build.mjs writes them).
func PlaygroundPackage(t testing.TB) string {
	t.Helper()
	return toolsDir(t, "playground")
}

func toolsDir(t testing.TB, name string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("webtest: cannot locate tools/" + name)
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "tools", name)
}

// Node returns the node binary once tools/web's packages are installed, running
// `npm ci` itself when they are missing (the lockfile pins every version).
func Node(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for this test (tools/web): %v", err)
	}
	install(t, Dir(t), "make tooling", "graphql-http", "playwright-core", "@apollo/composition", "@apollo/gateway", "@apollo/server", "@graphql-hive/gateway", "@apollo/client", "@urql/core", "graphql-ws", "ws")
	return node
}

// install runs `npm ci` in dir unless every one of pkgs is installed there; target is the
// make target that installs them, for messages.
func install(t testing.TB, dir, target string, pkgs ...string) {
	t.Helper()
	installed := true
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			installed = false
		}
	}
	if installed {
		return
	}
	name := "tools/" + filepath.Base(dir)
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("%s/node_modules is missing and npm is not installed: run `%s`", name, target)
	}
	t.Logf("installing %s's packages: npm ci --prefix %s", name, dir)
	cmd := exec.CommandContext(t.Context(), npm, "ci", "--prefix", dir, "--no-audit", "--no-fund")
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci --prefix %s failed: %v\n%s", name, err, Tail(out, 2000))
	}
}

// NeedChromium skips the test when Chromium is missing outside CI and fails it in CI.
func NeedChromium(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is missing (apt-get install -y chromium)", Chromium)
		}
		t.Fatalf("CI: %s is missing: install it with apt-get install -y chromium", Chromium)
	}
}

// PlaygroundDir returns "" when this binary embeds the playground's assets, and
// otherwise a directory it built them into for this test only (tools/playground/build.mjs,
// after installing that package's packages when they are missing).
func PlaygroundDir(t testing.TB, node string) string {
	t.Helper()
	if playground.Available(playground.Assets()) {
		return ""
	}
	pkg := PlaygroundPackage(t)
	install(t, pkg, "make web", "graphiql", "react", "react-dom")
	dir := t.TempDir()
	out, err := exec.CommandContext(t.Context(), node, filepath.Join(pkg, "build.mjs"), dir).CombinedOutput()
	if err != nil {
		t.Fatalf("build playground assets: %v\n%s", err, out)
	}
	return dir
}

// AuditReport is what tools/web/audit.mjs prints.
type AuditReport struct {
	Counts map[string]struct {
		Total  int `json:"total"`
		Passed int `json:"passed"`
	} `json:"counts"`
	Failed  int `json:"failed"`
	Results []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Level  string `json:"level"`
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
		Status int    `json:"status"`
		Body   string `json:"body"`
	} `json:"results"`
}

// Audit runs graphql-http's server audit against url and fails t unless every MUST and
// SHOULD audit passes. It logs the counts of each level.
func Audit(t testing.TB, url string) AuditReport {
	t.Helper()
	node := Node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, filepath.Join(Dir(t), "audit.mjs"), url).Output()
	var rep AuditReport
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		t.Fatalf("audit.mjs printed no report (run error: %v): %v\n%s", err, jerr, Tail(out, 2000))
	}
	for _, r := range rep.Results {
		if !r.OK {
			t.Logf("%s %s %s: %s (status %d) %s", r.Level, r.ID, r.Name, r.Reason, r.Status, r.Body)
		}
	}
	for _, lvl := range []string{"MUST", "SHOULD", "MAY"} {
		c := rep.Counts[lvl]
		t.Logf("graphql-http audit %s: %d/%d passed", lvl, c.Passed, c.Total)
	}
	for _, lvl := range []string{"MUST", "SHOULD"} {
		c := rep.Counts[lvl]
		if c.Total == 0 || c.Passed != c.Total {
			t.Errorf("%s audits: got %d/%d passed, want all", lvl, c.Passed, c.Total)
		}
	}
	if rep.Failed != 0 || err != nil {
		t.Errorf("audit.mjs: got %d MUST/SHOULD failures (exit error %v), want 0", rep.Failed, err)
	}
	return rep
}

// Browse opens pageURL in headless Chromium, types query into GraphiQL, runs it and
// returns the text of the result pane. The driver fails on any request that leaves the
// page's origin, so a pass proves the playground works offline.
func Browse(t testing.TB, node, pageURL, query string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(Dir(t), "browser.mjs"), pageURL, query)
	cmd.Env = append(os.Environ(), "CHROMIUM="+Chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser.mjs: %v\nstdout: %s\nstderr: %s", err, Tail(out, 2000), Tail([]byte(stderr.String()), 4000))
	}
	return out
}

// Tail returns the last n bytes of b, trimmed, for messages.
func Tail(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
