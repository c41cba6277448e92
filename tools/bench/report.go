package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// report is what a run prints once every workload has run: aligned Markdown tables,
// readable as text and pasted as they are into a README.
type report struct {
	header   []string
	sections []*section // one per table, in the order they were measured
	soak     *soakResult
}

// rows are the rows of one table.
type rows []*row

func (rs rows) find(workload, target string) *row {
	for _, r := range rs {
		if r.w.name == workload && r.target.name == target {
			return r
		}
	}
	return nil
}

// tableIntro says what sets a table apart, under its heading.
func tableIntro(name string) string {
	switch name {
	case tableDefaults:
		return "Each gateway as it ships: ours (-dedup, on by default) and Hive Gateway (identical subgraph requests) " +
			"share identical requests in flight; nautilus and Apollo Gateway share none; a peer runs as it was started."
	case tableNoDedup:
		return "Ours with -dedup=false, Hive Gateway with its in-flight deduplication off (hive-gateway.mjs --no-inflight-dedup); " +
			"nautilus and Apollo Gateway as they ship (they share nothing); a peer runs as it was started."
	}
	return ""
}

func (rep *report) write(w io.Writer) {
	fmt.Fprintln(w, "## Whole-graph benchmark (tools/bench)")
	fmt.Fprintln(w)
	for _, h := range rep.header {
		fmt.Fprintln(w, "- "+h)
	}

	for _, sec := range rep.sections {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "### %s (-tables %s)\n", tableTitle(sec.name), sec.name)
		fmt.Fprintln(w)
		fmt.Fprintln(w, tableIntro(sec.name))
		fmt.Fprintln(w)
		sec.rows.main().write(w)
		notes := slices.Clone(sec.skipped)
		if len(sec.shared) > 0 {
			notes = append(notes, fmt.Sprintf("%s: the same process and settings as in the table before, measured once, there.", strings.Join(sec.shared, ", ")))
		}
		if len(notes) > 0 {
			fmt.Fprintln(w)
			for _, s := range notes {
				fmt.Fprintln(w, "- "+s)
			}
		}
		if ratios := sec.rows.ratios(); len(ratios.rows) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "Ratios (CPU per query, each from the run against that gateway):")
			fmt.Fprintln(w)
			ratios.write(w)
		}
		if side := sec.rows.gateways(); len(side.rows) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "The gateways side by side (rps, and the gateway process's CPU ms per client query):")
			fmt.Fprintln(w)
			side.write(w)
		}
		if vs := sec.rows.versus(); len(vs.rows) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "fedgraph against each gateway (fedgraph's rps over theirs; fedgraph's gateway CPU per query over theirs):")
			fmt.Fprintln(w)
			vs.write(w)
		}
	}

	if goals := rep.issue17(); len(goals.rows) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "### Targets")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Issue 17's targets, in this run (a peer, -peer, is held to what the issue asks against Cosmo's router;")
		fmt.Fprintln(w, "ceiling, without deduplication: the peer's machine CPU per query over ours less our gateway's, the")
		fmt.Fprintln(w, "most our rps could be over the peer's on this saturated machine if our gateway cost no CPU at all):")
		fmt.Fprintln(w)
		goals.write(w)
	}
	if sec := rep.issue8Section(); sec != nil {
		if goals := sec.rows.issue8(); len(goals.rows) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintf(w, "Issue 8's targets, in the %q table (ceiling: the products subgraph's own rps on the workload,\n", sec.name)
			fmt.Fprintln(w, "measured directly, over the other gateway's; no gateway in front of that subgraph can")
			fmt.Fprintln(w, "answer faster than the subgraph alone, so no gateway could show a higher ratio here):")
			fmt.Fprintln(w)
			goals.write(w)
		}
	}

	var unordered []string
	for sec, r := range rep.distinct() {
		if ok := r.st.requests() - r.st.errors; r.st.unordered > 0 && ok > 0 {
			unordered = append(unordered, fmt.Sprintf("%s, %s, %s: %.1f%% of correct answers", sec, r.w.title, r.target.label, 100*float64(r.st.unordered)/float64(ok)))
		}
	}
	if len(unordered) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Answers whose keys are not in selection order, which the GraphQL spec asks for (tallied, not counted as errors):")
		fmt.Fprintln(w)
		for _, u := range unordered {
			fmt.Fprintln(w, "- "+u)
		}
	}

	if errs := rep.errorKinds(); len(errs) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Errors, by kind (at most three kinds per row):")
		fmt.Fprintln(w)
		for _, e := range errs {
			fmt.Fprintln(w, "- "+e)
		}
	}

	if s := rep.soak; s != nil {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Soak: (d) against fedgraph for %s, %s rps, %s errors:\n", s.d, formatRPS(float64(s.st.requests())/s.st.elapsed.Seconds()), formatErrors(s.st))
		fmt.Fprintln(w)
		st := table{head: []string{"gateway", "start", "end", "growth"}, right: []bool{false, true, true, true}}
		st.rows = append(st.rows,
			[]string{"RSS MiB", fmt.Sprintf("%.1f", float64(s.rss0)/(1<<20)), fmt.Sprintf("%.1f", float64(s.rss1)/(1<<20)), growth(float64(s.rss0), float64(s.rss1))},
			[]string{"goroutines", fmt.Sprint(s.goroutines0), fmt.Sprint(s.goroutines1), growth(float64(s.goroutines0), float64(s.goroutines1))},
		)
		st.write(w)
	}
	fmt.Fprintln(w)
}

