// Package schema holds the SDL of every subgraph: the shared Node contract in
// relay.graphqls and each subgraph's own types, Apollo Federation's directives
// included. gqlgen generates each subgraph from these files; each subgraph answers
// `_service { sdl }` with the same text, and serves it at /schema.graphql with the
// definitions of the federation directives it uses (Standalone).
//
// supergraph.graphql is their composition, for federation mode (Supergraph).
//
// It also holds the graph's one table of subgraphs (Subgraphs), which code generation,
// the development launcher and the tests that enumerate the subgraphs read.
package schema

import (
	"embed"
	"fmt"
	"path"
)

// files are the schema files: relay.graphqls, federation.graphqls and each subgraph's.
//
//go:embed *.graphqls
var files embed.FS

//go:embed relay.graphqls
var relay string

//go:embed federation.graphqls
var federation string

//go:embed supergraph.graphql
var supergraph string

// Subgraph is one subgraph of the graph, as its table (Subgraphs) lists it. Everything
// else about it follows from its name by convention: its Go package is subgraphs/NAME
// (Dir), gqlgen generates into subgraphs/NAME/graph (GraphDir), and its command is
// subgraphs/NAME/cmd/NAME (Command). The gateway knows it by the same name
// (-subgraph NAME=URL), and so do compose.yaml and the Kubernetes manifests.
type Subgraph struct {
	// Name is the subgraph's name: lowercase letters, as in its package's path.
	Name string
	// File is its own schema file in this directory. Its full SDL (SDL) is
	// relay.graphqls followed by this file.
	File string
	// Port is the port it listens on by default: its binary's -listen-addr (127.0.0.1:PORT),
	// and where `make run` (tools/devgraph) serves it on 127.0.0.1.
	Port int
}

// Subgraphs returns the graph's subgraphs, in the order the gateway merges them. It is
// the one table that tools/generate, tools/devgraph and the tests that enumerate the
// subgraphs read; adding a subgraph adds a line to it (docs/architecture.md, "Adding a subgraph").
func Subgraphs() []Subgraph {
	return []Subgraph{
		{Name: "users", File: "users.graphqls", Port: 4001},
		{Name: "products", File: "products.graphqls", Port: 4002},
	}
}

// Lookup returns the subgraph of the table named name.
func Lookup(name string) (Subgraph, bool) {
	for _, s := range Subgraphs() {
		if s.Name == name {
			return s, true
		}
	}
	return Subgraph{}, false
}

// SDL returns the subgraph's full SDL: the shared contract and its own types. It is the
// text gqlgen generates the subgraph from, and its `_service { sdl }`.
func (s Subgraph) SDL() string {
	own, err := files.ReadFile(s.File)
	if err != nil {
		// Only a table entry without its file gets here; TestTable catches it.
		panic(fmt.Sprintf("schema: subgraph %s: %v", s.Name, err))
	}
	return relay + "\n" + string(own)
}

// Dir is the subgraph's Go package, relative to the module root: subgraphs/NAME.
func (s Subgraph) Dir() string { return path.Join("subgraphs", s.Name) }

// GraphDir is the package gqlgen generates the subgraph into (exec.go, models.go,
// federation.go, beside the hand-written resolvers), relative to the module root.
func (s Subgraph) GraphDir() string { return path.Join(s.Dir(), "graph") }

// Command is the subgraph's command, relative to the module root:
// subgraphs/NAME/cmd/NAME, so that `go build` names its binary NAME.
func (s Subgraph) Command() string { return path.Join(s.Dir(), "cmd", s.Name) }

// Users returns the users subgraph's full SDL: the shared contract and its own types.
// It is the text gqlgen generates the subgraph from, and its `_service { sdl }`.
func Users() string { return MustLookup("users").SDL() }

// Products returns the products subgraph's full SDL: the shared contract and its own
// types. It is the text gqlgen generates the subgraph from, and its `_service { sdl }`.
func Products() string { return MustLookup("products").SDL() }

// MustLookup returns the subgraph of the table named name, and panics if there is none:
// for a subgraph's own package, which knows it is in the table
// (schema.MustLookup("users").SDL()).
func MustLookup(name string) Subgraph {
	s, ok := Lookup(name)
	if !ok {
		panic("schema: no subgraph " + name + " in the table")
	}
	return s
}

// Supergraph returns the graph's Apollo Federation supergraph: the subgraphs' SDL
// composed by @apollo/composition, each subgraph at its default address
// (http://127.0.0.1:PORT/graphql). The gateway serves it in federation mode
// (gateway -supergraph); internal/interop's TestComposition composes the running
// subgraphs again and checks that it is the same (-update rewrites it).
func Supergraph() string { return supergraph }

// Standalone returns a subgraph's SDL followed by the definitions of the Apollo
// Federation directives it uses, so that it loads without any knowledge of Federation:
// the SDL each subgraph serves at /schema.graphql.
func Standalone(sdl string) string { return sdl + "\n" + federation }
