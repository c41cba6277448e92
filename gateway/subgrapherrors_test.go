package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// leakyErrors is a fault that fails every lookup of a batched request, or the request's
// root field, with an error whose message holds an internal address and the gateway's
// own subgraph query, coded code ("" for no extensions at all), as a subgraph that
// passes its exceptions on does.
func leakyErrors(code, root string) fault {
	return func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var req struct {
			Query     string                     `json:"query"`
			Variables map[string]json.RawMessage `json:"variables"`
		}
		json.Unmarshal(body, &req)
		msg := "redis: dial tcp 10.0.0.5:6379: connect: connection refused (while running " + req.Query + ")"
		e := func(path string) map[string]any {
			m := map[string]any{"message": msg, "path": []string{path},
				"locations": []map[string]int{{"line": 1, "column": 42}}}
			if code != "" {
				m["extensions"] = map[string]any{"code": code, "stacktrace": []string{"at redis.go:12"}}
			}
			return m
		}
		data := map[string]any{}
		var errs []map[string]any
		if root != "" {
			data, errs = nil, append(errs, e(root))
		}
		for name := range req.Variables {
			if strings.HasPrefix(name, "_f") {
				data[name] = nil
				errs = append(errs, e(name))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data, "errors": errs})
	}
}

// TestSubgraphErrorsRedacted has a subgraph answer errors whose message leaks an
// internal address and the gateway's subgraph query: without a documented code (none, an
// unknown one, INTERNAL_SERVER_ERROR, or a validation failure of the gateway's request)
// the client gets one error naming the subgraph, with INTERNAL_SERVER_ERROR and the
// client's path (a code of the subgraph's own, as REDIS_ERROR, kept instead), and none
// of the text; a documented code keeps its message; and
// -expose-subgraph-errors keeps every message.
func TestSubgraphErrorsRedacted(t *testing.T) {
	const list = `{ products(first: 2) { edges { node { name owner { name } } } } }`
	const owners = `{"products":{"edges":[{"node":{"name":"Product 000","owner":null}},{"node":{"name":"Product 001","owner":null}}]}}`
	redactedAs := func(sg, path, code string) string {
		return `[{"message":"subgraph ` + sg + ` returned an error","path":` + path + `,"extensions":{"code":"` + code + `","subgraph":"` + sg + `"}}]`
	}
	redacted := func(sg, path string) string { return redactedAs(sg, path, "INTERNAL_SERVER_ERROR") }
	const ownerPath = `["products","edges",0,"node","owner"]`
	for _, mode := range []struct {
		name string
		opts []option
	}{{"stitch", nil}, {"federation", []option{withFederation(t)}}} {
		t.Run(mode.name, func(t *testing.T) {
			g := startGraph(t, redistest.Miniredis, mode.opts...)
			seed(t, g)
			for _, code := range []string{"", "REDIS_ERROR", "INTERNAL_SERVER_ERROR", "GRAPHQL_VALIDATION_FAILED"} {
				t.Run("code "+code, func(t *testing.T) {
					defer g.users.inject(leakyErrors(code, ""))()
					r := g.post(t, list, nil)
					// A code of the subgraph's own is kept, its message is not.
					want := redacted("users", ownerPath)
					if code == "REDIS_ERROR" {
						want = redactedAs("users", ownerPath, code)
					}
					exact(t, r, owners, want)
					b, _ := json.Marshal(r)
					for _, leak := range []string{"10.0.0.5", "redis", "_entities", "node(", "_f0", "stacktrace", "locations"} {
						if strings.Contains(string(b), leak) {
							t.Errorf("the client sees %q: %s", leak, b)
						}
					}
				})
			}
			t.Run("a root field", func(t *testing.T) {
				defer g.products.inject(leakyErrors("", "product"))()
				exact(t, g.post(t, `{ product(id: "Product:0190f3a0-0000-7000-8000-000000000000") { name } }`, nil),
					`{"product":null}`, redacted("products", `["product"]`))
			})
			t.Run("a documented code keeps its message", func(t *testing.T) {
				defer g.users.inject(errorPerLookup("the data store did not answer in time", "SERVICE_UNAVAILABLE"))()
				exact(t, g.post(t, list, nil), owners,
					`[{"message":"the data store did not answer in time","path":`+ownerPath+`,"extensions":{"code":"SERVICE_UNAVAILABLE","subgraph":"users"}}]`)
			})
		})
	}
	t.Run("exposed", func(t *testing.T) {
		g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.ExposeSubgraphErrors = true })
		seed(t, g)
		defer g.users.inject(leakyErrors("", ""))()
		r := g.post(t, list, nil)
		if len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0].Message, "redis: dial tcp 10.0.0.5:6379") || r.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" {
			t.Errorf("with -expose-subgraph-errors: %+v", r.Errors)
		}
	})
}

// endless is a fault that answers a JSON body that never ends, counting the bytes it
// manages to write; done is closed when a write fails (the gateway hung up).
type endless struct {
	written atomic.Int64
	done    chan struct{}
}

func (e *endless) fault(w http.ResponseWriter, _ *http.Request, _ []byte) {
	defer close(e.done)
	w.Header().Set("Content-Type", "application/json")
	chunk := []byte(strings.Repeat("x", 32<<10))
	n, err := io.WriteString(w, `{"data":{"_f0":{"name":"`)
	e.written.Add(int64(n))
	for err == nil && e.written.Load() < 1<<30 {
		n, err = w.Write(chunk)
		e.written.Add(int64(n))
	}
}

// TestSubgraphResponseCap has the users subgraph answer an owner lookup with a body that
// never ends: the gateway stops reading at -max-subgraph-response-bytes (1 MiB here),
// closes the connection, and answers the owner with one SUBGRAPH_RESPONSE_TOO_LARGE
// error. The subgraph's writes fail soon after: it wrote the cap and what the sockets'
// buffers held, never the gigabyte it was trying to (the gateway used to read 64 MiB).
func TestSubgraphResponseCap(t *testing.T) {
	const limit = 1 << 20
	for _, tr := range []struct {
		name string
		opt  option
	}{
		{"fasthttp", func(c *gateway.Config) {}},
		{"net/http", func(c *gateway.Config) { c.Transport = &http.Transport{} }},
	} {
		t.Run(tr.name, func(t *testing.T) {
			g := startGraph(t, redistest.Miniredis, tr.opt, func(c *gateway.Config) {
				c.MaxSubgraphResponseBytes = limit
				c.Resilience.Retries = 0
			})
			ada := g.createUser(t, "Ada", "ada@example.com")
			g.createProduct(t, "Engine", "1", "USD", ada)
			e := &endless{done: make(chan struct{})}
			defer g.users.inject(e.fault)()
			exact(t, g.post(t, `{ products(first: 1) { edges { node { name owner { name } } } } }`, nil),
				`{"products":{"edges":[{"node":{"name":"Engine","owner":null}}]}}`,
				fmt.Sprintf(`[{"message":"subgraph users answered more than %d bytes","path":["products","edges",0,"node","owner"],"extensions":{"code":"SUBGRAPH_RESPONSE_TOO_LARGE","subgraph":"users"}}]`, limit))
			select {
			case <-e.done:
			case <-time.After(20 * time.Second):
				t.Fatalf("the subgraph is still writing after %d bytes: the gateway did not hang up", e.written.Load())
			}
			if n := e.written.Load(); n > 16<<20 {
				t.Errorf("the subgraph wrote %d bytes before the gateway hung up; the cap is %d", n, limit)
			} else {
				t.Logf("the subgraph wrote %d bytes (cap %d)", n, limit)
			}
		})
	}
}
