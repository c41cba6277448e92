package main

import (
	"strings"
	"testing"
	"time"
)

func TestTableAligns(t *testing.T) {
	tb := table{
		head:  []string{"workload", "rps", "errors"},
		right: []bool{false, true, true},
		rows:  [][]string{{"(a) product", "1234", "0"}, {"(b) list × 100", "5.5", "3 (1.0%)"}},
	}
	var b strings.Builder
	tb.write(&b)
	want := `| workload       |  rps |   errors |
| -------------- | ---: | -------: |
| (a) product    | 1234 |        0 |
| (b) list × 100 |  5.5 | 3 (1.0%) |
`
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatRPS(1234.56), "1235"},
		{formatRPS(12.34), "12.3"},
		{formatMS(1500 * time.Microsecond), "1.50"},
		{formatMS(1234 * time.Millisecond), "1234"},
		{formatErrors(&stats{latencies: make([]time.Duration, 200), errors: 3}), "3 (1.5%)"},
		{formatErrors(&stats{latencies: make([]time.Duration, 200)}), "0"},
		{growth(100, 103.5), "+3.5%"},
		{growth(40, 38), "-5.0%"},
		{growth(0, 5), "n/a"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestRatios checks the comparison table: RPS of ours over the baseline's, and each
// gateway's CPU per query over the products subgraph's in the same run.
func TestRatios(t *testing.T) {
	ws := workloads()
	mk := func(w workload, target string, n int, gwCPU, productsCPU float64) *row {
		return &row{w: w, target: targetOf(target), st: &stats{latencies: make([]time.Duration, n), elapsed: time.Second},
			cpuMS: map[string]float64{roleGateway: gwCPU, roleProducts: productsCPU}}
	}
	rep := &report{rows: []*row{
		mk(ws[0], targetOurs, 300, 0.6, 0.2),
		mk(ws[0], targetBaseline, 200, 0.9, 0.2),
		mk(ws[0], targetDirect, 900, 0, 0.1),
		mk(ws[1], targetBaseline, 10, 30, 3),
	}}
	var b strings.Builder
	rep.ratios().write(&b)
	got := b.String()
	for _, want := range []string{
		"| (a) product + owner       |                        1.50 |                         3.0 |                         4.5 |",
		"| (b) 100 products + owners |                         n/a |                         n/a |                        10.0 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ratios:\n%s\nwant a line\n%s", got, want)
		}
	}
	if strings.Contains(got, "(c)") {
		t.Errorf("ratios has a row for a workload that did not run:\n%s", got)
	}
}

func targetOf(name string) target { return target{name: name, label: name} }
