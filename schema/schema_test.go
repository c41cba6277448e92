package schema

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// name is what a subgraph's name may be: it is a Go package's name and path element.
var name = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// TestTable checks the table of subgraphs against the tree: each entry's schema file,
// package, generated package and command exist, and every subgraph in the tree (each
// subgraphs/*/cmd/*, which the Makefile builds, and each subgraphs/*/graph/exec.go,
// which `make check` compares) and every subgraph schema file has its entry.
func TestTable(t *testing.T) {
	root := ".."
	table := Subgraphs()
	if len(table) == 0 {
		t.Fatal("no subgraphs")
	}
	names, ports := map[string]bool{}, map[int]bool{}
	for _, s := range table {
		if !name.MatchString(s.Name) || names[s.Name] {
			t.Errorf("subgraph name %q: want lowercase letters and digits, once", s.Name)
		}
		names[s.Name] = true
		if s.Port <= 0 || s.Port > 65535 || s.Port == 4000 || ports[s.Port] {
			t.Errorf("%s: port %d: want one of its own (4000 is the gateway's)", s.Name, s.Port)
		}
		ports[s.Port] = true
		if got, ok := Lookup(s.Name); !ok || got != s {
			t.Errorf("Lookup(%q) = %+v, %v", s.Name, got, ok)
		}
		for _, f := range []string{
			filepath.Join("schema", s.File),
			filepath.Join(s.GraphDir(), "exec.go"),
			filepath.Join(s.GraphDir(), "resolver.go"),
			filepath.Join(s.Command(), "main.go"),
		} {
			if _, err := os.Stat(filepath.Join(root, f)); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
		// The SDL is the shared contract and the subgraph's file, byte for byte, and what
		// it serves at /schema.graphql loads on its own.
		own, err := os.ReadFile(s.File)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.SDL(), relay+"\n"+string(own); got != want {
			t.Errorf("%s: SDL is not relay.graphqls and %s", s.Name, s.File)
		}
		if _, err := gqlparser.LoadSchema(&ast.Source{Name: s.File, Input: Standalone(s.SDL())}); err != nil {
			t.Errorf("%s: Standalone(SDL) does not load: %v", s.Name, err)
		}
	}
	if Users() != MustLookup("users").SDL() || Products() != MustLookup("products").SDL() {
		t.Error("Users or Products is not its table entry's SDL")
	}
	if _, ok := Lookup("nosuch"); ok {
		t.Error(`Lookup("nosuch") found a subgraph`)
	}

	// Whatever the tree has, the table has.
	var inTree []string
	for _, pattern := range []string{"subgraphs/*/cmd/*", "subgraphs/*/graph/exec.go"} {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel(root, m)
			inTree = append(inTree, filepath.ToSlash(rel))
		}
	}
	schemas, err := filepath.Glob("*.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range schemas {
		if f != "relay.graphqls" && f != "federation.graphqls" {
			inTree = append(inTree, f)
		}
	}
	for _, p := range inTree {
		if !slices.ContainsFunc(table, func(s Subgraph) bool {
			return p == s.Command() || p == s.GraphDir()+"/exec.go" || p == s.File
		}) {
			t.Errorf("%s is not in the table of subgraphs (schema.go): add its line", p)
		}
	}

	// Subgraphs hands out a copy.
	table[0].Name = "changed"
	if Subgraphs()[0].Name == "changed" {
		t.Error("Subgraphs returns the table itself")
	}
}
