// Command bench is the whole-graph load benchmark that `make bench` runs. In one run, on
// loopback only, it builds and starts the users and products subgraphs, our gateway and
// the baseline (plain nautilus/gateway, tools/bench/nautilus) as separate processes,
// seeds the graph through mutations, composes the subgraphs' Federation v2 SDL into a
// supergraph (tools/web/compose.mjs) that Hive Gateway and Apollo Gateway serve on Node
// (tools/web), and puts each workload under a bounded closed-loop load against each
// target in turn: our gateway, the baseline, Hive Gateway, Apollo Gateway, any peer
// started by hand (-peer), and the products subgraph directly.
//
// It measures two tables. The first has every gateway with its defaults, as it ships:
// ours and Hive Gateway deduplicate identical requests in flight. The second has
// deduplication off on every side: ours with -dedup=false, Hive Gateway with its
// in-flight deduplication off; nautilus, Apollo Gateway and the products subgraph have
// none, and are measured once for both. It prints throughput, latency, CPU per query of
// every process and subgraph requests per client query (counted by each subgraph on its
// metrics listener), the gateways side by side with our gateway's ratios to each, and
// the targets of issues 8 and 17, then stops everything it started.
//
//	go run ./tools/bench [-duration 9s] [-rounds 9] [-warmup 1s] [-node-warmup 5s] [-concurrency 16] [-workloads a,b,c,d]
//	                     [-targets fedgraph,federation,nautilus,hive,apollo,products] [-tables defaults,nodedup]
//	                     [-subgraph-ports users=4001,products=4002] [-subgraph-procs 1] [-peer NAME=URL,PID[,TABLE]]... [-peer-wait 1m]
//	                     [-write-graph DIR] [-soak 0] [-bin DIR] [-web DIR]
//
// A peer, another gateway started by hand, serves the same graph over the same
// subgraphs: `go run ./tools/bench -subgraph-ports users=4001,products=4002 -write-graph
// DIR` writes each subgraph's SDL and a list of the subgraphs with their URLs on those
// ports, for composing the peer's graph; the benchmark then runs with the same
// -subgraph-ports and -peer NAME=URL,PID, and waits up to -peer-wait for the peer to
// answer before measuring.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// The targets, by their -targets name.
const (
	targetOurs = "fedgraph" // our gateway
	// targetFederation is our gateway in federation mode, on the subgraphs' composed
	// supergraph (schema.Supergraph) with its own planner.
	targetFederation = "federation"
	targetBaseline   = "nautilus" // plain nautilus/gateway, tools/bench/nautilus
	targetHive       = "hive"     // Hive Gateway on Node, tools/web/hive-gateway.mjs
	targetApollo     = "apollo"   // Apollo Gateway on Node, tools/web/apollo-gateway.mjs
	targetDirect     = "products" // the products subgraph alone
)

// The tables, by their -tables name, in the order they are measured.
const (
	// tableDefaults has every gateway with its own defaults: ours and Hive Gateway
	// share identical requests in flight.
	tableDefaults = "defaults"
	// tableNoDedup has deduplication off on every side: ours with -dedup=false, Hive
	// Gateway without its in-flight deduplication.
	tableNoDedup = "nodedup"
)

func tableNames() []string { return []string{tableDefaults, tableNoDedup} }

// tableTitle is the heading of a table in the report.
func tableTitle(name string) string {
	switch name {
	case tableDefaults:
		return "Every gateway with its defaults"
	case tableNoDedup:
		return "Deduplication off on every side"
	}
	return name
}

// targetNames are the -targets names, in the order the targets run.
func targetNames() []string {
	return []string{targetOurs, targetFederation, targetBaseline, targetHive, targetApollo, targetDirect}
}

