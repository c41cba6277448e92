package systemtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/schema"
)

// bin is the directory TestMain builds the binaries into.
var bin string

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		fmt.Fprintln(os.Stderr, "systemtest: redis-server is not on the PATH (.ci/run installs it)")
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "fedgraph-systemtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The gateway, devgraph and every subgraph of the table.
	pkgs := []string{"./gateway/cmd/gateway", "./tools/devgraph"}
	for _, sg := range schema.Subgraphs() {
		pkgs = append(pkgs, "./"+sg.Command())
	}
	build := exec.Command("go", append([]string{"build", "-o", dir + string(os.PathSeparator)}, pkgs...)...)
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "systemtest: build: %v\n%s", err, out)
		os.Exit(1)
	}
	bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// process is one of the binaries, run with fixed arguments so that it can be restarted
// on the same port.
type process struct {
	t    *testing.T
	name string
	args []string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *bytes.Buffer // what it printed, for failure reports
}

// startProcess runs bin/name on a free port (or port, when not 0) and waits for the line
// it prints once its listener is bound.
func startProcess(t *testing.T, name string, port int, args ...string) *process {
	t.Helper()
	if port == 0 {
		port = freePort(t)
	}
	p := &process{t: t, name: name, port: port, args: append([]string{"-listen-addr", fmt.Sprintf("127.0.0.1:%d", port), "-log-level", "warn"}, args...)}
	p.start()
	t.Cleanup(func() {
		p.signal(syscall.SIGCONT)
		p.kill()
		if t.Failed() {
			t.Logf("%s printed:\n%s", name, tail(p.output(), 3000))
		}
	})
	return p
}

func (p *process) start() {
	p.t.Helper()
	cmd := exec.Command(filepath.Join(bin, p.name), p.args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	out := &bytes.Buffer{}
	cmd.Stderr = &lockedWriter{w: out, mu: &p.mu}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.cmd, p.out = cmd, out
	p.mu.Unlock()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			out.WriteString(line + "\n")
			p.mu.Unlock()
			if !signalled && strings.Contains(line, " on http://") && strings.HasSuffix(line, "/graphql") {
				signalled = true
				ready <- true
			}
		}
		if !signalled {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			p.t.Fatalf("%s exited before serving:\n%s", p.name, tail(p.output(), 2000))
		}
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s did not start:\n%s", p.name, tail(p.output(), 2000))
	}
}

func (p *process) url() string  { return fmt.Sprintf("http://127.0.0.1:%d/graphql", p.port) }
func (p *process) base() string { return fmt.Sprintf("http://127.0.0.1:%d", p.port) }

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out == nil {
		return ""
	}
	return p.out.String()
}

func (p *process) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(sig)
	}
}

// kill stops the process at once, as a crash does, and waits for it.
func (p *process) kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// stop sends SIGTERM and waits for the process to exit, returning its error.
func (p *process) stop() error {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return fmt.Errorf("%s did not exit within 30s of SIGTERM", p.name)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// redisServer is a redis-server process of the test's own, on its own port and data
// directory, with the append-only file as compose and Kubernetes run it.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{t: t, port: freePort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
		"--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	c := r.client()
	defer c.Close()
	eventually(r.t, 10*time.Second, "redis answers PING", func() bool {
		return c.Ping(context.Background()).Err() == nil
	})
}

// kill stops Redis at once (SIGKILL): what it wrote to the append-only file survives.
func (r *redisServer) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

func (r *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *redisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
}

// eventually polls cond until it holds or within passes; it waits on the system, never
// for a fixed time.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// system is the whole graph as processes: a Redis per subgraph, users, products
// (consuming users' events) and the gateway.
type system struct {
	// redis is each subgraph's Redis, by name (startSystem); usersRedis and productsRedis
	// are those the tests name, and so are users and products.
	redis                     map[string]*redisServer
	usersRedis, productsRedis *redisServer
	users, products, gateway  *process
}

