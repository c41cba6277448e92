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

// TestGatewaysAndTargets checks the side-by-side table and the verdicts on issue 8's
// targets: each ratio from the rows of one run, a target met or not by its threshold,
// and n/a where a row is missing.
func TestGatewaysAndTargets(t *testing.T) {
	ws := workloads()
	mk := func(w workload, name, label string, n int, gwCPU float64) *row {
		return &row{w: w, target: target{name: name, label: label}, st: &stats{latencies: make([]time.Duration, n), elapsed: time.Second},
			cpuMS: map[string]float64{roleGateway: gwCPU}}
	}
	rep := &report{rows: []*row{
		mk(ws[0], targetOurs, "fedgraph", 3000, 0.3),
		mk(ws[0], targetBaseline, "nautilus", 2000, 0.5),
		mk(ws[0], targetHive, "Hive Gateway", 1000, 0.9),
		mk(ws[0], targetApollo, "Apollo Gateway", 3100, 0.2), // faster and cheaper than ours
		mk(ws[1], targetOurs, "fedgraph", 500, 2),
		mk(ws[1], targetHive, "Hive Gateway", 200, 6),
		mk(ws[1], targetApollo, "Apollo Gateway", 110, 9),
		mk(ws[1], targetDirect, "products (direct)", 600, 0), // the most any gateway could do on (b)
		mk(ws[3], targetBaseline, "nautilus", 10, 30),
	}}
	var b strings.Builder
	rep.gateways().write(&b)
	four := b.String()
	for _, want := range []string{
		"| workload                  | fedgraph rps | fedgraph CPU ms/q | nautilus rps | nautilus CPU ms/q | Hive Gateway rps | Hive Gateway CPU ms/q | Apollo Gateway rps | Apollo Gateway CPU ms/q |",
		"| (a) product + owner       |         3000 |             0.300 |         2000 |             0.500 |             1000 |                 0.900 |               3100 |                   0.200 |",
		"| (b) 100 products + owners |          500 |             2.000 |            - |                 - |              200 |                 6.000 |                110 |                   9.000 |",
		"| (d) mixed, 10% writes     |            - |                 - |         10.0 |            30.000 |                - |                     - |                  - |                       - |",
	} {
		if !strings.Contains(four, want) {
			t.Errorf("gateways table:\n%s\nwant a line\n%s", four, want)
		}
	}
	if strings.Contains(four, "(c)") {
		t.Errorf("gateways table has a row for a workload that did not run:\n%s", four)
	}

	b.Reset()
	rep.targets().write(&b)
	goals := b.String()
	for _, want := range []string{
		"| (b) 100 products + owners: fedgraph rps ≥ 2 × Hive Gateway's | 2.50× | 3.00× | yes |",
		"| (b) 100 products + owners: fedgraph rps ≥ 5 × Apollo Gateway's | 4.55× | 5.45× | no |",
		"| (a) product + owner: fedgraph rps > Hive Gateway's | 3.00× | n/a | yes |",
		"| (a) product + owner: fedgraph rps > Apollo Gateway's | 0.97× | n/a | no |",
		"| (a) product + owner: fedgraph CPU per query the lowest of the gateways | 0.300 ms vs 0.200 ms (Apollo Gateway) | - | no |",
		"| (b) 100 products + owners: fedgraph CPU per query the lowest of the gateways | 2.000 ms vs 6.000 ms (Hive Gateway) | - | yes |",
	} {
		if !strings.Contains(strings.Join(strings.Fields(goals), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("targets:\n%s\nwant a line\n%s", goals, want)
		}
	}
	if strings.Contains(goals, "(d)") {
		t.Errorf("targets judge a workload our gateway did not run:\n%s", goals)
	}

	// A run without the Node gateways has n/a targets, not failed ones.
	rep = &report{rows: []*row{mk(ws[1], targetOurs, "fedgraph", 500, 2)}}
	b.Reset()
	rep.targets().write(&b)
	if got := b.String(); !strings.Contains(got, "| n/a |") || strings.Contains(got, " no ") {
		t.Errorf("targets without the other gateways:\n%s", got)
	}
}