// Config is one benchmark run's settings.
type Config struct {
	// Duration is how long each workload is measured against each target, in all its
	// rounds together. default: 9s
	Duration time.Duration
	// Rounds splits each workload's measurement: the targets of a table take turns,
	// Duration/Rounds each, Rounds times, and each target's rounds are summed. A change
	// in the machine during the workload (another guest of the host, a frequency step)
	// then falls on every target alike instead of on whichever ran at that moment.
	// This machine's speed changes from one second to the next: five runs of the list
	// with defaults against Cosmo's router gave 1.21–1.44× in three rounds of a second,
	// 1.25–1.31× in nine. default: 9
	Rounds int
	// Warmup is how long each workload runs against each target before its first round
	// is measured; later rounds warm up for at most a quarter second. default: 1s
	Warmup time.Duration
	// Concurrency is the number of clients in the closed loop, each sending its next
	// request when the previous one is answered. default: 16
	Concurrency int
	// Timeout bounds one client request; one without an answer by then is an error.
	// default: 5s
	Timeout time.Duration
	// Workloads are the workloads to run, by name (a, b, c, d). default: all
	Workloads []string
	// Targets are what they run against (fedgraph, nautilus, hive, apollo, products).
	// hive and apollo need Node and tools/web's packages (npm ci is run when they are
	// missing). default: all
	Targets []string
	// NodeWarmup is how long each Node gateway (hive, apollo) runs the mixed workload
	// once, unmeasured, before its first workload, so that V8 has compiled its hot paths.
	// default: 5s
	NodeWarmup time.Duration
	// Tables are the tables to measure (defaults, nodedup): every gateway with its
	// defaults, and deduplication off on every side. default: both
	Tables []string
	// Peers are gateways started outside the benchmark that join the tables, each over
	// the subgraphs on SubgraphPorts (-peer NAME=URL,PID[,TABLE], repeatable). default: none
	Peers []Peer
	// SubgraphPorts are fixed loopback ports for the subgraphs, by name, so that a peer
	// started beforehand can be pointed at them; every subgraph needs one, and a peer
	// needs them. default: none (free ports)
	SubgraphPorts map[string]int
	// SubgraphProcs is each subgraph process's GOMAXPROCS: the production overlay
	// (deploy/kubernetes/overlays/production) limits a subgraph to one CPU, which Go
	// reads as GOMAXPROCS=1, and the gateway to two. 0 leaves Go's default, one per core
	// of the machine. Every gateway of a run has the same subgraphs. default: 1
	SubgraphProcs int
	// PeerWait bounds how long the benchmark waits, once the graph is seeded, for each
	// peer to answer workload (a) right. default: 1m
	PeerWait time.Duration
	// WriteGraph, when set, is a directory into which the benchmark writes each
	// subgraph's SDL and graph.yaml, the subgraphs with their URLs on SubgraphPorts,
	// then exits without measuring anything. default: empty
	WriteGraph string
	// Soak, when positive, runs the mixed workload against our gateway for that long after
	// the tables and reports the gateway's memory and goroutines before and after.
	// default: 0 (off)
	Soak time.Duration
	// Bin is a directory with prebuilt users, products, gateway and nautilus binaries.
	// default: empty (build them into a temporary directory)
	Bin string
	// Web is tools/web, with the scripts that compose the supergraph and serve Hive
	// Gateway and Apollo Gateway. default: empty (tools/web of the module that
	// `go env GOMOD` names)
	Web string
	// RedisURL is the Redis both subgraphs use, each under its own key prefix, or
	// "embedded" for an in-memory Redis in each. default: REDIS_URL, else
	// redis://127.0.0.1:6379 when it answers PING, else embedded
	RedisURL string
}

// DefaultConfig returns the settings `make bench` uses.
func DefaultConfig() Config {
	return Config{
		Duration:    9 * time.Second,
		Rounds:      9,
		Warmup:      time.Second,
		NodeWarmup:  5 * time.Second,
		Concurrency: 16,
		Timeout:     5 * time.Second,
		Workloads:   workloadNames(),
		Targets:     targetNames(),
		Tables:      tableNames(),
		PeerWait:    time.Minute,

		SubgraphProcs: 1,
	}
}

