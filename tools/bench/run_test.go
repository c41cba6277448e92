package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/schema"
)

// TestRunEndToEnd runs the whole benchmark briefly, soak included, and checks that it
// prints every section and leaves no process behind.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the services")
	}
	bin := t.TempDir()
	if err := build(context.Background(), bin); err != nil {
		t.Fatal(err)
	}
	// A peer: our gateway in federation mode, started here as a gateway started by hand
	// would be, over the subgraphs on the ports the benchmark is told to serve them on.
	// It starts before they serve (federation mode needs no live subgraph), so the
	// benchmark must wait for it to answer.
	ports := freePorts(t, 2)
	dir := t.TempDir()
	supergraph := filepath.Join(dir, "supergraph.graphql")
	if err := os.WriteFile(supergraph, []byte(schema.Supergraph()), 0o644); err != nil {
		t.Fatal(err)
	}
	peer, err := start(t.Context(), childEnv(os.Getenv), "peer", filepath.Join(bin, "gateway"), nil,
		"-listen-addr", "127.0.0.1:0", "-supergraph", supergraph, "-log-level", "warn",
		"-subgraph", "users="+subgraphURL(ports[0]), "-subgraph", "products="+subgraphURL(ports[1]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(peer.stop)

	var out strings.Builder
	args := []string{"-bin", bin, "-duration", "300ms", "-rounds", "3", "-warmup", "100ms", "-concurrency", "4", "-node-warmup", "300ms", "-soak", "300ms",
		"-subgraph-ports", fmt.Sprintf("users=%d,products=%d", ports[0], ports[1]), "-peer", fmt.Sprintf("other=%s,%d", peer.url, peer.pid())}
	if err := run(context.Background(), args, os.Getenv, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"## Whole-graph benchmark", "- machine: ", "- Redis: ", "measured in 3 rounds, the targets of a table taking turns",
		"| (a) product + owner ", "| fedgraph ", "| nautilus ", "| Hive Gateway ", "| Apollo Gateway ", "| products (direct) ",
		"products (direct) skipped for (c)", "fedgraph rps / nautilus rps",
		"- supergraph: composed in this run", "The gateways side by side", "| Apollo Gateway CPU ms/q |",
		"### Every gateway with its defaults", "### Deduplication off on every side", "| other ", " vs other |",
		"Waiting for peer other at " + peer.url, "- peer other: " + peer.url, "fedgraph rps ≥ 1.5 × other's",
		"Issue 17's targets", "Issue 8's targets", "fedgraph rps ≥ 2 × Hive Gateway's",
		"Soak: (d) against fedgraph", "| RSS MiB ", "| goroutines ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The products subgraph answers alone, without any gateway: its rows are the check
	// of the benchmark's own expectations. Hive Gateway and Apollo Gateway answer every
	// workload right (the interop test compares their answers with ours), so an error
	// there is the benchmark's own mistake too.
	for line := range strings.Lines(got) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) < 2 || !slices.Contains([]string{"products (direct)", "Hive Gateway", "Apollo Gateway"}, strings.TrimSpace(cells[1])) {
			continue
		}
		if errs := strings.TrimSpace(cells[len(cells)-1]); errs != "0" {
			t.Errorf("errors: %s", line)
		}
	}
	// Subgraph requests are counted by the subgraphs: on the list, without
	// deduplication, our gateway asks each once per client query, and nautilus asks
	// users once per product.
	var counted int
	table := ""
	for line := range strings.Lines(got) {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			table = h
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 14 || !strings.Contains(cells[0], "(b) 100 products") || !strings.HasPrefix(table, "Deduplication off") {
			continue
		}
		users, products := strings.TrimSpace(cells[11]), strings.TrimSpace(cells[12])
		switch strings.TrimSpace(cells[1]) {
		case "fedgraph":
			counted++
			if tool, err := strconv.ParseFloat(strings.TrimSpace(cells[8]), 64); err != nil || tool <= 0 {
				t.Errorf("(b) fedgraph: tool CPU %q, want a positive number", cells[8])
			}
			if machine, err := strconv.ParseFloat(strings.TrimSpace(cells[9]), 64); err != nil || machine <= 0 || !strings.HasSuffix(strings.TrimSpace(cells[10]), "%") {
				t.Errorf("(b) fedgraph: machine CPU %q and busy %q, want a positive number and a share", cells[9], cells[10])
			}
			if users != "1.00" || products != "1.00" {
				t.Errorf("(b) fedgraph: %s users and %s products requests per query, want 1.00 and 1.00", users, products)
			}
		case "nautilus":
			counted++
			if n, err := strconv.ParseFloat(users, 64); err != nil || n < 50 {
				t.Errorf("(b) nautilus: %s users requests per query, want one per product", users)
			}
		}
	}
	if counted != 2 {
		t.Errorf("found %d of the (b) rows of fedgraph and nautilus, want 2", counted)
	}
	peer.stop() // the test's own; the benchmark must have stopped everything else
	if left := running(t, bin); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
	if left := runningNode(t); len(left) > 0 {
		t.Errorf("Node gateways left running: %v", left)
	}
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// runningNode lists the processes that serve a supergraph of the benchmark's (its
// directory is named fedgraph-bench-supergraph-*), whichever run started them.
func runningNode(t *testing.T) []string {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, c := range cmdlines {
		b, err := os.ReadFile(c)
		if err == nil && strings.Contains(string(b), "fedgraph-bench-supergraph-") {
			left = append(left, c+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return left
}

// running lists the processes whose executable is in dir.
func running(t *testing.T, dir string) []string {
	t.Helper()
	exes, err := filepath.Glob("/proc/[0-9]*/exe")
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range exes {
		if target, err := os.Readlink(e); err == nil && strings.HasPrefix(target, dir+string(os.PathSeparator)) {
			left = append(left, e+" → "+target)
		}
	}
	return left
}