// distinct yields every row once, with the table it was measured in: a row that
// several tables share is measured in the first.
func (rep *report) distinct() func(yield func(string, *row) bool) {
	return func(yield func(string, *row) bool) {
		seen := map[*row]bool{}
		for _, sec := range rep.sections {
			for _, r := range sec.rows {
				if seen[r] {
					continue
				}
				seen[r] = true
				if !yield(sec.name, r) {
					return
				}
			}
		}
	}
}

// section returns the table named name, nil when it was not measured.
func (rep *report) section(name string) *section {
	for _, s := range rep.sections {
		if s.name == name {
			return s
		}
	}
	return nil
}

// issue8Section is the table issue 8's targets are judged in: they were set with
// deduplication off on every side (Hive Gateway's was turned off, ours had none), so
// the nodedup table when it ran, else the first.
func (rep *report) issue8Section() *section {
	if s := rep.section(tableNoDedup); s != nil {
		return s
	}
	if len(rep.sections) > 0 {
		return rep.sections[0]
	}
	return nil
}

// main is the table's every row: throughput, latency, CPU per query by process and
// subgraph requests per client query.
func (rs rows) main() table {
	t := table{
		head:  []string{"workload", "target", "rps", "p50 ms", "p99 ms", "gateway CPU ms/q", "users CPU ms/q", "products CPU ms/q", "tool CPU ms/q", "machine CPU ms/q", "busy", "users req/q", "products req/q", "errors"},
		right: []bool{false, false, true, true, true, true, true, true, true, true, true, true, true, true},
	}
	for _, r := range rs {
		gw := "-"
		if r.target.gw != nil {
			gw = fmt.Sprintf("%.3f", r.cpuMS[roleGateway])
		}
		t.rows = append(t.rows, []string{
			r.w.title, r.target.label, formatRPS(r.rps()), formatMS(r.p50), formatMS(r.p99),
			gw, fmt.Sprintf("%.3f", r.cpuMS[roleUsers]), fmt.Sprintf("%.3f", r.cpuMS[roleProducts]),
			fmt.Sprintf("%.3f", r.cpuMS[roleTool]), fmt.Sprintf("%.3f", r.cpuMS[roleMachine]), fmt.Sprintf("%.0f%%", 100*r.busy),
			fmt.Sprintf("%.2f", r.reqs["users"]), fmt.Sprintf("%.2f", r.reqs["products"]),
			formatErrors(r.st),
		})
	}
	return t
}

// ratios compares our gateway with the baseline per workload.
func (rs rows) ratios() table {
	t := table{
		head:  []string{"workload", "fedgraph rps / nautilus rps", "fedgraph CPU / products CPU", "nautilus CPU / products CPU"},
		right: []bool{false, true, true, true},
	}
	for _, w := range workloads() {
		ours, base := rs.find(w.name, targetOurs), rs.find(w.name, targetBaseline)
		if ours == nil && base == nil {
			continue
		}
		speed := "n/a"
		if ours != nil && base != nil && base.rps() > 0 {
			speed = fmt.Sprintf("%.2f", ours.rps()/base.rps())
		}
		t.rows = append(t.rows, []string{w.title, speed, cpuRatio(ours), cpuRatio(base)})
	}
	return t
}

