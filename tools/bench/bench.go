package main

import (
	"context"
	"crypto/rand"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/events"
)

// binary is one command the benchmark builds and runs.
type binary struct {
	name string // the binary's name, which go build derives from the package
	pkg  string
}

func (b binary) path(dir string) string { return filepath.Join(dir, b.name) }

// binaries are the four commands, the one list every other step reads.
func binaries() []binary {
	return []binary{
		{"users", "github.com/fedgraph/fedgraph/subgraphs/users/cmd/users"},
		{"products", "github.com/fedgraph/fedgraph/subgraphs/products/cmd/products"},
		{"gateway", "github.com/fedgraph/fedgraph/gateway/cmd/gateway"},
		{"nautilus", "github.com/fedgraph/fedgraph/tools/bench/nautilus"},
	}
}

// The roles whose CPU is measured, in the order the table shows them.
const (
	roleGateway  = "gateway" // whichever gateway the target is; none for the products subgraph
	roleUsers    = "users"
	roleProducts = "products"
	// roleTool is this tool: its clients sending the workload and checking the answers,
	// on the same cores as everything it measures.
	roleTool = "tool"
	// roleMachine is every process on the machine and its kernel: the subgraphs and the
	// gateway, and Redis, this tool's clients and the loopback network besides.
	roleMachine = "machine"
)

// bench is one run: the processes and the seeded graph.
type bench struct {
	cfg    Config
	out    io.Writer
	env    []string // the children's environment
	client *client

	redis    redisChoice
	bin      string
	ticks    int64 // clock ticks per second
	graph    *graph
	users    *proc
	products *proc
	gateway  *proc // ours with its defaults, when started
	// metrics reads the subgraphs' request counters (count.go).
	metrics *http.Client
	// federation describes the supergraph and the Node gateways, for the report; empty
	// when no Node gateway runs.
	federation []string
}

// gatewayProcess is a process whose CPU is measured, a gateway's or another's: one the
// benchmark started (*proc), or one it did not (*external: a peer's, or this tool's).
type gatewayProcess interface {
	cpuTicks() (int64, error)
	// exited says why the process is gone, nil while it runs.
	exited() error
}

// target is one thing a workload runs against, in one table.
type target struct {
	name   string // its -targets name, or a peer's name
	label  string
	url    string
	gw     gatewayProcess // the gateway process, nil for the products subgraph
	direct bool           // whether owners are asked for as ids only
	// key names what is measured: a target that runs the same in every table (it has
	// no deduplication to turn off) has one key for all and is measured once.
	key  string
	peer bool // started outside the benchmark (-peer)
}

// dedupOf says how each target's gateway runs in a table: the flags that turn its
// deduplication off in the nodedup table, and whether it has any to turn off (else it
// runs alike in every table). nautilus and Apollo Gateway share no request in flight;
// the products subgraph alone has no gateway.
func dedupOf(name, table string) (args []string, knob bool) {
	switch name {
	case targetOurs, targetFederation:
		if table == tableNoDedup {
			return []string{"-dedup=false"}, true
		}
		return nil, true
	case targetHive:
		if table == tableNoDedup {
			return []string{"--no-inflight-dedup"}, true
		}
		return nil, true
	}
	return nil, false
}

// targetKey is the key (see target) of target name in table.
func targetKey(name, table string) string {
	if _, knob := dedupOf(name, table); knob {
		return name + "/" + table
	}
	return name
}

// peerKey is the key of a peer in table.
func peerKey(p Peer, table string) string {
	if p.Table == "" {
		return "peer:" + p.Name
	}
	return "peer:" + p.Name + "/" + table
}

// section is one table of the report: its rows, in the order they ran.
type section struct {
	name    string
	rows    rows
	skipped []string
	// shared are the labels of targets whose rows were measured once for every table.
	shared []string
}

