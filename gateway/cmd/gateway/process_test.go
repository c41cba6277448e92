package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/schema"
)

// TestProcesses builds the three binaries and runs them as separate processes on
// loopback, each subgraph on its embedded Redis: health endpoints, a query through the
// gateway, readiness when a subgraph dies, and graceful exit on SIGTERM.
func TestProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	bin := t.TempDir()
	// The gateway and every subgraph of the table.
	pkgs := []string{"github.com/fedgraph/fedgraph/gateway/cmd/gateway"}
	for _, sg := range schema.Subgraphs() {
		pkgs = append(pkgs, "github.com/fedgraph/fedgraph/"+sg.Command())
	}
	build := exec.Command("go", append([]string{"build", "-o", bin + string(os.PathSeparator)}, pkgs...)...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	users := start(t, filepath.Join(bin, "users"), "-listen-addr", "127.0.0.1:0")
	products := start(t, filepath.Join(bin, "products"), "-listen-addr", "127.0.0.1:0", "-users-url", users.url, "-events=off")
	gw := start(t, filepath.Join(bin, "gateway"), "-listen-addr", "127.0.0.1:0",
		"-subgraph", "users="+users.url, "-subgraph", "products="+products.url, "-startup-timeout", "20s")

	for _, p := range []*proc{users, products, gw} {
		for _, path := range []string{"/healthz", "/readyz"} {
			if code := status(t, p.base()+path); code != http.StatusOK {
				t.Errorf("%s%s = %d, want 200", p.name, path, code)
			}
		}
	}

	var created struct {
		Data   struct{ CreateUser struct{ ID string } }
		Errors []any
	}
	post(t, gw.url, `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`, &created)
	if len(created.Errors) > 0 || created.Data.CreateUser.ID == "" {
		t.Fatalf("createUser: %+v", created)
	}
	var product struct {
		Data   struct{ CreateProduct struct{ ID string } }
		Errors []any
	}
	post(t, gw.url, `mutation { createProduct(input: {name: "Engine", ownerId: "`+created.Data.CreateUser.ID+`", price: {amount: "1.50", currencyCode: EUR}}) { id } }`, &product)
	if len(product.Errors) > 0 || product.Data.CreateProduct.ID == "" {
		t.Fatalf("createProduct: %+v", product)
	}
	var got struct {
		Data struct {
			Products struct {
				Edges []struct {
					Node struct {
						Name  string
						Price struct{ Amount string }
						Owner struct{ Email string }
					}
				}
			}
		}
	}
	post(t, gw.url, `{ products(first: 3) { edges { node { id name price { amount currencyCode } owner { name email } } } } }`, &got)
	if e := got.Data.Products.Edges; len(e) != 1 || e[0].Node.Owner.Email != "ada@example.com" || e[0].Node.Price.Amount != "1.50" {
		t.Fatalf("product with owner through three processes: %+v", got)
	}

	// A subgraph stops gracefully. The gateway stays ready, since it still serves the
	// rest of the graph, and its readiness detail says which subgraph is unreachable;
	// queries say which subgraph is missing, never where it was.
	products.stop(t)
	resp, err := http.Get(gw.base() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status    string
		Subgraphs []struct {
			Name, Schema string
			Reachable    bool
		}
	}
	json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	want := `{ready [{users loaded true} {products loaded false}]}`
	if got := fmt.Sprint(ready); resp.StatusCode != http.StatusOK || got != want {
		t.Errorf("gateway /readyz with products down: %d %s, want 200 %s", resp.StatusCode, got, want)
	}
	var failed struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	post(t, gw.url, `{ products(first: 1) { edges { cursor } } }`, &failed)
	if len(failed.Errors) != 1 || failed.Errors[0].Extensions["code"] != "SUBGRAPH_UNAVAILABLE" || strings.Contains(failed.Errors[0].Message, "127.0.0.1") {
		t.Errorf("query with products down: %+v", failed.Errors)
	}
	gw.stop(t)
	users.stop(t)
}

// TestBadConfiguration checks that every bad setting is reported at once, from flags
// and environment alike, and nothing starts.
func TestBadConfiguration(t *testing.T) {
	env := map[string]string{"MAX_DEPTH": "-1", "SUBGRAPH_TIMEOUT": "soon"}
	err := run(context.Background(), []string{"-listen-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SUBGRAPH_TIMEOUT") {
		t.Fatalf("run with a bad SUBGRAPH_TIMEOUT = %v, want an error naming it", err)
	}
	delete(env, "SUBGRAPH_TIMEOUT")
	err = run(context.Background(), []string{"-listen-addr", "127.0.0.1:0", "-max-cost", "0"}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "depth") || !strings.Contains(strings.ToLower(err.Error()), "cost") {
		t.Fatalf("run with bad max-depth and max-cost = %v, want both reported", err)
	}
}

type proc struct {
	name string
	cmd  *exec.Cmd
	url  string // its GraphQL URL, read from what it prints
	done chan error
}

func (p *proc) base() string { return strings.TrimSuffix(p.url, "/graphql") }

var urlLine = regexp.MustCompile(`on (http://\S+/graphql)`)

// start runs a binary and waits until it prints the URL it serves on: it prints it once
// its listener is bound, so no polling is needed.
func start(t *testing.T, path string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(path), cmd: exec.Command(path, args...), done: make(chan error, 1)}
	// Only what a process needs to run: settings such as REDIS_URL in the test's own
	// environment must not reach it, or it would write to a shared Redis.
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LOG_LEVEL=warn"}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	p.cmd.Stderr = &stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		p.done <- p.cmd.Wait()
	}()
	select {
	case p.url = <-found:
		return p
	case err := <-p.done:
		t.Fatalf("%s exited before serving: %v\n%s", p.name, err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s printed no URL within a minute\n%s", p.name, stderr.String())
	}
	return nil
}

// stop sends SIGTERM and expects a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s after SIGTERM: %v, want exit 0", p.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not exit within 30s of SIGTERM", p.name)
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// post sends query to url and decodes the whole response (data and errors) into out.
func post(t *testing.T, url, query string, out any) {
	t.Helper()
	r := graphqltest.Post(t, url, graphqltest.Request{Query: query})
	if out != nil {
		if err := json.Unmarshal([]byte(r.Raw), out); err != nil {
			t.Fatalf("decode %s: %v", r.Raw, err)
		}
	}
}
