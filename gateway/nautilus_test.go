package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// plainNautilus serves nautilus/gateway with its defaults over the test graph's
// subgraphs, as a team using it directly would run it: the baseline our executor
// replaces. Its only departure from the defaults is reading each subgraph's SDL, as
// nautilus's introspection reader rejects current gqlgen schemas.
func plainNautilus(t testing.TB, g *graph) string {
	t.Helper()
	var sources []*graphql.RemoteSchema
	for _, u := range []string{g.usersURL, g.productsURL} {
		resp, err := http.Get(strings.TrimSuffix(u, "/graphql") + "/schema.graphql")
		if err != nil {
			t.Fatal(err)
		}
		sdl, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s, err := gqlparser.LoadSchema(&ast.Source{Name: u, Input: string(sdl)})
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &graphql.RemoteSchema{URL: u, Schema: s})
	}
	gw, err := nautilus.New(sources, nautilus.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(gw.GraphQLHandler))
	t.Cleanup(srv.Close)
	return srv.URL
}

// quietLogger keeps nautilus's logrus default out of the test output.
type quietLogger struct{}

func (quietLogger) Debug(...any)                                     {}
func (quietLogger) Info(...any)                                      {}
func (quietLogger) Warn(...any)                                      {}
func (quietLogger) WithFields(nautilus.LoggerFields) nautilus.Logger { return quietLogger{} }
func (quietLogger) QueryPlanStep(*nautilus.QueryPlanStep)            {}

// postTo sends one GraphQL request to url and decodes the answer, with a deadline so
// that a hung baseline cannot stall the suite.
func postTo(t testing.TB, url, query string, vars map[string]any) result {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	var r result
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode response (status %d): %v", resp.StatusCode, err)
	}
	return r
}

// crashQuery makes nautilus's planner panic in a goroutine of its own ("send on closed
// channel" after two planning steps fail on untyped inline fragments), which kills the
// process. The panic depends on goroutine timing, so the child tries it many times.
const crashQuery = `{ products { edges { node { ... { id } } } } node(id: "User:x") { ... { id } ... { id } } }`

// TestNautilusPlannerCrashGuard proves both halves of the untyped-fragment defence: the
// query kills a process that hands it to plain nautilus (run in a child process), and
// the same query through our gateway is answered.
func TestNautilusPlannerCrashGuard(t *testing.T) {
	if os.Getenv("GATEWAY_NAUTILUS_CRASH_CHILD") == "1" {
		g := startGraph(t, redistest.Miniredis)
		url := plainNautilus(t, g)
		for range 200 {
			postTo(t, url, crashQuery, nil)
		}
		fmt.Println("nautilus survived the query")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNautilusPlannerCrashGuard$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GATEWAY_NAUTILUS_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("panic")) || bytes.Contains(out, []byte("nautilus survived")) {
		t.Fatalf("nautilus no longer crashes on %s (exit error %v); the gateway's rewrite may be unneeded:\n%s",
			crashQuery, err, webtest.Tail(out, 1500))
	}

	g := startGraph(t, redistest.Miniredis)
	ada := g.createUser(t, "Ada", "ada@example.com")
	pid := g.createProduct(t, "Engine", "1", "USD", ada)
	q := strings.Replace(crashQuery, "User:x", ada, 1)
	exact(t, g.post(t, q, nil), fmt.Sprintf(`{"products":{"edges":[{"node":{"id":%q}}]},"node":{"id":%q}}`, pid, ada), `null`)
}