func (b *bench) run(ctx context.Context) error {
	// Everything started below stops when run returns, in the reverse order of starting:
	// the processes, the binaries' directory, and last the run's Redis keys,
	// once nothing can write them any more.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var err error
	if b.redis, err = chooseRedis(ctx, b.cfg.RedisURL); err != nil {
		return err
	}
	runID := make([]byte, 6)
	rand.Read(runID)
	prefix := "fedgraph-bench:" + hex.EncodeToString(runID) + ":"
	if b.redis.client != nil {
		defer func() {
			n, err := b.redis.deleteKeys(context.WithoutCancel(ctx), prefix)
			if err != nil {
				fmt.Fprintf(b.out, "bench: deleting keys %s*: %v\n", prefix, err)
			} else {
				fmt.Fprintf(b.out, "Deleted the run's %d Redis keys (%s*).\n", n, prefix)
			}
			b.redis.client.Close()
		}()
	}

	b.ticks = clockTicks(ctx, b.env)
	if b.bin = b.cfg.Bin; b.bin == "" {
		dir, err := os.MkdirTemp("", "fedgraph-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(b.out, "Building the services and the nautilus baseline...")
		if err := build(ctx, dir); err != nil {
			return err
		}
		b.bin = dir
	}

	var procs []*proc
	defer func() {
		for _, p := range slices.Backward(procs) {
			p.stop()
		}
	}()
	startProc := func(name, bin string, want []string, args ...string) (*proc, error) {
		listen := "127.0.0.1:0"
		if port, ok := b.cfg.SubgraphPorts[name]; ok { // a subgraph's process is named after it

			listen = fmt.Sprintf("127.0.0.1:%d", port)
		}
		p, err := start(ctx, procEnv(b.env, name, b.cfg.SubgraphProcs), name, filepath.Join(b.bin, bin), want, append([]string{"-listen-addr", listen}, args...)...)
		if err == nil {
			procs = append(procs, p)
		}
		return p, err
	}

	secret := make([]byte, 16)
	rand.Read(secret)
	sub := func(name string) []string {
		return []string{"-redis-url", b.redis.url, "-key-prefix", prefix + name + ":",
			"-cursor-secret", hex.EncodeToString(secret), "-log-level", "warn", "-metrics-addr", "127.0.0.1:0"}
	}
	// Each subgraph counts the requests it answers, on a metrics listener of its own
	// (count.go): the gateways talk to the subgraphs directly, as deployed.
	if b.users, err = startProc(roleUsers, "users", []string{wantMetrics}, sub("users")...); err != nil {
		return err
	}
	// products asks users about owners when a product is created; those requests are
	// named OwnerExists and left out of users' count, which is what the gateways send.
	// It consumes users' events from the one Redis they share, on users' stream, as
	// deployed (it refuses to start without an events source).
	productsArgs := append(sub("products"), "-users-url", b.users.url,
		"-events-redis-url", b.redis.url, "-events-stream", prefix+"users:"+events.UsersStream)
	if b.products, err = startProc(roleProducts, "products", []string{wantMetrics}, productsArgs...); err != nil {
		return err
	}
	b.metrics = &http.Client{Timeout: 5 * time.Second}
	defer b.metrics.CloseIdleConnections()

	if b.graph, err = seed(ctx, b.client, b.users.url, b.products.url); err != nil {
		return err
	}
	for _, p := range b.cfg.Peers {
		fmt.Fprintf(b.out, "Waiting for peer %s at %s to answer (a), over users on %s and products on %s...\n", p.Name, p.URL, b.users.url, b.products.url)
		if err := waitForPeer(ctx, b.client, p, b.cfg.PeerWait, productWithOwner(b.graph, repeatedProduct, false)); err != nil {
			return err
		}
	}

	// Our gateway and nautilus take the subgraphs alike: -subgraph NAME=URL, in merge order.
	gwArgs := []string{"-subgraph", "users=" + b.users.url, "-subgraph", "products=" + b.products.url}
	// The Node gateways serve one supergraph, composed here from the running subgraphs'
	// SDL and routed to them, as our gateway and nautilus are.
	var supergraph string
	if needsNode(b.cfg.Targets) {
		if supergraph, err = b.composeSupergraph(ctx); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(supergraph))
	}
	// Federation mode serves the subgraphs' supergraph as committed (TestComposition
	// keeps it their composition), routed to the running subgraphs.
	var committed string
	if slices.Contains(b.cfg.Targets, targetFederation) {
		dir, err := os.MkdirTemp("", "fedgraph-bench-federation-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		committed = filepath.Join(dir, "supergraph.graphql")
		if err := os.WriteFile(committed, []byte(schema.Supergraph()), 0o644); err != nil {
			return err
		}
	}

	// Each target of each table, its process started once per key: a target with no
	// deduplication to turn off is one process, and one measurement, for every table.
	started := map[string]target{}
	targetOf := func(name, table string) (target, error) {
		key := targetKey(name, table)
		if t, ok := started[key]; ok {
			return t, nil
		}
		dedup, _ := dedupOf(name, table)
		suffix := ""
		if table == tableNoDedup && len(dedup) > 0 {
			suffix = " (dedup off)"
		}
		t := target{name: name, key: key}
		switch name {
		case targetOurs:
			p, err := startProc("gateway"+suffix, "gateway", []string{wantDebug}, slices.Concat(gwArgs, dedup, []string{"-log-level", "warn", "-debug-addr", "127.0.0.1:0"})...)
			if err != nil {
				return t, err
			}
			if table == tableDefaults {
				b.gateway = p
			}
			t.label, t.url, t.gw = "fedgraph", p.url, p
		case targetFederation:
			args := slices.Concat([]string{"-supergraph", committed}, gwArgs, dedup, []string{"-log-level", "warn", "-debug-addr", "127.0.0.1:0"})
			p, err := startProc("gateway (federation)"+suffix, "gateway", []string{wantDebug}, args...)
			if err != nil {
				return t, err
			}
			t.label, t.url, t.gw = "fedgraph federation", p.url, p
		case targetBaseline:
			p, err := startProc("nautilus", "nautilus", nil, gwArgs...)
			if err != nil {
				return t, err
			}
			t.label, t.url, t.gw = "nautilus", p.url, p
		case targetHive, targetApollo:
			ng := nodeGatewayOf(name)
			args := slices.Concat([]string{filepath.Join(b.cfg.Web, ng.script)}, dedup, []string{supergraph})
			p, err := start(ctx, nodeEnv(b.env), ng.label+suffix, "node", nil, args...)
			if err != nil {
				return t, err
			}
			procs = append(procs, p)
			t.label, t.url, t.gw = ng.label, p.url, p
			// V8 compiles a gateway's hot paths as they run: a second of warmup before
			// the first workload would measure the interpreter. Each Node gateway runs
			// the mixed workload first, unmeasured.
			if b.cfg.NodeWarmup > 0 {
				fmt.Fprintf(b.out, "  warming %s%s up: (d) for %s\n", ng.label, suffix, b.cfg.NodeWarmup)
				var seq atomic.Uint64
				load(ctx, b.client, t.url, b.cfg.Concurrency, b.cfg.NodeWarmup, &seq, func(n uint64) request { return mixed(b.graph, n, false) })
			}
		case targetDirect:
			t.label, t.url, t.direct = "products (direct)", b.products.url, true
		}
		started[key] = t
		return t, nil
	}
	tables := map[string][]target{}
	for _, table := range b.cfg.Tables {
		for _, name := range b.cfg.Targets {
			if name == targetDirect {
				continue // last, after the peers
			}
			t, err := targetOf(name, table)
			if err != nil {
				return err
			}
			tables[table] = append(tables[table], t)
		}
		for _, p := range b.cfg.Peers {
			if p.inTable(table) {
				tables[table] = append(tables[table], target{name: p.Name, label: p.Name, url: p.URL,
					gw: &external{name: "peer " + p.Name, pid: p.PID}, key: peerKey(p, table), peer: true})
			}
		}
		if slices.Contains(b.cfg.Targets, targetDirect) {
			t, _ := targetOf(targetDirect, table)
			tables[table] = append(tables[table], t)
		}
	}
	if b.cfg.Soak > 0 && b.gateway == nil {
		if b.gateway, err = startProc("gateway", "gateway", []string{wantDebug}, slices.Concat(gwArgs, []string{"-log-level", "warn", "-debug-addr", "127.0.0.1:0"})...); err != nil {
			return err
		}
	}

	rep := &report{header: b.header()}
	// done holds each measurement by target key and workload, with the note that
	// replaces it when it failed, for the tables that share it.
	type result struct {
		r    *row
		note string
	}
	done := map[string]result{}
	for _, table := range b.cfg.Tables {
		sec := &section{name: table}
		for _, w := range workloads() {
			if !slices.Contains(b.cfg.Workloads, w.name) {
				continue
			}
			// The targets not measured yet take turns, one round each, cfg.Rounds times.
			measurement := func(t target) string { return t.key + "\x00" + w.name }
			var turn []target
			inTurn := func(t target) bool {
				return slices.ContainsFunc(turn, func(o target) bool { return o.key == t.key })
			}
			for _, t := range tables[table] {
				if _, again := done[measurement(t)]; !again && (!t.direct || w.direct) && !inTurn(t) {
					turn = append(turn, t)
				}
			}
			for round := range b.cfg.Rounds {
				for _, t := range turn {
					k := measurement(t)
					res := done[k]
					if res.note != "" {
						continue // failed in an earlier round
					}
					r, err := b.measure(ctx, w, t, round)
					if ctx.Err() != nil {
						return fmt.Errorf("interrupted: %w", ctx.Err())
					}
					switch {
					case err != nil:
						res = result{note: fmt.Sprintf("%s failed for %s: %v", t.label, w.title, err)}
					case res.r == nil:
						res.r = r
					default:
						res.r.add(r)
					}
					done[k] = res
				}
			}
			for _, t := range turn {
				if res := done[measurement(t)]; res.r != nil {
					fmt.Fprintf(b.out, "  %-8s %-28s %-20s %9.1f rps %6d errors\n", table, w.title, t.label, res.r.rps(), res.r.st.errors)
				}
			}
			for _, t := range tables[table] {
				if t.direct && !w.direct {
					sec.skipped = append(sec.skipped, fmt.Sprintf("%s skipped for %s: %s.", t.label, w.title, w.why))
					continue
				}
				res := done[measurement(t)]
				if !inTurn(t) && !slices.Contains(sec.shared, t.label) {
					sec.shared = append(sec.shared, t.label)
				}
				if res.note != "" {
					sec.skipped = append(sec.skipped, res.note)
					continue
				}
				sec.rows = append(sec.rows, res.r)
			}
		}
		rep.sections = append(rep.sections, sec)
	}
	if b.cfg.Soak > 0 {
		fmt.Fprintf(b.out, "  soak: (d) against fedgraph for %s\n", b.cfg.Soak)
		s, err := b.soak(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		if err != nil {
			return fmt.Errorf("soak: %w", err)
		}
		rep.soak = s
	}
	fmt.Fprintln(b.out)
	rep.write(b.out)
	return nil
}

// composeSupergraph installs tools/web's packages if need be and composes the
// running subgraphs into a supergraph file in a directory of its own,
// whose path it returns; the caller removes the directory.
func (b *bench) composeSupergraph(ctx context.Context) (string, error) {
	if b.cfg.Web == "" {
		web, err := findWeb(ctx)
		if err != nil {
			return "", err
		}
		b.cfg.Web = web
	}
	if err := installWeb(ctx, b.env, b.cfg.Web, func(s string) { fmt.Fprintln(b.out, s) }); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "fedgraph-bench-supergraph-")
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, "supergraph.graphql")
	fmt.Fprintln(b.out, "Composing the supergraph from the subgraphs' _service SDL...")
	hints, err := composeSupergraph(ctx, b.env, b.cfg.Web, file, [][2]string{{"users", b.users.url}, {"products", b.products.url}})
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	b.federation = []string{
		fmt.Sprintf("supergraph: composed in this run by @apollo/composition %s from the subgraphs' `_service { sdl }`, routed to them; %d description hints, no other hint",
			packageVersion(b.cfg.Web, composePkg), hints),
		fmt.Sprintf("Node gateways: Node %s, NODE_ENV=production, one process each, each warmed up by (d) for %s once before its first workload; Hive Gateway: @graphql-hive/gateway %s (its runtime on node:http, tools/web/hive-gateway.mjs; its in-flight deduplication of subgraph requests on, its default, in the defaults table, off in the nodedup table); Apollo Gateway: @apollo/gateway %s in @apollo/server %s (tools/web/apollo-gateway.mjs)",
			nodeVersion(ctx, b.env), b.cfg.NodeWarmup, packageVersion(b.cfg.Web, "@graphql-hive/gateway"), packageVersion(b.cfg.Web, "@apollo/gateway"), packageVersion(b.cfg.Web, "@apollo/server")),
	}
	return file, nil
}

