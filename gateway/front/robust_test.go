package front_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// blockingExecutor waits for its context, or for release when it ignores the context.
type blockingExecutor struct {
	ignoreCtx   bool
	release     chan struct{}
	hadDeadline chan bool
}

func (e *blockingExecutor) Execute(ctx context.Context, _ *front.Operation) *front.Result {
	_, ok := ctx.Deadline()
	e.hadDeadline <- ok
	if e.ignoreCtx {
		<-e.release
	} else {
		<-ctx.Done()
	}
	return &front.Result{Data: []byte(`{"late":true}`)}
}

// TestRequestTimeout checks that the request deadline reaches the executor and that the
// front answers at the deadline even when the executor ignores it.
func TestRequestTimeout(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		name := map[bool]string{false: "executor honours ctx", true: "executor ignores ctx"}[ignore]
		t.Run(name, func(t *testing.T) {
			exec := &blockingExecutor{ignoreCtx: ignore, release: make(chan struct{}), hadDeadline: make(chan bool, 1)}
			t.Cleanup(func() { close(exec.release) })
			cfg := front.DefaultConfig()
			cfg.RequestTimeout = 100 * time.Millisecond
			srv := newServer(t, cfg, exec)
			r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(`{"query":"{ hello }"}`), nil)
			if r.status != http.StatusGatewayTimeout {
				t.Fatalf("status: got %d, want 504: %s", r.status, r.body)
			}
			if got := decode(t, r).code(); got != errcode.RequestTimeout {
				t.Errorf("code: got %q, want %q", got, errcode.RequestTimeout)
			}
			if !<-exec.hadDeadline {
				t.Errorf("the executor's context had no deadline")
			}
		})
	}
}

// honouringExecutor waits for its context and says it does: the front runs it inline.
type honouringExecutor struct{ panics bool }

func (e honouringExecutor) HonoursContext() {}

func (e honouringExecutor) Execute(ctx context.Context, _ *front.Operation) *front.Result {
	if e.panics {
		panic("secret internal detail")
	}
	<-ctx.Done()
	return &front.Result{Data: []byte(`{"late":true}`)}
}

// TestInlineExecutor checks the inline path: the deadline still answers 504, and a panic
// still becomes a generic 500.
func TestInlineExecutor(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.RequestTimeout = 100 * time.Millisecond
	srv := newServer(t, cfg, honouringExecutor{})
	r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(`{"query":"{ hello }"}`), nil)
	if got := decode(t, r).code(); r.status != http.StatusGatewayTimeout || got != errcode.RequestTimeout {
		t.Errorf("at the deadline: got %d %q, want 504 %s", r.status, got, errcode.RequestTimeout)
	}
	srv = newServer(t, front.DefaultConfig(), honouringExecutor{panics: true})
	r = do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON, strings.NewReader(`{"query":"{ hello }"}`), nil)
	if got := decode(t, r).code(); r.status != http.StatusInternalServerError || got != errcode.InternalServerError || strings.Contains(string(r.body), "secret") {
		t.Errorf("a panic: got %d %s", r.status, r.body)
	}
}

type panickingExecutor struct{}

func (panickingExecutor) Execute(context.Context, *front.Operation) *front.Result {
	panic("secret internal detail")
}

type nilExecutor struct{}

func (nilExecutor) Execute(context.Context, *front.Operation) *front.Result { return nil }

// TestPanicsAreContained checks that a panic in the executor's goroutine or in the handler's
// own goroutine (here, the schema func) becomes a generic 500 and leaves the server serving.
func TestPanicsAreContained(t *testing.T) {
	tests := []struct {
		name   string
		exec   front.Executor
		schema func() *ast.Schema
	}{
		{name: "executor panics", exec: panickingExecutor{}},
		{name: "executor returns nil", exec: nilExecutor{}},
		{name: "schema func panics", exec: &trivialExecutor{}, schema: func() *ast.Schema { panic("secret internal detail") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := tt.schema
			if schema == nil {
				s := testSchema(t)
				schema = func() *ast.Schema { return s }
			}
			h, err := front.New(front.DefaultConfig(), schema, tt.exec, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			srv := newHTTPTestServer(t, h)
			for range 2 { // the second request proves the server survived the first
				r := do(t, http.MethodPost, srv+"/graphql", mediaJSON, mediaGQL, strings.NewReader(`{"query":"{ hello }"}`), nil)
				if r.status != http.StatusInternalServerError {
					t.Fatalf("status: got %d, want 500: %s", r.status, r.body)
				}
				if got := decode(t, r).code(); got != errcode.InternalServerError {
					t.Errorf("code: got %q, want %q", got, errcode.InternalServerError)
				}
				if strings.Contains(string(r.body), "secret") {
					t.Errorf("the response leaks the panic: %s", r.body)
				}
			}
		})
	}
}
