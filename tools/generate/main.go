// Command generate runs gqlgen once for each subgraph from the project's one gqlgen.yml.
//
// gqlgen builds one executable schema per configuration; the subgraphs share every
// setting but their schema files, their output package (the executable schema, its
// models and its Apollo Federation code, which must share a package) and the fields that
// take a resolver, so this command loads gqlgen.yml and sets those per subgraph. Run it
// from the module root (`make generate`).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
)

// subgraph is what differs between the subgraphs' gqlgen runs.
type subgraph struct {
	name string
	// schema is the subgraph's own SDL, added to the shared contract of gqlgen.yml.
	schema string
	// models binds GraphQL types to hand-written Go types, by GraphQL name.
	models map[string]string
	// resolved lists Type.field pairs that get a resolver although the model has a field.
	resolved map[string][]string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run() error {
	subgraphs := []subgraph{
		{
			name:   "users",
			schema: "schema/users.graphqls",
		},
		{
			name:   "products",
			schema: "schema/products.graphqls",
			models: map[string]string{
				"Decimal":      "github.com/fedgraph/fedgraph/subgraphs/products/graph.Decimal",
				"CurrencyCode": "github.com/fedgraph/fedgraph/subgraphs/products/graph.CurrencyCode",
			},
			resolved: map[string][]string{"User": {"products"}},
		},
	}
	for _, sg := range subgraphs {
		if err := generate(sg); err != nil {
			return fmt.Errorf("%s: %w", sg.name, err)
		}
	}
	return nil
}

func generate(sg subgraph) error {
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		return err
	}
	dir := filepath.Join("subgraphs", sg.name, "graph")
	sdl, err := os.ReadFile(sg.schema)
	if err != nil {
		return err
	}
	cfg.SchemaFilename = append(cfg.SchemaFilename, sg.schema)
	cfg.Sources = append(cfg.Sources, &ast.Source{Name: sg.schema, Input: string(sdl)})
	cfg.Exec.Filename = filepath.Join(dir, "exec.go")
	cfg.Exec.Package = "graph"
	cfg.Model.Filename = filepath.Join(dir, "models.go")
	cfg.Model.Package = "graph"
	cfg.Federation.Filename = filepath.Join(dir, "federation.go")
	cfg.Federation.Package = "graph"
	for name, model := range sg.models {
		cfg.Models.Add(name, model)
	}
	for typ, fields := range sg.resolved {
		entry := cfg.Models[typ]
		if entry.Fields == nil {
			entry.Fields = map[string]config.TypeMapField{}
		}
		for _, f := range fields {
			entry.Fields[f] = config.TypeMapField{Resolver: true}
		}
		cfg.Models[typ] = entry
	}
	return api.Generate(cfg)
}
