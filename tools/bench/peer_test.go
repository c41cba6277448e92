package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/schema"
)

func TestParsePeer(t *testing.T) {
	tests := []struct {
		in      string
		want    Peer
		wantErr string
	}{
		{"cosmo=http://127.0.0.1:3002/graphql,4242", Peer{Name: "cosmo", URL: "http://127.0.0.1:3002/graphql", PID: 4242}, ""},
		{"cosmo-nodedup=http://127.0.0.1:3003/graphql,77,nodedup", Peer{Name: "cosmo-nodedup", URL: "http://127.0.0.1:3003/graphql", PID: 77, Table: "nodedup"}, ""},
		{" cosmo = http://h/graphql , 5 ", Peer{Name: "cosmo", URL: "http://h/graphql", PID: 5}, ""},
		{"cosmo", Peer{}, "want NAME=URL,PID[,TABLE]"},
		{"cosmo=http://h/graphql", Peer{}, "want NAME=URL,PID[,TABLE]"},
		{"cosmo=http://h/graphql,1,defaults,x", Peer{}, "want NAME=URL,PID[,TABLE]"},
		{"cosmo=http://h/graphql,pid", Peer{}, `PID "pid" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePeer(tt.in)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("parsePeer(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// noPID is a process id that no process has: above the kernel's largest (2^22).
const noPID = 1 << 23

func TestCheckPeers(t *testing.T) {
	me := os.Getpid()
	ok := func(name string) Peer { return Peer{Name: name, URL: "http://127.0.0.1:3002/graphql", PID: me} }
	with := func(p Peer, edit func(*Peer)) Peer { edit(&p); return p }
	both := tableNames()
	tests := []struct {
		name    string
		peers   []Peer
		tables  []string
		wantErr []string // each must be in the error; none: no error
	}{
		{"one", []Peer{ok("cosmo")}, both, nil},
		{"one per table under one name", []Peer{with(ok("cosmo"), func(p *Peer) { p.Table = tableDefaults }), with(ok("cosmo"), func(p *Peer) { p.Table = tableNoDedup })}, both, nil},
		{"the same name twice", []Peer{ok("cosmo"), with(ok("Cosmo"), func(p *Peer) { p.Table = tableNoDedup })}, both, []string{`another peer is named "Cosmo" in table nodedup`}},
		{"a bad name", []Peer{ok("9lives"), ok("a b")}, both, []string{`name "9lives"`, `name "a b"`}},
		{"a target's name", []Peer{ok("nautilus"), ok("Hive")}, both, []string{`"nautilus" is one of the benchmark's own targets`, `"Hive" is one of`}},
		{"a bad URL", []Peer{with(ok("a"), func(p *Peer) { p.URL = "127.0.0.1:3002" }), with(ok("b"), func(p *Peer) { p.URL = "ftp://h/" })}, both, []string{`URL "127.0.0.1:3002"`, `URL "ftp://h/"`}},
		{"no such process", []Peer{with(ok("a"), func(p *Peer) { p.PID = noPID }), with(ok("b"), func(p *Peer) { p.PID = 0 })}, both, []string{fmt.Sprintf("no process %d", noPID), "PID 0: want a process id"}},
		{"an unknown table", []Peer{with(ok("a"), func(p *Peer) { p.Table = "fast" })}, both, []string{`table "fast": want one of defaults,nodedup`}},
		{"a table not measured", []Peer{with(ok("a"), func(p *Peer) { p.Table = tableNoDedup })}, []string{tableDefaults}, []string{`table "nodedup" is not in -tables`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPeers(tt.peers, tt.tables)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]int
		wantErr string
	}{
		{"", nil, ""},
		{"users=4001,products=4002", map[string]int{"users": 4001, "products": 4002}, ""},
		{" products=14002 , users=14001 ", map[string]int{"users": 14001, "products": 14002}, ""},
		{"users=4001", nil, "no port for products"},
		{"users=4001,products=4001", nil, "users and products both on port 4001"},
		{"users=4001,products=4002,users=4003", nil, "users given twice"},
		{"users=4001,reviews=4002", nil, `unknown subgraph "reviews"`},
		{"users=0,products=70000", nil, `users port "0": want 1 to 65535`},
		{"users:4001,products=4002", nil, `"users:4001": want NAME=PORT`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePorts(tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" && fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("parsePorts(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if got := formatPorts(map[string]int{"products": 2, "users": 1}); got != "users=1,products=2" {
		t.Errorf("formatPorts = %q, want the graph's order", got)
	}
}

// TestParseConfigPeers checks what -peer and -write-graph need besides themselves.
func TestParseConfigPeers(t *testing.T) {
	peer := fmt.Sprintf("cosmo=http://127.0.0.1:3002/graphql,%d", os.Getpid())
	env := func(string) string { return "" }
	cfg, err := parseConfig([]string{"-targets", "fedgraph", "-subgraph-ports", "users=4001,products=4002", "-peer", peer, "-peer", "other=http://127.0.0.1:3003/graphql," + fmt.Sprint(os.Getpid()) + ",nodedup"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Peers) != 2 || cfg.Peers[1].Table != tableNoDedup || cfg.SubgraphPorts["products"] != 4002 {
		t.Errorf("peers %+v, ports %v", cfg.Peers, cfg.SubgraphPorts)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-targets", "fedgraph", "-peer", peer}, "-peer: give -subgraph-ports too"},
		{[]string{"-targets", "fedgraph", "-peer", "cosmo"}, `-peer "cosmo": want NAME=URL,PID[,TABLE]`},
		{[]string{"-targets", "fedgraph", "-write-graph", t.TempDir()}, "-write-graph: give -subgraph-ports too"},
		{[]string{"-targets", "fedgraph", "-tables", "defaults,fast", "-peer-wait", "0s"}, `-tables: unknown "fast"`},
		{[]string{"-targets", "fedgraph", "-peer-wait", "0s"}, "-peer-wait 0s"},
		{[]string{"-targets", "fedgraph", "-subgraph-ports", "users=1", "-peer-wait", "0s"}, "-peer-wait 0s"}, // reported with the ports' error
	} {
		if _, err := parseConfig(tt.args, env); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseConfig(%q): error %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestWriteGraph checks what a peer is set up from: each subgraph's SDL as it serves it,
// and the list of subgraphs routed to the fixed ports.
func TestWriteGraph(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "graph")
	var out strings.Builder
	if err := run(context.Background(), []string{"-targets", "fedgraph", "-subgraph-ports", "users=14001,products=14002", "-write-graph", dir}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), filepath.Join(dir, "graph.yaml")) || !strings.Contains(out.String(), "-subgraph-ports users=14001,products=14002") {
		t.Errorf("output:\n%s\nwant the files written and the flags to run with", out.String())
	}
	for _, sg := range schema.Subgraphs() {
		b, err := os.ReadFile(filepath.Join(dir, sg.Name+".graphql"))
		if err != nil || string(b) != sg.SDL() {
			t.Errorf("%s.graphql: %v, want the subgraph's SDL", sg.Name, err)
		}
	}
	y, err := os.ReadFile(filepath.Join(dir, "graph.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"version: 1\nsubgraphs:\n",
		"  - name: users\n    routing_url: http://127.0.0.1:14001/graphql\n    schema:\n      file: ./users.graphql\n",
		"  - name: products\n    routing_url: http://127.0.0.1:14002/graphql\n    schema:\n      file: ./products.graphql\n",
	} {
		if !strings.Contains(string(y), want) {
			t.Errorf("graph.yaml:\n%s\nwant\n%s", y, want)
		}
	}
}

func TestExternalProcess(t *testing.T) {
	me := &external{name: "me", pid: os.Getpid()}
	if err := me.exited(); err != nil {
		t.Errorf("exited: %v, want nil for this process", err)
	}
	if _, err := me.cpuTicks(); err != nil {
		t.Errorf("cpuTicks: %v", err)
	}
	gone := &external{name: "gone", pid: noPID}
	if err := gone.exited(); err == nil {
		t.Error("exited: nil for a process that does not exist")
	}
	if _, err := gone.cpuTicks(); err == nil {
		t.Error("cpuTicks: no error for a process that does not exist")
	}
}

// TestWaitForPeer checks that a peer which answers errors at first is waited for, and
// one that never answers right fails the wait with its last error.
func TestWaitForPeer(t *testing.T) {
	g := testGraph()
	right := `{"data":{"product":{"id":"Product:3","name":"p","price":{"amount":"1"},"owner":{"name":"User 01","email":"user01@bench.example"}}}}`
	srv, n := graphQLServer(t, func(n int64, w http.ResponseWriter) {
		if n < 2 {
			io.WriteString(w, `{"errors":[{"message":"subgraph users: connection refused"}]}`)
			return
		}
		io.WriteString(w, right)
	})
	c := newClient(1, time.Second)
	req := productWithOwner(g, repeatedProduct, false)
	if err := waitForPeer(context.Background(), c, Peer{Name: "p", URL: srv.URL}, time.Minute, req); err != nil {
		t.Fatalf("waitForPeer: %v", err)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("%d requests, want 3: two errors, then the right answer", got)
	}

	never, _ := graphQLServer(t, func(_ int64, w http.ResponseWriter) { io.WriteString(w, `{"errors":[{"message":"no such field"}]}`) })
	err := waitForPeer(context.Background(), c, Peer{Name: "p", URL: never.URL}, 600*time.Millisecond, req)
	checkErr(t, err, "did not answer (a) right within 600ms: errors: no such field")
}

// TestDedupPerTable checks how each target runs in each table: ours and Hive Gateway
// with their deduplication off in the nodedup table, the others alike in both, so that
// they are measured once.
func TestDedupPerTable(t *testing.T) {
	for _, name := range targetNames() {
		def, knob := dedupOf(name, tableDefaults)
		off, _ := dedupOf(name, tableNoDedup)
		if len(def) != 0 {
			t.Errorf("%s runs with %q in the defaults table, want its defaults", name, def)
		}
		var want []string
		switch name {
		case targetOurs, targetFederation:
			want = []string{"-dedup=false"}
		case targetHive:
			want = []string{"--no-inflight-dedup"}
		}
		if !slices.Equal(off, want) || knob != (want != nil) {
			t.Errorf("%s in the nodedup table: %q (knob %v), want %q", name, off, knob, want)
		}
		same := targetKey(name, tableDefaults) == targetKey(name, tableNoDedup)
		if same == knob {
			t.Errorf("%s: keys %q and %q, want them equal only without a knob", name, targetKey(name, tableDefaults), targetKey(name, tableNoDedup))
		}
	}
	everywhere, one := Peer{Name: "cosmo"}, Peer{Name: "cosmo", Table: tableNoDedup}
	if peerKey(everywhere, tableDefaults) != peerKey(everywhere, tableNoDedup) || peerKey(one, tableNoDedup) == peerKey(everywhere, tableNoDedup) {
		t.Errorf("peer keys: %q %q %q", peerKey(everywhere, tableDefaults), peerKey(everywhere, tableNoDedup), peerKey(one, tableNoDedup))
	}
}