// gatewayArgs are the gateway settings of the system tests: short timeouts and breaker
// windows, and fast schema polling, so that each fault shows quickly.
var gatewayArgs = []string{
	"-subgraph-timeout", "1s", "-startup-timeout", "2s", "-schema-poll-interval", "200ms",
	"-breaker-failures", "5", "-breaker-open", "500ms",
}

// startSystem starts the whole graph from the table of subgraphs (schema.Subgraphs), each
// on a Redis of its own, in table order (products asks users, which comes first), then
// the gateway over all of them; gatewayExtra are more gateway flags. A subgraph added to
// the table is in every test that starts the system.
func startSystem(t *testing.T, gatewayExtra ...string) *system {
	t.Helper()
	s := &system{redis: map[string]*redisServer{}}
	args := slices.Clone(gatewayArgs)
	for _, sg := range schema.Subgraphs() {
		s.redis[sg.Name] = startRedis(t)
		s.usersRedis, s.productsRedis = s.redis["users"], s.redis["products"]
		p := startProcess(t, sg.Name, 0, s.subgraphArgs(sg.Name)...)
		switch sg.Name {
		case "users":
			s.users = p
		case "products":
			s.products = p
		}
		args = append(args, "-subgraph", sg.Name+"="+p.url())
	}
	s.gateway = startProcess(t, "gateway", 0, append(args, gatewayExtra...)...)
	return s
}

// subgraphArgs are the flags of the subgraph called name in the system: its own Redis
// and the tests' cursor secret, and for products what productsArgs adds.
func (s *system) subgraphArgs(name string) []string {
	if name == "products" {
		return s.productsArgs()
	}
	return []string{"-redis-url", s.redis[name].url(), "-cursor-secret", "system-test"}
}

// metric returns the value of a series from a Prometheus text page, 0 when absent.
func metric(t *testing.T, url, series string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return 0
}

func (s *system) productsArgs() []string {
	return []string{"-redis-url", s.productsRedis.url(), "-cursor-secret", "system-test",
		"-users-url", s.users.url(), "-events-redis-url", s.usersRedis.url(), "-events-retry-after", "200ms",
		"-events-max-deliveries", "3"}
}

// post sends a GraphQL request within 10 s; a transport error, or an answer that is not
// a GraphQL response, is returned, not fatal.
func post(url, query string, vars map[string]any, header map[string]string) (graphqltest.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return graphqltest.PostContext(ctx, url, graphqltest.Request{Query: query, Variables: vars, Header: graphqltest.Headers(header)})
}

// must sends a request that must succeed and decodes its data.
func must(t *testing.T, url, query string, vars map[string]any, out any) {
	t.Helper()
	r, err := post(url, query, vars, nil)
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("%s: %v %+v", query, err, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

func (s *system) createUser(t *testing.T, name string) string {
	t.Helper()
	var d struct{ CreateUser struct{ ID string } }
	must(t, s.gateway.url(), `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"}}, &d)
	return d.CreateUser.ID
}

func (s *system) createProduct(t *testing.T, name, owner string) string {
	t.Helper()
	var d struct{ CreateProduct struct{ ID string } }
	must(t, s.gateway.url(), `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "ownerId": owner, "price": map[string]any{"amount": "1.00", "currencyCode": "USD"}}}, &d)
	return d.CreateProduct.ID
}

// load sends query from workers goroutines until stop is called, and hands every
// answer to record.
func load(workers int, url, query string, vars map[string]any, record func(graphqltest.Response, error)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				r, err := post(url, query, vars, nil)
				record(r, err)
			}
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// readyz returns the gateway's readiness detail.
func readyz(t *testing.T, gw *process) (st struct {
	Generation uint64
	Subgraphs  []struct {
		Name, Schema, Breaker string
		Reachable             bool
	}
}) {
	t.Helper()
	resp, err := http.Get(gw.base() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&st)
	return st
}
