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
	rs := rows{
		mk(ws[0], targetOurs, 300, 0.6, 0.2),
		mk(ws[0], targetBaseline, 200, 0.9, 0.2),
		mk(ws[0], targetDirect, 900, 0, 0.1),
		mk(ws[1], targetBaseline, 10, 30, 3),
	}
	var b strings.Builder
	rs.ratios().write(&b)
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
	rs := rows{
		mk(ws[0], targetOurs, "fedgraph", 3000, 0.3),
		mk(ws[0], targetBaseline, "nautilus", 2000, 0.5),
		mk(ws[0], targetHive, "Hive Gateway", 1000, 0.9),
		mk(ws[0], targetApollo, "Apollo Gateway", 3100, 0.2), // faster and cheaper than ours
		mk(ws[1], targetOurs, "fedgraph", 500, 2),
		mk(ws[1], targetHive, "Hive Gateway", 200, 6),
		mk(ws[1], targetApollo, "Apollo Gateway", 110, 9),
		mk(ws[1], targetDirect, "products (direct)", 600, 0), // the most any gateway could do on (b)
		mk(ws[3], targetBaseline, "nautilus", 10, 30),
	}
	var b strings.Builder
	rs.gateways().write(&b)
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
	rs.issue8().write(&b)
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
	rs = rows{mk(ws[1], targetOurs, "fedgraph", 500, 2)}
	b.Reset()
	rs.issue8().write(&b)
	if got := b.String(); !strings.Contains(got, "| n/a |") || strings.Contains(got, " no ") {
		t.Errorf("targets without the other gateways:\n%s", got)
	}
}

