package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/webtest"
	"github.com/fedgraph/fedgraph/internal/wholegraph"
)

// subgraph is one subgraph as composition sees it: its name and GraphQL URL.
type subgraph struct{ name, url string }

// graph is every subgraph of the table and our gateway (internal/wholegraph), each on
// its own loopback server, each subgraph on its own miniredis.
type graph struct {
	subgraphs []subgraph
	gateway   string // our gateway's GraphQL URL
}

// startGraph starts the graph for t; everything stops when t ends.
func startGraph(t *testing.T) *graph {
	t.Helper()
	cfg := wholegraph.DefaultConfig()
	cfg.Store = func(string) (wholegraph.Store, error) {
		r := redistest.Miniredis.New(t)
		return wholegraph.Store{Client: r.Client, Prefix: r.Prefix}, nil
	}
	cfg.CursorSecret = func(name string) string { return name + "-interop-secret" }
	w, err := wholegraph.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	g := &graph{gateway: w.URL}
	for _, s := range w.Subgraphs {
		g.subgraphs = append(g.subgraphs, subgraph{s.Name, s.URL})
	}
	return g
}

// startGateway starts one more of our gateways over g's subgraphs, with the front
// configured as fc, and returns its GraphQL URL; it stops when t ends.
func (g *graph) startGateway(t *testing.T, fc front.Config) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := gateway.DefaultConfig()
	cfg.Front = &fc
	for _, s := range g.subgraphs {
		cfg.Subgraphs = append(cfg.Subgraphs, gateway.Subgraph{Name: s.name, URL: s.url})
	}
	gw, err := gateway.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	h, err := gw.Handler()
	if err != nil {
		t.Fatal(err)
	}
	gs := httptest.NewServer(h)
	t.Cleanup(gs.Close)
	return gs.URL + "/graphql"
}

// node returns the node binary with tools/web's packages installed. webtest.Node runs
// `npm ci` when the packages it knows of are missing; the federation packages are
// checked here too, for a node_modules installed before they were added.
func node(t *testing.T) string {
	t.Helper()
	n := webtest.Node(t)
	for _, pkg := range []string{"@apollo/composition", "@apollo/gateway", "@apollo/server", "@graphql-hive/gateway", "@apollo/client", "@urql/core", "graphql-ws", "ws"} {
		if _, err := os.Stat(filepath.Join(webtest.Dir(t), "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("tools/web/node_modules lacks %s (installed before it was added): run `make tooling`", pkg)
		}
	}
	return n
}

// composition is what compose.mjs --json reports.
type composition struct {
	Errors     []message `json:"errors"`
	Hints      []message `json:"hints"`
	Supergraph *string   `json:"supergraph"`
}

type message struct{ Code, Message string }

// compose runs tools/web/compose.mjs over subgraphs, writing the supergraph to out, and
// returns its report (nil when it printed none), its exit code and its stderr.
func compose(t *testing.T, nodeBin, out string, subgraphs []subgraph) (rep *composition, code int, stderr string) {
	t.Helper()
	args := []string{filepath.Join(webtest.Dir(t), "compose.mjs"), "--json", "--out", out}
	for _, s := range subgraphs {
		args = append(args, s.name+"="+s.url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("compose.mjs: %v\nstderr: %s", err, webtest.Tail(errOut.Bytes(), 2000))
	}
	if len(bytes.TrimSpace(stdout)) > 0 {
		rep = &composition{}
		if jerr := json.Unmarshal(stdout, rep); jerr != nil {
			t.Fatalf("compose.mjs printed no JSON report (exit %d): %v\nstdout: %s\nstderr: %s", code, jerr,
				webtest.Tail(stdout, 2000), webtest.Tail(errOut.Bytes(), 2000))
		}
	}
	return rep, code, errOut.String()
}

// startNodeGateway runs the tools/web script that serves the supergraph file (a
// gateway of another kind) and returns the GraphQL URL it printed. It stops when t ends.
func startNodeGateway(t *testing.T, nodeBin, script, supergraph string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, nodeBin, filepath.Join(webtest.Dir(t), script), supergraph)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = first
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	// The script prints its address once it listens.
	select {
	case line := <-first.line:
		if _, url, ok := strings.Cut(line, " on "); ok && strings.HasPrefix(url, "http://127.0.0.1:") {
			return url
		}
		cancel()
		<-exited
		t.Fatalf("%s printed %q, not its address\nstderr: %s", script, line, webtest.Tail(stderr.Bytes(), 3000))
	case err := <-exited:
		t.Fatalf("%s exited before serving: %v\nstderr: %s", script, err, webtest.Tail(stderr.Bytes(), 3000))
	case <-time.After(time.Minute):
		cancel()
		<-exited
		t.Fatalf("%s printed no address within a minute\nstderr: %s", script, webtest.Tail(stderr.Bytes(), 3000))
	}
	return ""
}

// firstLine is a process's stdout that sends its first line on line and discards the
// rest.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string
}

func (w *firstLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
		w.line <- strings.TrimSpace(string(w.buf[:i]))
		w.sent, w.buf = true, nil
	}
	return len(p), nil
}