// gatewayTargets are the gateways the comparison sets side by side, in its order: the
// benchmark's own, then the peers in the order they were given.
func (rs rows) gatewayTargets() []string {
	names := []string{targetOurs, targetFederation, targetBaseline, targetHive, targetApollo}
	for _, r := range rs {
		if r.target.peer && !slices.Contains(names, r.target.name) {
			names = append(names, r.target.name)
		}
	}
	return names
}

// ran returns one row of each gateway of names that ran, for its label.
func (rs rows) ran(names []string) []*row {
	var ran []*row
	for _, g := range names {
		for _, r := range rs {
			if r.target.name == g {
				ran = append(ran, r)
				break
			}
		}
	}
	return ran
}

// gateways is one row per workload with each gateway's rps and CPU per query, for the
// gateways that ran.
func (rs rows) gateways() table {
	ran := rs.ran(rs.gatewayTargets())
	if len(ran) < 2 {
		return table{}
	}
	t := table{head: []string{"workload"}, right: []bool{false}}
	for _, r := range ran {
		t.head = append(t.head, r.target.label+" rps", r.target.label+" CPU ms/q")
		t.right = append(t.right, true, true)
	}
	for _, w := range workloads() {
		cells := []string{w.title}
		anyRan := false
		for _, g := range ran {
			r := rs.find(w.name, g.target.name)
			if r == nil {
				cells = append(cells, "-", "-")
				continue
			}
			anyRan = true
			cells = append(cells, formatRPS(r.rps()), fmt.Sprintf("%.3f", r.cpuMS[roleGateway]))
		}
		if anyRan {
			t.rows = append(t.rows, cells)
		}
	}
	return t
}

// others are the gateways our gateway is compared with: every gateway but ours, in
// either mode.
func (rs rows) others() []*row {
	var names []string
	for _, n := range rs.gatewayTargets() {
		if n != targetOurs && n != targetFederation {
			names = append(names, n)
		}
	}
	return rs.ran(names)
}

// versus is, per workload, our gateway's rps and CPU per query over each other
// gateway's, in one table.
func (rs rows) versus() table {
	others := rs.others()
	if len(others) == 0 {
		return table{}
	}
	t := table{head: []string{"workload"}, right: []bool{false}}
	for _, o := range others {
		t.head = append(t.head, "vs "+o.target.label)
		t.right = append(t.right, true)
	}
	for _, w := range workloads() {
		ours := rs.find(w.name, targetOurs)
		if ours == nil {
			continue
		}
		cells := []string{w.title}
		anyRan := false
		for _, o := range others {
			theirs := rs.find(w.name, o.target.name)
			if theirs == nil || theirs.rps() <= 0 {
				cells = append(cells, "-")
				continue
			}
			anyRan = true
			cpu := "n/a CPU"
			if theirs.cpuMS[roleGateway] > 0 {
				cpu = fmt.Sprintf("%.2f× CPU", ours.cpuMS[roleGateway]/theirs.cpuMS[roleGateway])
			}
			cells = append(cells, fmt.Sprintf("%.2f× rps, %s", ours.rps()/theirs.rps(), cpu))
		}
		if anyRan {
			t.rows = append(t.rows, cells)
		}
	}
	return t
}

