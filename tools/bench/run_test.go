package main

import (
	"context"
	"os"
	"path/filepath"
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
	args := []string{"-bin", bin, "-duration", "300ms", "-warmup", "100ms", "-concurrency", "4", "-soak", "300ms"}
	if err := run(context.Background(), args, os.Getenv, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"## Whole-graph benchmark", "- machine: ", "- Redis: ",
		"| (a) product + owner ", "| fedgraph ", "| nautilus ", "| products (direct) ",
		"products (direct) skipped for (c)", "fedgraph rps / nautilus rps",
		"Soak: (d) against fedgraph", "| RSS MiB ", "| goroutines ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The products subgraph answers alone, without any gateway: its rows are the check
	// of the benchmark's own expectations.
	for line := range strings.Lines(got) {
		if !strings.Contains(line, "| products (direct) ") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if errs := strings.TrimSpace(cells[len(cells)-1]); errs != "0" {
			t.Errorf("products (direct) had errors: %s", line)
		}
	}
	if left := running(t, bin); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
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
