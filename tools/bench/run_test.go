package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
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
	var out strings.Builder
	args := []string{"-bin", bin, "-duration", "300ms", "-warmup", "100ms", "-concurrency", "4", "-node-warmup", "300ms", "-soak", "300ms"}
	if err := run(context.Background(), args, os.Getenv, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"## Whole-graph benchmark", "- machine: ", "- Redis: ",
		"| (a) product + owner ", "| fedgraph ", "| nautilus ", "| Hive Gateway ", "| Apollo Gateway ", "| products (direct) ",
		"products (direct) skipped for (c)", "fedgraph rps / nautilus rps",
		"- supergraph: composed in this run", "The gateways side by side", "| Apollo Gateway CPU ms/q |",
		"Issue 8's targets", "fedgraph rps ≥ 2 × Hive Gateway's",
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
	// Subgraph requests are counted by the subgraphs: on the list, our gateway asks each
	// once per client query, and nautilus asks users once per product.
	var counted int
	for line := range strings.Lines(got) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 11 || !strings.Contains(cells[0], "(b) 100 products") {
			continue
		}
		users, products := strings.TrimSpace(cells[8]), strings.TrimSpace(cells[9])
		switch strings.TrimSpace(cells[1]) {
		case "fedgraph":
			counted++
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
	if left := running(t, bin); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
	if left := runningNode(t); len(left) > 0 {
		t.Errorf("Node gateways left running: %v", left)
	}
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