// issue17 checks the figures issue 17 asks of our gateway, in each table that ran: with
// every gateway's defaults, its rps at least 1.2× Cosmo's (any peer's, here) on (a)
// and (b) and ahead of every other gateway; with deduplication off on every side, at
// least 1.5× Cosmo's on both; and its CPU per query the lowest of all gateways on every
// workload of both tables. A peer's row that did not run is n/a.
//
// Without deduplication each rps target against a peer also shows its ceiling: the
// peer's machine CPU per query over ours less our gateway's, the ratio our gateway would
// reach if it cost no CPU at all, when the machine is saturated (busy near 100%) and
// throughput follows the CPU each query takes from it. With deduplication the clients
// wait on shared executions and the machine is not saturated, so no such bound holds.
func (rep *report) issue17() table {
	t := table{head: []string{"table", "target", "measured", "ceiling", "met"}, right: []bool{false, false, true, true, false}}
	for _, sec := range rep.sections {
		rs := sec.rows
		for _, wn := range []string{"a", "b"} {
			ours := rs.find(wn, targetOurs)
			if ours == nil {
				continue
			}
			for _, o := range rs.others() {
				theirs := rs.find(wn, o.target.name)
				var goal string
				atLeast, strict := 0.0, false
				switch {
				case o.target.peer && sec.name == tableDefaults:
					atLeast = 1.2
				case o.target.peer && sec.name == tableNoDedup:
					atLeast = 1.5
				case sec.name == tableDefaults:
					atLeast, strict = 1, true
				default:
					continue // the issue sets no rps target against the others without deduplication
				}
				if strict {
					goal = fmt.Sprintf("%s: fedgraph rps > %s's", workloadTitle(wn), o.target.label)
				} else {
					goal = fmt.Sprintf("%s: fedgraph rps ≥ %g × %s's", workloadTitle(wn), atLeast, o.target.label)
				}
				if theirs == nil || theirs.rps() <= 0 {
					t.rows = append(t.rows, []string{sec.name, goal, "n/a", "n/a", "n/a"})
					continue
				}
				x := ours.rps() / theirs.rps()
				met := x >= atLeast
				if strict {
					met = x > atLeast
				}
				ceiling := "-"
				if o.target.peer && sec.name == tableNoDedup {
					ceiling = cpuCeiling(ours, theirs)
				}
				t.rows = append(t.rows, []string{sec.name, goal, fmt.Sprintf("%.2f×", x), ceiling, yesNo(met)})
			}
		}
		for _, w := range workloads() {
			if row := rs.lowestCPU(w.name, rs.others()); row != nil {
				t.rows = append(t.rows, append([]string{sec.name}, row...))
			}
		}
	}
	return t
}

// lowestCPU is the verdict on whether our gateway's CPU per query on workload is the
// lowest of itself and others (rows of other gateways, any workload), as a targets
// table's row (target, measured, no ceiling, met), nil when either side did not run it.
func (rs rows) lowestCPU(workload string, others []*row) []string {
	ours := rs.find(workload, targetOurs)
	if ours == nil {
		return nil
	}
	lowest := true
	var next *row // the cheapest other gateway
	for _, o := range others {
		r := rs.find(workload, o.target.name)
		if r == nil {
			continue
		}
		if next == nil || r.cpuMS[roleGateway] < next.cpuMS[roleGateway] {
			next = r
		}
		if r.cpuMS[roleGateway] <= ours.cpuMS[roleGateway] {
			lowest = false
		}
	}
	if next == nil {
		return nil
	}
	return []string{
		workloadTitle(workload) + ": fedgraph CPU per query the lowest of the gateways",
		fmt.Sprintf("%.3f ms vs %.3f ms (%s)", ours.cpuMS[roleGateway], next.cpuMS[roleGateway], next.target.label),
		"-",
		yesNo(lowest),
	}
}

// cpuCeiling is the most ours.rps()/theirs.rps() could be on a saturated machine if our
// gateway cost nothing: theirs' machine CPU per query over ours without our gateway's.
func cpuCeiling(ours, theirs *row) string {
	rest := ours.cpuMS[roleMachine] - ours.cpuMS[roleGateway]
	if rest <= 0 || theirs.cpuMS[roleMachine] <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", theirs.cpuMS[roleMachine]/rest)
}

