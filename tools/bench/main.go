// Command bench is the whole-graph load benchmark that `make bench` runs. In one run, on
// loopback only, it builds and starts the users and products subgraphs, our gateway and
// the baseline (plain nautilus/gateway, tools/bench/nautilus) as separate processes,
// seeds the graph through mutations, composes the subgraphs' Federation v2 SDL into a
// supergraph (tools/web/compose.mjs) that Hive Gateway and Apollo Gateway serve on Node
// (tools/web), and puts each workload under a bounded closed-loop load against each
// target in turn: our gateway, the baseline, Hive Gateway, Apollo Gateway, and the
// products subgraph directly. It prints throughput, latency, CPU per query of every
// process and subgraph requests per client query (counted by each subgraph on its
// metrics listener), the four gateways side by side with the ratios issue 8 targets, then stops
// everything it started.
//
//	go run ./tools/bench [-duration 3s] [-warmup 1s] [-node-warmup 5s] [-concurrency 16] [-workloads a,b,c,d]
//	                     [-targets fedgraph,nautilus,hive,apollo,products] [-soak 0] [-bin DIR] [-web DIR]
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

// targetNames are the -targets names, in the order the targets run.
func targetNames() []string {
	return []string{targetOurs, targetFederation, targetBaseline, targetHive, targetApollo, targetDirect}
}

// Config is one benchmark run's settings.
type Config struct {
	// Duration is how long each workload is measured against each target. default: 3s
	Duration time.Duration
	// Warmup is how long each workload runs against each target before it is measured.
	// default: 1s
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
		Duration:    3 * time.Second,
		Warmup:      time.Second,
		NodeWarmup:  5 * time.Second,
		Concurrency: 16,
		Timeout:     5 * time.Second,
		Workloads:   workloadNames(),
		Targets:     targetNames(),
	}
}

// Validate reports every bad setting at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("-duration %s: want more than 0", c.Duration))
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
	if c.Soak < 0 {
		errs = append(errs, fmt.Errorf("-soak %s: want 0 (off) or more", c.Soak))
	}
	errs = append(errs, checkList("-workloads", c.Workloads, workloadNames()))
	errs = append(errs, checkList("-targets", c.Targets, targetNames()))
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
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long each workload is measured against each target")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "how long each workload runs against each target before it is measured")
	fs.DurationVar(&cfg.NodeWarmup, "node-warmup", cfg.NodeWarmup, "how long each Node gateway (hive, apollo) runs the mixed workload once, unmeasured, before its first workload")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "clients in the closed loop")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "bound on one client request; no answer by then is an error")
	workloadsFlag := fs.String("workloads", strings.Join(cfg.Workloads, ","), "workloads to run: a (product + owner), b (100 products + owners), c (user + 50 products), d (mixed, 10% writes)")
	targetsFlag := fs.String("targets", strings.Join(cfg.Targets, ","), "targets: fedgraph (our gateway), federation (our gateway in federation mode), nautilus (plain nautilus/gateway), hive (Hive Gateway), apollo (Apollo Gateway), products (the products subgraph alone)")
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
	b := &bench{cfg: cfg, out: stdout, env: childEnv(getenv), client: newClient(cfg.Concurrency, cfg.Timeout)}
	defer b.client.http.CloseIdleConnections()
	return b.run(ctx)
}
