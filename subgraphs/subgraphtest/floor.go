package subgraphtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// Cost is what one operation of a benchmark cost on average: the process's CPU time
// (user and system, every goroutine and the garbage collector included, as the
// whole-graph benchmark counts a process's CPU) and its heap allocations.
type Cost struct {
	CPU    time.Duration
	Allocs float64
	Bytes  float64
}

// measure runs op in b's loop and returns its Cost per operation, reporting the CPU time
// as cpu-ns/op beside the benchmark's wall-clock ns/op: on a shared machine the wall
// clock counts other processes' turns, the CPU time does not.
func measure(b *testing.B, op func()) Cost {
	b.Helper()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu := processCPU(b)
	for b.Loop() {
		op()
	}
	cpu = processCPU(b) - cpu
	runtime.ReadMemStats(&after)
	n := float64(b.N)
	c := Cost{
		CPU:    time.Duration(float64(cpu) / n),
		Allocs: float64(after.Mallocs-before.Mallocs) / n,
		Bytes:  float64(after.TotalAlloc-before.TotalAlloc) / n,
	}
	b.ReportMetric(float64(c.CPU.Nanoseconds()), "cpu-ns/op")
	return c
}

// processCPU is the CPU time the process has used so far.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// AgainstFloor benchmarks what a subgraph spends on an operation against its floor:
// the same Redis reads and a JSON answer of the same fields written by a plain Go loop
// with encoding/json, with no GraphQL in between. Both answer the same text, which it
// checks first. It runs two sub-benchmarks on the caller's data, "floor" and then
// "subgraph"; the second reports its cost as a
// multiple of the first's (cpu-x-floor, allocs-x-floor) and the pair is logged on one
// line. The CPU includes Redis's own only when the Redis runs in the process
// (miniredis): with REDIS_URL set, the figures are the subgraph's alone.
func AgainstFloor(b *testing.B, what string, floor, subgraph func() string) {
	b.Helper()
	if f, s := floor(), subgraph(); f != s {
		b.Fatalf("%s: the floor answers\n%s\nthe subgraph\n%s", what, f, s)
	}
	var fl *Cost
	b.Run("floor", func(b *testing.B) {
		c := measure(b, func() { floor() })
		fl = &c
	})
	b.Run("subgraph", func(b *testing.B) {
		sg := measure(b, func() { subgraph() })
		if fl == nil || fl.CPU <= 0 || fl.Allocs <= 0 {
			return // a -bench pattern left the floor out
		}
		b.ReportMetric(float64(sg.CPU)/float64(fl.CPU), "cpu-x-floor")
		b.ReportMetric(sg.Allocs/fl.Allocs, "allocs-x-floor")
		b.Logf("%s: subgraph %v CPU, %.0f allocs, %.0f B; floor %v CPU, %.0f allocs, %.0f B; subgraph/floor: %.2f× CPU, %.2f× allocs, %.2f× bytes",
			what, sg.CPU.Round(time.Microsecond), sg.Allocs, sg.Bytes, fl.CPU.Round(time.Microsecond), fl.Allocs, fl.Bytes,
			float64(sg.CPU)/float64(fl.CPU), sg.Allocs/fl.Allocs, sg.Bytes/fl.Bytes)
	})
}

// BenchRedis is the Redis a benchmark against its floor runs on: REDIS_URL's, else a
// server answering on 127.0.0.1:6379 (its database 9, where the tests keep their keys),
// else miniredis, which it says: miniredis serves the reads from the benchmark's own
// process, so their CPU counts on both sides and the ratio to the floor means little.
func BenchRedis(b *testing.B) redistest.Backend {
	if url := os.Getenv("REDIS_URL"); url != "" {
		return redistest.Backend(url)
	}
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	if conn, err := d.DialContext(b.Context(), "tcp", "127.0.0.1:6379"); err == nil {
		conn.Close()
		return redistest.Backend("redis://127.0.0.1:6379/9")
	}
	b.Log("no Redis on REDIS_URL or 127.0.0.1:6379: on miniredis, which serves the reads from this process, the ratio to the floor means little")
	return redistest.Miniredis
}

// Poster returns what a benchmark sends a subgraph's handler h through: a POST of a
// GraphQL request body, with no network, whose answer it returns, failing tb unless it
// is a 200 without errors.
func Poster(tb testing.TB, h http.Handler) func(body string) string {
	return func(body string) string {
		req := httptest.NewRequestWithContext(tb.Context(), http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			tb.Fatalf("%d %s", w.Code, w.Body)
		}
		return w.Body.String()
	}
}
