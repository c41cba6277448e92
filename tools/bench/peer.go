package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fedgraph/fedgraph/schema"
)

// Peer is a gateway that runs outside the benchmark, started by hand over the
// subgraphs the benchmark runs on fixed ports (-subgraph-ports). It joins the tables as a target of its own: the workloads are sent
// to URL and the CPU of process PID is read from /proc, as it is for the gateways the
// benchmark starts.
type Peer struct {
	// Name is its label in the tables.
	Name string
	// URL is its GraphQL endpoint.
	URL string
	// PID is the process whose CPU is measured.
	PID int
	// Table is the one table it joins; empty: every table, since a peer runs as it
	// was started and the benchmark cannot turn its deduplication on or off.
	Table string
}

// peerName is what a peer may be called: short, and free of the characters that the
// flag and the tables use.
var peerName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,31}$`)

// parsePeer reads one -peer value, NAME=URL,PID or NAME=URL,PID,TABLE. It checks the
// syntax only; Validate checks the rest.
func parsePeer(s string) (Peer, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Peer{}, fmt.Errorf("-peer %q: want NAME=URL,PID[,TABLE]", s)
	}
	f := strings.Split(rest, ",")
	if len(f) < 2 || len(f) > 3 {
		return Peer{}, fmt.Errorf("-peer %q: want NAME=URL,PID[,TABLE]", s)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(f[1]))
	if err != nil {
		return Peer{}, fmt.Errorf("-peer %q: PID %q is not a number", s, f[1])
	}
	p := Peer{Name: strings.TrimSpace(name), URL: strings.TrimSpace(f[0]), PID: pid}
	if len(f) == 3 {
		p.Table = strings.TrimSpace(f[2])
	}
	return p, nil
}

func (p Peer) String() string {
	s := fmt.Sprintf("%s=%s,%d", p.Name, p.URL, p.PID)
	if p.Table != "" {
		s += "," + p.Table
	}
	return s
}

// peerFlags is the flag.Value of the repeatable -peer.
type peerFlags struct{ peers *[]Peer }

func (f peerFlags) String() string {
	if f.peers == nil {
		return ""
	}
	var s []string
	for _, p := range *f.peers {
		s = append(s, p.String())
	}
	return strings.Join(s, " ")
}

func (f peerFlags) Set(s string) error {
	p, err := parsePeer(s)
	if err != nil {
		return err
	}
	*f.peers = append(*f.peers, p)
	return nil
}

// inTable reports whether the peer joins table.
func (p Peer) inTable(table string) bool { return p.Table == "" || p.Table == table }

// checkPeers reports every bad -peer: a name that is not one, or that another target of
// a table it joins already has; a URL that is not an absolute http(s) one; a PID with no
// process; a table that is unknown or not measured.
func checkPeers(peers []Peer, tables []string) error {
	reserved := map[string]bool{}
	for _, t := range targetNames() {
		reserved[strings.ToLower(t)] = true
		reserved[strings.ToLower(labelOf(t))] = true
	}
	var errs []error
	taken := map[string]bool{} // table + "\x00" + lower-case name
	for _, p := range peers {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("-peer %s: %s", p, fmt.Sprintf(format, args...)))
		}
		switch {
		case !peerName.MatchString(p.Name):
			bad("name %q: want a letter, then up to 31 letters, digits, '.', '_' or '-'", p.Name)
		case reserved[strings.ToLower(p.Name)]:
			bad("name %q is one of the benchmark's own targets", p.Name)
		}
		if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("URL %q: want an absolute http:// or https:// URL", p.URL)
		}
		if p.PID <= 0 {
			bad("PID %d: want a process id", p.PID)
		} else if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", p.PID)); err != nil {
			bad("no process %d to measure (%v)", p.PID, err)
		}
		if p.Table != "" && !slices.Contains(tableNames(), p.Table) {
			bad("table %q: want one of %s, or none for every table", p.Table, strings.Join(tableNames(), ","))
		} else if p.Table != "" && !slices.Contains(tables, p.Table) {
			bad("table %q is not in -tables", p.Table)
		}
		for _, t := range tables {
			if !p.inTable(t) {
				continue
			}
			key := t + "\x00" + strings.ToLower(p.Name)
			if taken[key] {
				bad("another peer is named %q in table %s", p.Name, t)
			}
			taken[key] = true
		}
	}
	return errors.Join(errs...)
}

// parsePorts reads -subgraph-ports, NAME=PORT,… with every subgraph of the graph's
// table (schema.Subgraphs) once; empty is no fixed ports.
func parsePorts(s string) (map[string]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var names []string
	for _, sg := range schema.Subgraphs() {
		names = append(names, sg.Name)
	}
	ports := map[string]int{}
	used := map[int]string{}
	var errs []error
	for _, f := range splitList(s) {
		name, portText, ok := strings.Cut(f, "=")
		port, err := strconv.Atoi(portText)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("-subgraph-ports: %q: want NAME=PORT", f))
			continue
		case !slices.Contains(names, name):
			errs = append(errs, fmt.Errorf("-subgraph-ports: unknown subgraph %q, want %s", name, strings.Join(names, ",")))
			continue
		case err != nil || port < 1 || port > 65535:
			errs = append(errs, fmt.Errorf("-subgraph-ports: %s port %q: want 1 to 65535", name, portText))
			continue
		}
		if _, dup := ports[name]; dup {
			errs = append(errs, fmt.Errorf("-subgraph-ports: %s given twice", name))
		}
		if other, dup := used[port]; dup && other != name {
			errs = append(errs, fmt.Errorf("-subgraph-ports: %s and %s both on port %d", other, name, port))
		}
		ports[name], used[port] = port, name
	}
	for _, n := range names {
		if _, ok := ports[n]; !ok && len(errs) == 0 {
			errs = append(errs, fmt.Errorf("-subgraph-ports: no port for %s: give every subgraph one (%s)", n, strings.Join(names, ",")))
		}
	}
	return ports, errors.Join(errs...)
}

// formatPorts is the -subgraph-ports text of ports, in the graph's order.
func formatPorts(ports map[string]int) string {
	var s []string
	for _, sg := range schema.Subgraphs() {
		if p, ok := ports[sg.Name]; ok {
			s = append(s, fmt.Sprintf("%s=%d", sg.Name, p))
		}
	}
	return strings.Join(s, ",")
}

// subgraphURL is where a subgraph serves GraphQL on a fixed loopback port.
func subgraphURL(port int) string { return fmt.Sprintf("http://127.0.0.1:%d/graphql", port) }

// writeGraph writes into dir what a gateway needs to serve the benchmark's graph over
// subgraphs on the fixed ports: each subgraph's SDL, as it answers `_service { sdl }`
// (NAME.graphql), and graph.yaml, which lists each subgraph with its URL on loopback and
// its SDL file, the shape composition tools take.
func writeGraph(dir string, ports map[string]int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	var y strings.Builder
	y.WriteString("# The benchmark's graph over its subgraphs on fixed ports (go run ./tools/bench -subgraph-ports " + formatPorts(ports) + ").\n")
	y.WriteString("version: 1\nsubgraphs:\n")
	for _, sg := range schema.Subgraphs() {
		file := sg.Name + ".graphql"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(sg.SDL()), 0o644); err != nil {
			return nil, err
		}
		files = append(files, filepath.Join(dir, file))
		fmt.Fprintf(&y, "  - name: %s\n    routing_url: %s\n    schema:\n      file: ./%s\n", sg.Name, subgraphURL(ports[sg.Name]), file)
	}
	yaml := filepath.Join(dir, "graph.yaml")
	if err := os.WriteFile(yaml, []byte(y.String()), 0o644); err != nil {
		return nil, err
	}
	return append(files, yaml), nil
}

// external is a process the benchmark measures but did not start: a peer's, or this
// tool's own. name says which, in errors ("peer cosmo").
type external struct {
	name string
	pid  int
}

func (e *external) cpuTicks() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.pid))
	if err != nil {
		return 0, fmt.Errorf("%s (pid %d): %w", e.name, e.pid, err)
	}
	return parseStatCPU(string(b))
}

func (e *external) exited() error {
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", e.pid)); err != nil {
		return fmt.Errorf("%s: process %d is gone", e.name, e.pid)
	}
	return nil
}

// waitForPeer sends req to a peer until it answers it right, for up to wait: a peer
// started before the subgraphs were up, or before the data was seeded, answers
// errors until then. It returns the last error when the peer never answers right.
func waitForPeer(ctx context.Context, c *client, p Peer, wait time.Duration, req request) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.do(ctx, p.URL, req)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peer %s at %s did not answer (a) right within %s: %w", p.Name, p.URL, wait, err)
		case <-tick.C:
		}
	}
}
