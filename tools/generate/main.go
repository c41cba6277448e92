// Command generate runs gqlgen once for each subgraph of the graph's table
// (schema.Subgraphs) from the project's one gqlgen.yml.
//
// gqlgen builds one executable schema per configuration; the subgraphs share every
// setting but their schema files, their output package (the executable schema, its
// models and its Apollo Federation code, which must share a package) and the fields that
// take a resolver, so this command loads gqlgen.yml and sets those per subgraph: the
// schema file and the package from the table, and the few gqlgen settings of its own a
// subgraph may have from extras. Run it from the module root (`make generate`).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/schema"
)

// extra is what a subgraph's gqlgen run sets beyond its schema file and its package.
type extra struct {
	// models binds GraphQL types to hand-written Go types, by GraphQL name.
	models map[string]string
	// resolved lists Type.field pairs that get a resolver although the model has a field.
	resolved map[string][]string
}

// extras returns the subgraphs' own gqlgen settings, by name; a subgraph that binds no
// Go type of its own and forces no resolver needs no entry.
func extras() map[string]extra {
	return map[string]extra{
		"products": {
			models: map[string]string{
				"Decimal":      "github.com/fedgraph/fedgraph/subgraphs/products/graph.Decimal",
				"CurrencyCode": "github.com/fedgraph/fedgraph/subgraphs/products/graph.CurrencyCode",
			},
			resolved: map[string][]string{"User": {"products"}},
		},
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run() error {
	extras := extras()
	for name := range extras {
		if _, ok := schema.Lookup(name); !ok {
			return fmt.Errorf("extras for %q, which is not in schema.Subgraphs", name)
		}
	}
	for _, sg := range schema.Subgraphs() {
		if err := generate(sg, extras[sg.Name]); err != nil {
			return fmt.Errorf("%s: %w", sg.Name, err)
		}
	}
	return nil
}

func generate(sg schema.Subgraph, ex extra) error {
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		return err
	}
	dir := filepath.FromSlash(sg.GraphDir())
	file := "schema/" + sg.File // as gqlgen.yml names relay.graphqls
	sdl, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cfg.SchemaFilename = append(cfg.SchemaFilename, file)
	cfg.Sources = append(cfg.Sources, &ast.Source{Name: file, Input: string(sdl)})
	cfg.Exec.Filename = filepath.Join(dir, "exec.go")
	cfg.Exec.Package = "graph"
	cfg.Model.Filename = filepath.Join(dir, "models.go")
	cfg.Model.Package = "graph"
	cfg.Federation.Filename = filepath.Join(dir, "federation.go")
	cfg.Federation.Package = "graph"
	for name, model := range ex.models {
		cfg.Models.Add(name, model)
	}
	for typ, fields := range ex.resolved {
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