// Validate reports every bad setting at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("-duration %s: want more than 0", c.Duration))
	}
	if c.Rounds < 1 {
		errs = append(errs, fmt.Errorf("-rounds %d: want 1 or more", c.Rounds))
	} else if c.Duration > 0 && c.Duration/time.Duration(c.Rounds) < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("-duration %s over -rounds %d: want at least 10ms a round", c.Duration, c.Rounds))
	}
	if c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("-warmup %s: want 0 or more", c.Warmup))
	}
	if c.NodeWarmup < 0 {
		errs = append(errs, fmt.Errorf("-node-warmup %s: want 0 or more", c.NodeWarmup))
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		errs = append(errs, fmt.Errorf("-concurrency %d: want 1 to 1024", c.Concurrency))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout %s: want more than 0", c.Timeout))
	}
	if c.SubgraphProcs < 0 {
		errs = append(errs, fmt.Errorf("-subgraph-procs %d: want 0 (Go's default) or more", c.SubgraphProcs))
	}
	if c.Soak < 0 {
		errs = append(errs, fmt.Errorf("-soak %s: want 0 (off) or more", c.Soak))
	}
	errs = append(errs, checkList("-workloads", c.Workloads, workloadNames()))
	errs = append(errs, checkList("-targets", c.Targets, targetNames()))
	errs = append(errs, checkList("-tables", c.Tables, tableNames()))
	if c.PeerWait <= 0 {
		errs = append(errs, fmt.Errorf("-peer-wait %s: want more than 0", c.PeerWait))
	}
	errs = append(errs, checkPeers(c.Peers, c.Tables))
	if len(c.Peers) > 0 && len(c.SubgraphPorts) == 0 {
		errs = append(errs, errors.New("-peer: give -subgraph-ports too, the ports the peer calls the subgraphs on"))
	}
	if c.WriteGraph != "" && len(c.SubgraphPorts) == 0 {
		errs = append(errs, errors.New("-write-graph: give -subgraph-ports too, the ports the graph routes to"))
	}
	if needsNode(c.Targets) {
		errs = append(errs, lookNode())
		if c.Web != "" {
			if _, err := os.Stat(filepath.Join(c.Web, "compose.mjs")); err != nil {
				errs = append(errs, fmt.Errorf("-web %s: %w", c.Web, err))
			}
		}
	}
	if c.Bin != "" {
		for _, b := range binaries() {
			if _, err := os.Stat(b.path(c.Bin)); err != nil {
				errs = append(errs, fmt.Errorf("-bin %s: %w", c.Bin, err))
			}
		}
	}
	return errors.Join(errs...)
}

func checkList(flagName string, got, known []string) error {
	if len(got) == 0 {
		return fmt.Errorf("%s: empty, want some of %s", flagName, strings.Join(known, ","))
	}
	var errs []error
	for _, g := range got {
		if !slices.Contains(known, g) {
			errs = append(errs, fmt.Errorf("%s: unknown %q, want some of %s", flagName, g, strings.Join(known, ",")))
		}
	}
	return errors.Join(errs...)
}

func workloadNames() []string {
	var names []string
	for _, w := range workloads() {
		names = append(names, w.name)
	}
	return names
}

