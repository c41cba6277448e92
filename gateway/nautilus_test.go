package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
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

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// plainNautilus serves nautilus/gateway with its defaults over the test graph's
// subgraphs, as a team using it directly would run it: the baseline our executor
// replaces. Its only departure from the defaults is reading each subgraph's SDL, as
// nautilus's introspection reader rejects current gqlgen schemas. It runs in a child
// process (this test binary, see TestMain): nautilus's executor has data races, which
// under -race would fail our tests for nautilus's code. It returns the baseline's URL.
func plainNautilus(t testing.TB, g *graph) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), plainNautilusEnv+"="+g.usersURL+","+g.productsURL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "nautilus on ")
	if err != nil || !ok {
		t.Fatalf("plain nautilus did not start: %q %v", line, err)
	}
	return url
}

// plainNautilusEnv, set to the subgraph URLs, makes the test binary serve plain
// nautilus instead of running tests.
const plainNautilusEnv = "GATEWAY_PLAIN_NAUTILUS"

func TestMain(m *testing.M) {
	if urls := os.Getenv(plainNautilusEnv); urls != "" {
		servePlainNautilus(strings.Split(urls, ","))
		return
	}
	os.Exit(m.Run())
}

// servePlainNautilus serves plain nautilus over the subgraphs at urls on a loopback
// port, printing "nautilus on URL", until its parent kills it.
func servePlainNautilus(urls []string) {
	h, err := newPlainNautilus(urls)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("nautilus on http://%s/graphql\n", ln.Addr())
	http.Serve(ln, h)
}

// newPlainNautilus builds plain nautilus over the subgraphs at urls.
func newPlainNautilus(urls []string) (http.Handler, error) {
	var sources []*graphql.RemoteSchema
	for _, u := range urls {
		resp, err := http.Get(strings.TrimSuffix(u, "/graphql") + "/schema.graphql")
		if err != nil {
			return nil, err
		}
		sdl, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s, err := gqlparser.LoadSchema(&ast.Source{Name: u, Input: string(sdl)})
		if err != nil {
			return nil, err
		}
		sources = append(sources, &graphql.RemoteSchema{URL: u, Schema: s})
	}
	gw, err := nautilus.New(sources, nautilus.WithLogger(quietLogger{}))
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(gw.GraphQLHandler), nil
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
func postTo(t testing.TB, url, query string, vars map[string]any) graphqltest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := graphqltest.PostContext(ctx, url, graphqltest.Request{Query: query, Variables: vars})
	if err != nil {
		t.Fatalf("post: %v", err)
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
		h, err := newPlainNautilus([]string{g.usersURL, g.productsURL})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		url := srv.URL
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