// TestIssue17AndVersus checks our gateway's ratios to every other gateway, a peer
// included, and issue 17's verdicts in each table: a peer held to 1.2× with every
// gateway's defaults and 1.5× without deduplication, the other gateways to "ahead"
// with defaults, and our CPU per query the lowest of all gateways in both.
func TestIssue17AndVersus(t *testing.T) {
	ws := workloads()
	mk := func(w workload, name string, peer bool, n int, gwCPU float64) *row {
		return &row{w: w, target: target{name: name, label: name, peer: peer}, st: &stats{latencies: make([]time.Duration, n), elapsed: time.Second},
			cpuMS: map[string]float64{roleGateway: gwCPU}}
	}
	apolloA, apolloB := mk(ws[0], targetApollo, false, 700, 3), mk(ws[1], targetApollo, false, 200, 3.5)
	defaults := &section{name: tableDefaults, rows: rows{
		mk(ws[0], targetOurs, false, 3000, 0.3),
		apolloA,
		mk(ws[0], "cosmo", true, 2400, 0.2), // cheaper than ours
		mk(ws[1], targetOurs, false, 400, 0.6),
		apolloB,
		mk(ws[1], "cosmo", true, 2600, 0.18),
	}}
	nodedup := &section{name: tableNoDedup, rows: rows{
		mk(ws[0], targetOurs, false, 3000, 0.3),
		apolloA,
		mk(ws[0], "cosmo", true, 1600, 1.3),
		mk(ws[1], targetOurs, false, 400, 0.6),
		apolloB,
	}, shared: []string{targetApollo}}
	// On (a) without deduplication the machine spent 2.0 ms per query under ours (0.3
	// of them our gateway's) and 3.4 under Cosmo: a gateway of ours costing nothing
	// could reach 3.4 / 1.7 = 2×.
	nodedup.rows[0].cpuMS[roleMachine], nodedup.rows[2].cpuMS[roleMachine] = 2.0, 3.4
	rep := &report{sections: []*section{defaults, nodedup}}

	var b strings.Builder
	defaults.rows.versus().write(&b)
	for _, want := range []string{
		"| workload | vs apollo | vs cosmo |",
		"| (a) product + owner | 4.29× rps, 0.10× CPU | 1.25× rps, 1.50× CPU |",
		"| (b) 100 products + owners | 2.00× rps, 0.17× CPU | 0.15× rps, 3.33× CPU |",
	} {
		if !strings.Contains(squeeze(b.String()), want) {
			t.Errorf("versus:\n%s\nwant a line\n%s", b.String(), want)
		}
	}

	b.Reset()
	rep.issue17().write(&b)
	goals := squeeze(b.String())
	for _, want := range []string{
		"| defaults | (a) product + owner: fedgraph rps > apollo's | 4.29× | - | yes |",
		"| defaults | (a) product + owner: fedgraph rps ≥ 1.2 × cosmo's | 1.25× | - | yes |",
		"| defaults | (b) 100 products + owners: fedgraph rps ≥ 1.2 × cosmo's | 0.15× | - | no |",
		"| defaults | (a) product + owner: fedgraph CPU per query the lowest of the gateways | 0.300 ms vs 0.200 ms (cosmo) | - | no |",
		"| nodedup | (a) product + owner: fedgraph rps ≥ 1.5 × cosmo's | 1.88× | 2.00× | yes |",
		"| nodedup | (b) 100 products + owners: fedgraph rps ≥ 1.5 × cosmo's | n/a | n/a | n/a |",
		"| nodedup | (a) product + owner: fedgraph CPU per query the lowest of the gateways | 0.300 ms vs 1.300 ms (cosmo) | - | yes |",
	} {
		if !strings.Contains(goals, want) {
			t.Errorf("issue 17's targets:\n%s\nwant a line\n%s", b.String(), want)
		}
	}
	if strings.Contains(goals, "nodedup | (a) product + owner: fedgraph rps > apollo's") {
		t.Errorf("issue 17's targets judge Apollo Gateway's rps without deduplication, which the issue does not ask:\n%s", b.String())
	}

	// A row shared by both tables is counted once among the errors, in the table it
	// was measured in.
	apolloA.st.errors, apolloA.st.kinds = 2, map[string]int{"HTTP 502": 2}
	if got := rep.errorKinds(); len(got) != 1 || got[0] != "defaults, (a) product + owner, apollo: 2 × HTTP 502" {
		t.Errorf("errorKinds = %q, want the shared row once, in the defaults table", got)
	}
	b.Reset()
	rep.write(&b)
	out := b.String()
	for _, want := range []string{
		"### Every gateway with its defaults (-tables defaults)",
		"### Deduplication off on every side (-tables nodedup)",
		"- apollo: the same process and settings as in the table before, measured once, there.",
		"Issue 17's targets",
		`Issue 8's targets, in the "nodedup" table`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestRowAdd checks that rounds fold into one row: requests, errors and time summed,
// figures per query weighted by each round's queries, the busy share by each round's
// length, and the percentiles taken over every latency.
func TestRowAdd(t *testing.T) {
	ms := func(ds ...int) []time.Duration {
		var out []time.Duration
		for _, d := range ds {
			out = append(out, time.Duration(d)*time.Millisecond)
		}
		return out
	}
	r := &row{st: &stats{latencies: ms(1, 2, 3), errors: 1, elapsed: time.Second, kinds: map[string]int{"HTTP 502": 1}},
		cpuMS: map[string]float64{roleGateway: 1, roleMachine: 4}, reqs: map[string]float64{"users": 1}, busy: 0.5}
	r.percentiles()
	r.add(&row{st: &stats{latencies: ms(10), unordered: 1, elapsed: 3 * time.Second, kinds: map[string]int{"HTTP 502": 2}},
		cpuMS: map[string]float64{roleGateway: 5, roleMachine: 8}, reqs: map[string]float64{"users": 0}, busy: 1})
	if n := r.st.requests(); n != 4 || r.st.errors != 1 || r.st.unordered != 1 || r.st.elapsed != 4*time.Second || r.st.kinds["HTTP 502"] != 3 {
		t.Errorf("stats = %d requests, %d errors, %d unordered, %s, %v", n, r.st.errors, r.st.unordered, r.st.elapsed, r.st.kinds)
	}
	// Three queries at 1 ms of gateway CPU and one at 5: 2 ms each.
	if r.cpuMS[roleGateway] != 2 || r.cpuMS[roleMachine] != 5 || r.reqs["users"] != 0.75 {
		t.Errorf("per query: gateway %v, machine %v, users requests %v; want 2, 5, 0.75", r.cpuMS[roleGateway], r.cpuMS[roleMachine], r.reqs["users"])
	}
	if r.busy != 0.875 || r.rps() != 1 {
		t.Errorf("busy %v, rps %v; want 0.875, 1", r.busy, r.rps())
	}
	if r.p50 != 2*time.Millisecond || r.p99 != 10*time.Millisecond {
		t.Errorf("p50 %s, p99 %s; want 2ms, 10ms", r.p50, r.p99)
	}
}

// squeeze collapses runs of spaces, so that a test can name a table's line without its
// padding.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
