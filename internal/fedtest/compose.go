package fedtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/webtest"
)

// nodeTimeout bounds each run of a tools/web script until it answers: composing, or
// printing the address it serves on.
const nodeTimeout = time.Minute

// Served is a subgraph served on a loopback HTTP server.
type Served struct {
	Name string
	// URL is its GraphQL URL, the one composed into the supergraph.
	URL     string
	Handler *Handler
}

// Serve serves sg on a loopback server until t ends.
func Serve(t testing.TB, sg Subgraph) *Served {
	t.Helper()
	h, err := New(sg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Served{Name: sg.Name, URL: srv.URL + "/graphql", Handler: h}
}

// Graph is subgraphs served on loopback and the supergraph composed from them.
type Graph struct {
	Subgraphs []*Served
	// Supergraph is the supergraph SDL, which routes each subgraph to its URL.
	Supergraph string
	// File holds Supergraph, for gateways that read a file.
	File string
	// Hints are the composition's hints.
	Hints []Hint
}

// Hint is a composition hint: its code and message.
type Hint struct{ Code, Message string }

// Subgraph returns the served subgraph named name, or nil.
func (g *Graph) Subgraph(name string) *Served {
	for _, s := range g.Subgraphs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Compose serves subgraphs and composes them with @apollo/composition
// (tools/web/compose.mjs, from each subgraph's `_service { sdl }`). It fails t on any
// composition error and on any hint but a description hint, as compose.mjs does. Like
// the interop tests, it needs node and installs tools/web's packages when they are
// missing (internal/webtest): without node it fails rather than skips, so that a
// machine that cannot run the suite is not mistaken for one that passes it.
func Compose(t testing.TB, subgraphs ...Subgraph) *Graph {
	t.Helper()
	return ComposeAllowing(t, nil, subgraphs...)
}

// ComposeAllowing is Compose that also accepts the hints whose codes are in allowed:
// a supergraph that composes with, say, an override from a subgraph that does not
// exist.
func ComposeAllowing(t testing.TB, allowed []string, subgraphs ...Subgraph) *Graph {
	t.Helper()
	nodeBin := webtest.Node(t)
	g := &Graph{}
	args := []string{filepath.Join(webtest.Dir(t), "compose.mjs"), "--json"}
	for _, sg := range subgraphs {
		s := Serve(t, sg)
		g.Subgraphs = append(g.Subgraphs, s)
		args = append(args, s.Name+"="+s.URL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	// compose.mjs exits 1 with a report when composition fails or hints, and 2 without
	// one when it cannot ask a subgraph for its SDL.
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("compose.mjs: %v\nstderr: %s", err, webtest.Tail(stderr.Bytes(), 3000))
	}
	var rep struct {
		Errors     []Hint  `json:"errors"`
		Hints      []Hint  `json:"hints"`
		Supergraph *string `json:"supergraph"`
	}
	if err := json.Unmarshal(stdout, &rep); err != nil {
		t.Fatalf("compose.mjs printed no report: %v\nstdout: %s\nstderr: %s", err, webtest.Tail(stdout, 2000), webtest.Tail(stderr.Bytes(), 2000))
	}
	for _, e := range rep.Errors {
		t.Errorf("composition error %s: %s", e.Code, e.Message)
	}
	for _, h := range rep.Hints {
		if h.Code != "INCONSISTENT_DESCRIPTION" && !slices.Contains(allowed, h.Code) {
			t.Errorf("composition hint %s: %s", h.Code, h.Message)
		}
	}
	if t.Failed() || rep.Supergraph == nil {
		t.FailNow()
	}
	g.Supergraph, g.Hints = *rep.Supergraph, rep.Hints
	g.File = filepath.Join(t.TempDir(), "supergraph.graphql")
	if err := os.WriteFile(g.File, []byte(g.Supergraph), 0o600); err != nil {
		t.Fatal(err)
	}
	return g
}

// ApolloGateway serves the supergraph file with Apollo Gateway
// (tools/web/apollo-gateway.mjs) on 127.0.0.1 and returns its GraphQL URL once it
// listens. It stops when t ends.
func ApolloGateway(t testing.TB, supergraphFile string) string {
	t.Helper()
	nodeBin := webtest.Node(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, nodeBin, filepath.Join(webtest.Dir(t), "apollo-gateway.mjs"), supergraphFile)
	cmd.WaitDelay = 5 * time.Second
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = first
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited //nolint:errcheck // the process was killed on purpose
	})
	// The script prints "apollo gateway on URL" once it listens.
	select {
	case line := <-first.line:
		if _, url, ok := strings.Cut(line, " on "); ok && strings.HasPrefix(url, "http://127.0.0.1:") {
			return url
		}
		t.Fatalf("apollo-gateway.mjs printed %q, not its address\nstderr: %s", line, stderr.tail())
	case err := <-exited:
		exited <- err // for the cleanup
		t.Fatalf("apollo-gateway.mjs exited before serving: %v\nstderr: %s", err, stderr.tail())
	case <-time.After(nodeTimeout):
		t.Fatalf("apollo-gateway.mjs printed no address within %v\nstderr: %s", nodeTimeout, stderr.tail())
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

// lockedBuffer is a process's stderr, read while the process may still write it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) tail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return webtest.Tail(b.buf.Bytes(), 3000)
}