// nodeGatewayOf returns the Node gateway whose -targets name is name.
func nodeGatewayOf(name string) nodeGateway {
	for _, g := range nodeGateways() {
		if g.target == name {
			return g
		}
	}
	panic("bench: no Node gateway " + name)
}

// build compiles the four commands into dir with the caller's Go settings.
func build(ctx context.Context, dir string) error {
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	for _, b := range binaries() {
		args = append(args, b.pkg)
	}
	cmd := command(ctx, os.Environ(), "go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// sample is the counters at one instant.
type sample struct {
	cpu  map[string]int64 // clock ticks by role
	reqs map[string]int64 // GraphQL requests by subgraph
}

func (b *bench) sample(gw gatewayProcess) (sample, error) {
	s := sample{cpu: map[string]int64{}, reqs: map[string]int64{}}
	roles := map[string]gatewayProcess{roleUsers: b.users, roleProducts: b.products,
		roleTool: &external{name: "this tool", pid: os.Getpid()}}
	if gw != nil {
		roles[roleGateway] = gw
	}
	var errs []error
	for role, p := range roles {
		if err := p.exited(); err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := p.cpuTicks()
		errs = append(errs, err)
		s.cpu[role] = t
	}
	t, err := machineTicks()
	errs = append(errs, err)
	s.cpu[roleMachine] = t
	for _, p := range []*proc{b.users, b.products} {
		n, err := subgraphRequests(context.Background(), b.metrics, p.metrics)
		errs = append(errs, err)
		s.reqs[p.name] = n
	}
	return s, errors.Join(errs...)
}

// row is one workload against one target.
type row struct {
	w      workload
	target target
	st     *stats
	cpuMS  map[string]float64 // CPU milliseconds per client query, by role
	// busy is the share of the machine's cores that were busy over the measured window.
	busy float64
	reqs map[string]float64 // subgraph requests per client query, by subgraph
	p50  time.Duration
	p99  time.Duration
}

func (r *row) rps() float64 { return float64(r.st.requests()) / r.st.elapsed.Seconds() }

// measure warms the target up with the workload, then measures one round of it:
// cfg.Duration over cfg.Rounds. The first round warms up for cfg.Warmup, a later one for
// at most a quarter second (the target ran the workload a round before).
func (b *bench) measure(ctx context.Context, w workload, t target, round int) (*row, error) {
	var seq atomic.Uint64
	next := func(n uint64) request { return w.next(b.graph, n, t.direct) }
	b.client.checked.forget()
	warmup := b.cfg.Warmup
	if round > 0 {
		warmup = min(warmup, 250*time.Millisecond)
	}
	if warmup > 0 {
		load(ctx, b.client, t.url, b.cfg.Concurrency, warmup, &seq, next)
	}
	before, err := b.sample(t.gw)
	if err != nil {
		return nil, err
	}
	st := load(ctx, b.client, t.url, b.cfg.Concurrency, b.cfg.Duration/time.Duration(b.cfg.Rounds), &seq, next)
	after, err := b.sample(t.gw)
	if err != nil {
		return nil, err
	}
	r := &row{w: w, target: t, st: st, cpuMS: map[string]float64{}, reqs: map[string]float64{}}
	n := float64(st.requests())
	if n == 0 {
		return nil, errors.New("no request was answered")
	}
	for role, t0 := range before.cpu {
		r.cpuMS[role] = float64(after.cpu[role]-t0) * 1000 / float64(b.ticks) / n
	}
	r.busy = float64(after.cpu[roleMachine]-before.cpu[roleMachine]) / float64(b.ticks) / st.elapsed.Seconds() / float64(runtime.NumCPU())
	for name, c0 := range before.reqs {
		r.reqs[name] = float64(after.reqs[name]-c0) / n
	}
	r.percentiles()
	return r, nil
}

// percentiles sets p50 and p99 from the latencies.
func (r *row) percentiles() {
	sorted := r.st.sortedLatencies()
	r.p50, r.p99 = percentile(sorted, 50), percentile(sorted, 99)
}

// add folds o, another round of the same workload against the same target, into r: the
// requests, errors and latencies summed, the figures per query weighted by each round's
// queries, the busy share by each round's length.
func (r *row) add(o *row) {
	n1, n2 := float64(r.st.requests()), float64(o.st.requests())
	perQuery := func(a, b map[string]float64) {
		for k := range b {
			a[k] = (a[k]*n1 + b[k]*n2) / (n1 + n2)
		}
	}
	perQuery(r.cpuMS, o.cpuMS)
	perQuery(r.reqs, o.reqs)
	e1, e2 := r.st.elapsed.Seconds(), o.st.elapsed.Seconds()
	r.busy = (r.busy*e1 + o.busy*e2) / (e1 + e2)
	r.st.merge(o.st)
	r.st.elapsed += o.st.elapsed
	r.percentiles()
}

// soakResult is the gateway's state before and after a long mixed load.
type soakResult struct {
	d                        time.Duration
	st                       *stats
	rss0, rss1               int64
	goroutines0, goroutines1 int
}

func (b *bench) soak(ctx context.Context) (*soakResult, error) {
	var seq atomic.Uint64
	next := func(n uint64) request { return mixed(b.graph, n, false) }
	b.client.checked.forget()
	// The warmup opens the connections the load keeps, so that both readings see them.
	load(ctx, b.client, b.gateway.url, b.cfg.Concurrency, max(b.cfg.Warmup, time.Second), &seq, next)
	s := &soakResult{d: b.cfg.Soak}
	var err error
	if s.rss0, s.goroutines0, err = b.gatewayState(ctx); err != nil {
		return nil, err
	}
	s.st = load(ctx, b.client, b.gateway.url, b.cfg.Concurrency, b.cfg.Soak, &seq, next)
	if s.rss1, s.goroutines1, err = b.gatewayState(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// gatewayState reads our gateway's resident memory and goroutine count.
func (b *bench) gatewayState(ctx context.Context) (rss int64, goroutines int, err error) {
	if rss, err = b.gateway.rssBytes(); err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.gateway.debug+"goroutine?debug=1", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := b.client.http.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("goroutine profile: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, 0, fmt.Errorf("goroutine profile: %w", err)
	}
	goroutines, err = parseGoroutineTotal(body)
	return rss, goroutines, err
}

// header describes the machine and the settings, for the report.
func (b *bench) header() []string {
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	goVersion, code := runtime.Version(), "code: no VCS stamp in the gateway binary (GOFLAGS=-buildvcs=false?)"
	if info, err := buildinfo.ReadFile(filepath.Join(b.bin, "gateway")); err == nil {
		goVersion = info.GoVersion
		if rev := vcsRevision(info.Settings); rev != "" {
			code = "code: " + rev
		}
	}
	return append([]string{
		fmt.Sprintf("machine: %s, %d cores (%s/%s)", parseCPUModel(string(cpuinfo)), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH),
		fmt.Sprintf("Go: %s (services), %s (this tool)", goVersion, runtime.Version()),
		code,
		fmt.Sprintf("Redis: %s", b.redis.kind),
		subgraphProcsLine(b.cfg.SubgraphProcs),
		fmt.Sprintf("load: closed loop, %d concurrent clients; each workload and target %s measured in %d rounds, the targets of a table taking turns, summed; %s warmup before the first round, at most 250ms before the others; each request bounded by %s",
			b.cfg.Concurrency, b.cfg.Duration, b.cfg.Rounds, b.cfg.Warmup, b.cfg.Timeout),
		fmt.Sprintf("data: %d users and %d products, seeded through mutations; the %d products listed by (b) have %d owners; (c) reads a user with %d",
			seedUsers, seedProducts, listSize, firstPageOwners, bigUserProducts),
		fmt.Sprintf("CPU: utime+stime from /proc/<pid>/stat over the measured window (%d ticks/s), ms per client query; this tool (its clients) shares the machine, and its own is read the same way",
			b.ticks),
		"machine CPU: the busy time of every core in /proc/stat over the same window, per client query: the processes above and Redis, this tool's clients and the kernel's loopback network; busy: the share of the cores it took",
		"subgraph requests: counted by each subgraph (" + requestsMetric + " on its metrics listener, read before and after each measurement; products' OwnerExists checks on users left out), per client query",
		"workloads: (a), (b) and (c) each send one request, identical every time (the same query and variables), as the field's public gateway benchmarks do; (d) varies its products and writes",
		"latency: every request, failed ones included; an answer counts as an error unless it is HTTP 200, has no errors and has the expected shape and values (an answer byte-identical to one that passed, to the same request in the same round, is not decoded again)",
		"fedgraph: its defaults in the defaults table (-dedup on, its default: identical requests in flight shared); -dedup=false in the nodedup table",
	}, slices.Concat(b.federation, b.peerLines())...)
}

// procEnv is the environment of the process named name: the children's, with
// GOMAXPROCS=subgraphProcs for a subgraph when that is positive.
func procEnv(env []string, name string, subgraphProcs int) []string {
	if (name != roleUsers && name != roleProducts) || subgraphProcs <= 0 {
		return env
	}
	return append(slices.Clip(env), fmt.Sprintf("GOMAXPROCS=%d", subgraphProcs))
}

// subgraphProcsLine says how many cores each subgraph's Go runtime uses (-subgraph-procs).
func subgraphProcsLine(n int) string {
	if n == 0 {
		return "subgraphs: Go's default GOMAXPROCS, one per core"
	}
	return fmt.Sprintf("subgraphs: GOMAXPROCS=%d each (-subgraph-procs), as the production overlay's CPU limit of one gives them; every gateway has the same subgraphs", n)
}

// peerLines describe the peers and the subgraphs they call, for the report.
func (b *bench) peerLines() []string {
	if len(b.cfg.Peers) == 0 {
		return nil
	}
	var out []string
	for _, p := range b.cfg.Peers {
		tables := "every table, as it was started"
		if p.Table != "" {
			tables = "the " + p.Table + " table only"
		}
		out = append(out, fmt.Sprintf("peer %s: %s, process %d (%s), started by hand; in %s", p.Name, p.URL, p.PID, commOf(p.PID), tables))
	}
	return append(out, fmt.Sprintf("peers' subgraphs: the benchmark's own, on fixed ports (-subgraph-ports %s)", formatPorts(b.cfg.SubgraphPorts)))
}

// commOf is the command name of process pid, or "?".
func commOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// vcsRevision describes the commit a binary was built from, as go build stamps it;
// empty when it was built without VCS information.
func vcsRevision(settings []debug.BuildSetting) string {
	var rev, modified string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return ""
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		return "commit " + rev + " with uncommitted changes"
	}
	return "commit " + rev
}
