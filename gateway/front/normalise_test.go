package front_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// crashQuery is a shape that makes nautilus's planner panic in a goroutine of its own ("send
// on closed channel" after two planning steps fail on untyped inline fragments). The panic
// depends on goroutine timing, so the child process tries it many times.
const crashQuery = `{ products { edges { node { ... { id } } } } node(id: "x") { ... { id } ... { id } } }`

// TestNautilusPlannerCrashGuard proves both halves of the untyped-inline-fragment defence:
// the raw query kills a process that hands it straight to nautilus (run in a child process),
// and the same query through the front is answered correctly.
func TestNautilusPlannerCrashGuard(t *testing.T) {
	if os.Getenv("FRONT_NAUTILUS_CRASH_CHILD") == "1" {
		// The child: hand the query to nautilus unnormalised. The planner's goroutine panics
		// and the process dies before the line below runs.
		exec := newNautilusExecutor(t)
		q := crashQuery
		if v := os.Getenv("FRONT_NAUTILUS_CRASH_QUERY"); v != "" {
			q = v
		}
		for range 200 {
			res := exec.Execute(context.Background(), &front.Operation{Query: q})
			if len(res.Errors) == 0 {
				fmt.Printf("nautilus planned the query: %v\n", res.Data)
			}
		}
		fmt.Println("nautilus survived the query")
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNautilusPlannerCrashGuard$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FRONT_NAUTILUS_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("panic")) || bytes.Contains(out, []byte("nautilus survived")) {
		t.Fatalf("nautilus no longer crashes on %s (exit error %v); the front's rewrite may be unneeded:\n%s",
			crashQuery, err, webtest.Tail(out, 1500))
	}

	srv := newServer(t, front.DefaultConfig(), newNautilusExecutor(t))
	r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(queryBody(t, crashQuery)), nil)
	g := decode(t, r)
	if r.status != http.StatusOK || len(g.Errors) != 0 {
		t.Fatalf("through the front: got %d %s, want 200 without errors", r.status, r.body)
	}
	jsonEq(`{"products":{"edges":[{"node":{"id":"Product:1"}},{"node":{"id":"Product:2"}},{"node":{"id":"Product:3"}}]},"node":{"id":"x"}}`)(t, g.Data)
}

// recordingExecutor keeps the last operation it was given.
type recordingExecutor struct{ last *front.Operation }

func (e *recordingExecutor) Execute(_ context.Context, op *front.Operation) *front.Result {
	e.last = op
	return &front.Result{Data: map[string]any{}}
}

// TestNormalisedQueryText checks the text the executor gets.
func TestNormalisedQueryText(t *testing.T) {
	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	tests := []struct {
		name          string
		query         string
		vars          map[string]any
		operationName string
		want          string // the Operation.Query, whitespace squashed
		wantVars      []string
	}{
		{name: "untouched query keeps the client's text", query: "{ hello   tags }", want: "{ hello tags }"},
		{name: "untyped fragments are inlined", query: `{ ... { hello } ... { tags ... { hello } } }`,
			want: "query { hello tags hello }"},
		{name: "untyped fragment with a directive gets a type condition", query: `{ ... @include(if: true) { hello } }`,
			want: "query { ... on Query @include(if: true) { hello } }"},
		{name: "nested untyped fragment gets its parent type", query: `{ products { edges { ... @skip(if: false) { cursor } } } }`,
			want: "query { products { edges { ... on ProductEdge @skip(if: false) { cursor } } } }"},
		{name: "variable conditions are bound and their definitions dropped",
			query: `query Q($a: Boolean!, $n: String) { ... on Query @include(if: $a) { hello(name: $n) } }`,
			vars:  map[string]any{"a": true, "n": "x"},
			want:  "query Q ($n: String) { ... on Query @include(if: true) { hello(name: $n) } }", wantVars: []string{"n"}},
		{name: "other operations and their fragments are dropped", operationName: "B",
			query: `query A { ...FA } query B { ... { ...FB } } fragment FA on Query { hello } fragment FB on Query { tags }`,
			want:  "query B { ... FB } fragment FB on Query { tags }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingExecutor{}
			srv := newServer(t, front.DefaultConfig(), rec)
			r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, "", strings.NewReader(body(t, map[string]any{
				"query": tt.query, "variables": tt.vars, "operationName": tt.operationName,
			})), nil)
			if r.status != http.StatusOK || rec.last == nil {
				t.Fatalf("got %d %s, want the operation executed", r.status, r.body)
			}
			if got := squash(rec.last.Query); got != tt.want {
				t.Errorf("Operation.Query:\n got %s\nwant %s", got, tt.want)
			}
			if len(rec.last.Variables) != len(tt.wantVars) {
				t.Errorf("Operation.Variables: got %v, want keys %v", rec.last.Variables, tt.wantVars)
			}
			for _, k := range tt.wantVars {
				if _, ok := rec.last.Variables[k]; !ok {
					t.Errorf("Operation.Variables: got %v, want key %q", rec.last.Variables, k)
				}
			}
			if rec.last.Document == nil || len(rec.last.Document.Operations) == 0 {
				t.Errorf("Operation.Document: got %v, want the parsed document", rec.last.Document)
			}
		})
	}
}