// issue8 checks the figures issue 8 asks of our gateway: its RPS at least 2× Hive
// Gateway's and 5× Apollo Gateway's on the 100-product list (b), ahead of both on the
// single product (a), and its CPU per query the lowest of the gateways on every workload.
// A target whose rows did not run is n/a. Each RPS target also shows its ceiling: the
// products subgraph's direct rps on the workload over the other gateway's, the most that
// any gateway in front of the same subgraph could reach on this machine (n/a without the
// direct row).
func (rs rows) issue8() table {
	t := table{head: []string{"target", "measured", "ceiling", "met"}, right: []bool{false, true, true, false}}
	speed := func(workload, other string, atLeast float64, strict bool) {
		ours, theirs := rs.find(workload, targetOurs), rs.find(workload, other)
		if ours == nil && theirs == nil {
			return
		}
		title := workloadTitle(workload)
		label := labelOf(other)
		goal := fmt.Sprintf("%s: fedgraph rps ≥ %g × %s's", title, atLeast, label)
		if strict {
			goal = fmt.Sprintf("%s: fedgraph rps > %s's", title, label)
		}
		if ours == nil || theirs == nil || theirs.rps() <= 0 {
			t.rows = append(t.rows, []string{goal, "n/a", "n/a", "n/a"})
			return
		}
		ceiling := "n/a"
		if direct := rs.find(workload, targetDirect); direct != nil {
			ceiling = fmt.Sprintf("%.2f×", direct.rps()/theirs.rps())
		}
		x := ours.rps() / theirs.rps()
		met := x >= atLeast
		if strict {
			met = x > atLeast
		}
		t.rows = append(t.rows, []string{goal, fmt.Sprintf("%.2f×", x), ceiling, yesNo(met)})
	}
	// Federation mode against stitch mode, the same gateway over the same subgraphs:
	// within 10% on every workload.
	for _, w := range workloads() {
		fed, stitch := rs.find(w.name, targetFederation), rs.find(w.name, targetOurs)
		if fed == nil || stitch == nil || stitch.rps() <= 0 {
			continue
		}
		x := fed.rps() / stitch.rps()
		t.rows = append(t.rows, []string{w.title + ": federation mode rps ≥ 0.9 × stitch mode's", fmt.Sprintf("%.2f×", x), "-", yesNo(x >= 0.9)})
	}
	speed("b", targetHive, 2, false)
	speed("b", targetApollo, 5, false)
	speed("a", targetHive, 1, true)
	speed("a", targetApollo, 1, true)
	for _, w := range workloads() {
		if row := rs.lowestCPU(w.name, rs.ran([]string{targetBaseline, targetHive, targetApollo})); row != nil {
			t.rows = append(t.rows, row)
		}
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func workloadTitle(name string) string {
	for _, w := range workloads() {
		if w.name == name {
			return w.title
		}
	}
	return name
}

// labelOf is the table label of a gateway target.
func labelOf(target string) string {
	for _, g := range nodeGateways() {
		if g.target == target {
			return g.label
		}
	}
	return target
}

func cpuRatio(r *row) string {
	if r == nil || r.cpuMS[roleProducts] <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", r.cpuMS[roleGateway]/r.cpuMS[roleProducts])
}

// errorKinds lists, per row with errors, its most frequent kinds of error.
func (rep *report) errorKinds() []string {
	var out []string
	for sec, r := range rep.distinct() {
		if r.st.errors == 0 {
			continue
		}
		kinds := slices.SortedFunc(maps.Keys(r.st.kinds), func(a, b string) int {
			return cmp.Or(cmp.Compare(r.st.kinds[b], r.st.kinds[a]), strings.Compare(a, b))
		})
		for i, k := range kinds {
			if i == 3 {
				out = append(out, fmt.Sprintf("%s, %s, %s: %d more kinds", sec, r.w.title, r.target.label, len(kinds)-3))
				break
			}
			out = append(out, fmt.Sprintf("%s, %s, %s: %d × %s", sec, r.w.title, r.target.label, r.st.kinds[k], k))
		}
	}
	return out
}

func formatRPS(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func formatMS(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms >= 100 {
		return fmt.Sprintf("%.0f", ms)
	}
	return fmt.Sprintf("%.2f", ms)
}

func formatErrors(s *stats) string {
	if s.errors == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%.1f%%)", s.errors, 100*float64(s.errors)/float64(s.requests()))
}

func growth(from, to float64) string {
	if from == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", 100*(to-from)/from)
}

// table is a Markdown table whose columns are padded to one width, so that it reads as
// aligned text too.
type table struct {
	head  []string
	right []bool // right-align the column (numbers)
	rows  [][]string
}

func (t table) write(w io.Writer) {
	width := make([]int, len(t.head))
	for _, r := range append([][]string{t.head}, t.rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if t.right[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(t.head)
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
		if t.right[i] {
			sep[i] = sep[i][1:] + ":"
		}
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
}
