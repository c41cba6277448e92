package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// nodeGateway is a gateway of another kind that tools/web serves on Node over a
// supergraph composed in the run: Apollo Gateway or Hive Gateway.
type nodeGateway struct {
	target string // its -targets name
	label  string // its name in the tables
	script string // the tools/web script that serves it
	pkgs   []string
}

// nodeGateways are the Node targets, the one list every step reads.
func nodeGateways() []nodeGateway {
	return []nodeGateway{
		// Hive Gateway shares one subgraph request between identical ones in flight, of
		// different client requests too, by default (@graphql-tools/executor-http
		// deduplicates a query unless its transport's deduplicateInflightRequests is
		// false): so it runs in the defaults table. The nodedup table turns that off
		// (dedupOf: hive-gateway.mjs --no-inflight-dedup).
		{target: targetHive, label: "Hive Gateway", script: "hive-gateway.mjs", pkgs: []string{"@graphql-hive/gateway"}},
		// Apollo Gateway shares no request in flight (RemoteGraphQLDataSource sends each
		// fetch): it runs as it ships, alike in both tables.
		{target: targetApollo, label: "Apollo Gateway", script: "apollo-gateway.mjs", pkgs: []string{"@apollo/gateway", "@apollo/server"}},
	}
}

// composePkg composes the supergraph (tools/web/compose.mjs).
const composePkg = "@apollo/composition"

// findWeb returns tools/web of the module the go command is in: the benchmark runs
// from the module (make bench, go run ./tools/bench, its own test), like its go build.
func findWeb(ctx context.Context) (string, error) {
	out, err := command(ctx, os.Environ(), "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the fedgraph module: give -web")
	}
	return filepath.Join(filepath.Dir(gomod), "tools", "web"), nil
}

// installWeb makes sure tools/web's packages are installed, running `npm ci` on its
// lock file (the registry's packages only, no browser) when one the benchmark needs is
// missing, as `make bench` does first (`make tooling`).
func installWeb(ctx context.Context, env []string, web string, out func(string)) error {
	missing := ""
	for _, pkg := range append([]string{composePkg}, allNodePkgs()...) {
		if _, err := os.Stat(filepath.Join(web, "node_modules", pkg, "package.json")); err != nil {
			missing = pkg
			break
		}
	}
	if missing == "" {
		return nil
	}
	out(fmt.Sprintf("Installing tools/web's packages (%s is missing): npm ci...", missing))
	cmd := command(ctx, append(env, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1"), "npm", "ci", "--prefix", web, "--no-audit", "--no-fund")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci --prefix %s: %w\n%s", web, err, lastLines(b, 20))
	}
	return nil
}

func allNodePkgs() []string {
	var out []string
	for _, g := range nodeGateways() {
		out = append(out, g.pkgs...)
	}
	return out
}

// composition is what compose.mjs --json reports.
type composition struct {
	Errors []struct{ Code, Message string } `json:"errors"`
	Hints  []struct{ Code, Message string } `json:"hints"`
}

// composeSupergraph composes the subgraphs (name → GraphQL URL, which the supergraph
// routes to) from their `_service { sdl }` into the file out. It fails on any
// composition error and on any hint but a description hint, as the interop test does.
// It returns the number of description hints.
func composeSupergraph(ctx context.Context, env []string, web, out string, subgraphs [][2]string) (int, error) {
	args := []string{filepath.Join(web, "compose.mjs"), "--json", "--out", out}
	for _, s := range subgraphs {
		args = append(args, s[0]+"="+s[1])
	}
	cmd := command(ctx, env, "node", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var rep composition
	if jerr := json.Unmarshal(stdout, &rep); jerr != nil || err != nil {
		return 0, fmt.Errorf("compose the supergraph: %w\n%s", errors.Join(err, jerr), lastLines(stderr.Bytes(), 20))
	}
	return len(rep.Hints), nil
}

// packageVersion is the version of the npm package pkg installed in web, or "?".
func packageVersion(web, pkg string) string {
	b, err := os.ReadFile(filepath.Join(web, "node_modules", pkg, "package.json"))
	if err != nil {
		return "?"
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "?"
	}
	return p.Version
}

// nodeVersion is `node --version`, or "?".
func nodeVersion(ctx context.Context, env []string) string {
	out, err := command(ctx, env, "node", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// nodeEnv is the environment of a Node gateway: the children's, and NODE_ENV=production
// as a deployment runs it.
func nodeEnv(env []string) []string {
	return append(append([]string{}, env...), "NODE_ENV=production")
}

// needsNode reports whether targets include a Node gateway.
func needsNode(targets []string) bool {
	for _, g := range nodeGateways() {
		for _, t := range targets {
			if t == g.target {
				return true
			}
		}
	}
	return false
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lookNode reports whether node is on PATH, for Validate.
func lookNode() error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("-targets %s and %s run on Node, which is not on PATH (%w): install Node 20 or leave them out of -targets", targetHive, targetApollo, err)
	}
	return nil
}