// parseConfig reads the flags; getenv supplies REDIS_URL only, so that no other setting
// of the caller's environment changes what is measured.
func parseConfig(args []string, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long each workload is measured against each target, all rounds together")
	fs.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "rounds each workload's measurement is split into, the targets of a table taking turns, -duration over -rounds each")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "how long each workload runs against each target before its first round is measured (later rounds: at most 250ms)")
	fs.DurationVar(&cfg.NodeWarmup, "node-warmup", cfg.NodeWarmup, "how long each Node gateway (hive, apollo) runs the mixed workload once, unmeasured, before its first workload")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "clients in the closed loop")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "bound on one client request; no answer by then is an error")
	workloadsFlag := fs.String("workloads", strings.Join(cfg.Workloads, ","), "workloads to run: a (product + owner), b (100 products + owners), c (user + 50 products), d (mixed, 10% writes)")
	targetsFlag := fs.String("targets", strings.Join(cfg.Targets, ","), "targets: fedgraph (our gateway), federation (our gateway in federation mode), nautilus (plain nautilus/gateway), hive (Hive Gateway), apollo (Apollo Gateway), products (the products subgraph alone)")
	tablesFlag := fs.String("tables", strings.Join(cfg.Tables, ","), "tables: defaults (every gateway with its defaults), nodedup (deduplication off on every side: ours with -dedup=false, Hive Gateway without in-flight deduplication)")
	fs.Var(peerFlags{&cfg.Peers}, "peer", "`NAME=URL,PID[,TABLE]`: a gateway started by hand over the subgraphs on -subgraph-ports joins the tables (or only TABLE): the workloads go to URL, the CPU of PID is measured; repeatable")
	portsFlag := fs.String("subgraph-ports", "", "`NAME=PORT,...`: serve every subgraph on this loopback port, for a peer; empty: free ports")
	fs.IntVar(&cfg.SubgraphProcs, "subgraph-procs", cfg.SubgraphProcs, "GOMAXPROCS of each subgraph process, as the production overlay's CPU limit of one gives it; 0: Go's default, one per core")
	fs.DurationVar(&cfg.PeerWait, "peer-wait", cfg.PeerWait, "how long to wait, once the graph is seeded, for each peer to answer (a) right")
	fs.StringVar(&cfg.WriteGraph, "write-graph", "", "write each subgraph's SDL and graph.yaml, the subgraphs with their URLs on -subgraph-ports, into this directory, and exit")
	fs.DurationVar(&cfg.Soak, "soak", cfg.Soak, "after the tables, run the mixed load against our gateway this long and report its memory and goroutines; 0: off")
	fs.StringVar(&cfg.Bin, "bin", cfg.Bin, "directory with prebuilt users, products, gateway and nautilus binaries; empty: build them")
	fs.StringVar(&cfg.Web, "web", cfg.Web, "tools/web, whose scripts compose the supergraph and serve Hive Gateway and Apollo Gateway; empty: the module's")
	fs.StringVar(&cfg.RedisURL, "redis-url", "", "Redis for both subgraphs (each under its own key prefix), or \"embedded\"; empty: REDIS_URL, else redis://127.0.0.1:6379 when it answers, else embedded")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.RedisURL == "" {
		cfg.RedisURL = getenv("REDIS_URL")
	}
	cfg.Workloads = splitList(*workloadsFlag)
	cfg.Targets = splitList(*targetsFlag)
	cfg.Tables = splitList(*tablesFlag)
	var perr error
	if cfg.SubgraphPorts, perr = parsePorts(*portsFlag); perr != nil {
		return cfg, errors.Join(perr, cfg.Validate())
	}
	return cfg, cfg.Validate()
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	if cfg.WriteGraph != "" {
		files, err := writeGraph(cfg.WriteGraph, cfg.SubgraphPorts)
		if err != nil {
			return fmt.Errorf("-write-graph: %w", err)
		}
		fmt.Fprintf(stdout, "Wrote %s.\nServe the graph they describe with the gateway to compare, then run the benchmark with -subgraph-ports %s -peer NAME=URL,PID.\n",
			strings.Join(files, ", "), formatPorts(cfg.SubgraphPorts))
		return nil
	}
	b := &bench{cfg: cfg, out: stdout, env: childEnv(getenv), client: newClient(cfg.Concurrency, cfg.Timeout)}
	defer b.client.close()
	return b.run(ctx)
}
