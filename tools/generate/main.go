// Command generate runs gqlgen once for each subgraph of the graph's table
// (schema.Subgraphs) from the project's one gqlgen.yml.
//
// gqlgen builds one executable schema per configuration; the subgraphs share every
// setting but their schema files, their output package (the executable schema, its
// models and its Apollo Federation code, which must share a package) and the fields that
// take a resolver, so this command loads gqlgen.yml and sets those per subgraph: the
// schema file and the package from the table, and the few gqlgen settings of its own a
// subgraph may have from extras. Run it from the module root (`make generate`).
//
// It then rewrites these things in the generated code, which gqlgen has no setting for:
//   - it marshals every list of objects with one goroutine per element
//     (graphql.MarshalSliceConcurrently), so each such call becomes a call of the graph
//     package's own marshalList, with the list's selection set, which marshals in order
//     what waits on no I/O (subgraphs/subgraph/lists.go). Each subgraph's graph package
//     defines marshalList;
//   - every object's marshaller makes a group for its @defer'd fields, its path
//     included, a sixth of a list's allocations; only a field resolved concurrently can
//     be deferred, so an object with none gets an empty group, which it never uses, and
//     one with some gets its group from the graph package's deferredGroup, which makes
//     one only when the query defers one of them (subgraph.DeferredGroup);
//   - every object's marshaller returns its field set, which writes itself through an
//     iterator and a map of its own, six allocations an object; it returns the graph
//     package's object instead, which writes the same (subgraph.Object);
//   - every field resolves through gqlgen's graphql.ResolveField: a field context, the
//     context that carries it and four closures, for a field that copies a struct's
//     field and writes a string; a plain field (see plainField) is marshalled
//     directly instead;
//   - every root Query field with a resolver runs on a goroutine of its own; the root
//     fields whose reads a subgraph batches across the operation (extra.inOrderRoots,
//     such as a batching gateway's aliased node fields) are resolved at once, in
//     order, by the graph package's resolveRoot (subgraph.ResolveRootInOrder);
//   - a query's answer is written into an empty bytes.Buffer, which doubles its way up
//     to the size of a list's page: it is written into the graph package's
//     answerBuffer instead, which has room for it (subgraph.AnswerBuffer).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

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
	// inOrderRoots are the Query fields resolved in order on the request's goroutine,
	// by the graph package's resolveRoot, rather than on a goroutine each: the fields
	// whose reads the subgraph batches across the operation (subgraph.Batch,
	// subgraph.ResolveRootInOrder).
	inOrderRoots []string
}

// extras returns the subgraphs' own gqlgen settings, by name; a subgraph that binds no
// Go type of its own and forces no resolver needs no entry.
func extras() map[string]extra {
	return map[string]extra{
		"products": {
			models: map[string]string{
				"Decimal":      "github.com/fedgraph/fedgraph/subgraphs/products/graph.Decimal",
				"CurrencyCode": "github.com/fedgraph/fedgraph/subgraphs/products/graph.CurrencyCode",
				"ProductEdge":  "github.com/fedgraph/fedgraph/subgraphs/products/graph.ProductEdge",
			},
			resolved: map[string][]string{"User": {"products"}},
		},
		"users": {
			models: map[string]string{
				"UserEdge": "github.com/fedgraph/fedgraph/subgraphs/users/graph.UserEdge",
			},
			inOrderRoots: []string{"node", "user", "_entities"},
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
	if err := api.Generate(cfg); err != nil {
		return err
	}
	return rewrite(cfg.Exec.Filename, ex.inOrderRoots)
}

// concurrentLists is how gqlgen's code marshals a list of objects, and inOrder what it
// becomes: the graph package's marshalList, given the list's selection set (every
// generated marshaller of a list names it sel).
const (
	concurrentLists = "graphql.MarshalSliceConcurrently(ctx, len(v), "
	inOrder         = "marshalList(ctx, sel, len(v), "
)

// deferredGroup is how an object's marshaller makes its group of deferred fields,
// noDeferredGroup the empty group an object without concurrent fields gets instead,
// deferrable how the marshaller of one with concurrent fields hands them the group, and
// whenDeferred how that one makes its group instead: from the graph package's
// deferredGroup, given the object's collected fields (every generated marshaller of an
// object names them fields).
const (
	deferredGroup   = "deferred := graphql.NewDeferredGroup(ctx)"
	noDeferredGroup = "var deferred graphql.DeferredGroup // no field is resolved concurrently: none is deferred"
	deferrable      = "&deferred"
	whenDeferred    = "deferred := deferredGroup(ctx, fields)"
)

// fieldSet is how an object's marshaller makes the field set of its values, fieldSetAnswer
// how it returns it, and objectAnswer what it returns instead.
const (
	fieldSet       = "out := graphql.NewFieldSet(fields)"
	fieldSetAnswer = "\n\treturn out\n}"
	objectAnswer   = "\n\treturn object(fields, out)\n}"
)

// concurrentRoot is how the Query's marshaller schedules root field name on a goroutine
// of its own, and inOrderRoot what it becomes: the graph package's resolveRoot, which
// resolves it at once.
const (
	concurrentRoot = "case %q:\n\t\t\tout.ResolveRootConcurrently(innerCtx, ec.OperationContext, i,"
	inOrderRoot    = "case %q:\n\t\t\tresolveRoot(innerCtx, ec.OperationContext, out, i,"
)

// queryBuffer is how the generated executor declares the buffer a query's answer is
// written into, and answerBuffer what it becomes: one from the graph package's
// answerBuffer, with room for the answer (subgraph.AnswerBuffer).
const (
	queryBuffer  = "\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n\t\t\tresponse.Data = buf.Bytes()"
	answerBuffer = "\t\t\tbuf := answerBuffer(ctx)\n\t\t\tdata.MarshalGQL(buf)\n\t\t\tresponse.Data = buf.Bytes()"
)

// rootsInOrder makes src resolve the root fields names with resolveRoot; it fails when
// one of them is not scheduled once as concurrentRoot spells it.
func rootsInOrder(src string, names []string) (string, error) {
	for _, name := range names {
		from, to := fmt.Sprintf(concurrentRoot, name), fmt.Sprintf(inOrderRoot, name)
		if strings.Count(src, from) != 1 {
			return "", fmt.Errorf("gqlgen does not schedule root field %s as %q: update rewrite", name, from)
		}
		src = strings.Replace(src, from, to, 1)
	}
	return src, nil
}

// rewrite makes the generated exec file call marshalList for every list of objects,
// gives the objects without concurrent fields an empty group of deferred fields and
// the others one from deferredGroup, makes every object's marshaller answer with
// object, resolves the root fields inOrderRoots with resolveRoot, and writes a query's
// answer into answerBuffer.
// It fails when it finds no list or no group, or any other use of
// MarshalSliceConcurrently remains, or a root field of inOrderRoots is not scheduled as
// concurrentRoot spells it, or the query's buffer is not declared as queryBuffer spells
// it: a gqlgen that spells them otherwise must not pass unnoticed.
func rewrite(file string, inOrderRoots []string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	src, err := rootsInOrder(string(raw), inOrderRoots)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if strings.Count(src, queryBuffer) != 1 {
		return fmt.Errorf("%s: gqlgen's query answer is not written as %q: update rewrite", file, queryBuffer)
	}
	src = strings.Replace(src, queryBuffer, answerBuffer, 1)
	n := strings.Count(src, concurrentLists)
	out := strings.ReplaceAll(src, concurrentLists, inOrder)
	if n == 0 || strings.Contains(out, "MarshalSliceConcurrently") {
		return fmt.Errorf("%s: gqlgen's lists are not marshalled as %q: update rewrite", file, concurrentLists)
	}
	if !strings.Contains(out, deferredGroup) {
		return fmt.Errorf("%s: gqlgen's objects make no %q: update rewrite", file, deferredGroup)
	}
	// Each function on its own: the group is the marshaller's local variable.
	funcs := strings.Split(out, "\nfunc ")
	for i, f := range funcs {
		if !strings.Contains(f, deferrable) {
			funcs[i] = strings.ReplaceAll(f, deferredGroup, noDeferredGroup)
		} else {
			funcs[i] = strings.ReplaceAll(f, deferredGroup, whenDeferred)
		}
		if strings.Contains(f, fieldSet) {
			if strings.Count(f, fieldSetAnswer) != 1 {
				return fmt.Errorf("%s: an object's marshaller does not end %q: update rewrite", file, fieldSetAnswer)
			}
			funcs[i] = strings.ReplaceAll(funcs[i], fieldSetAnswer, objectAnswer)
		}
	}
	funcs = plainFields(funcs)
	return os.WriteFile(file, []byte(strings.Join(funcs, "\nfunc ")), 0o644)
}

// plainField matches the marshaller of a plain field: one that reads a field of its
// object's Go struct (no resolver, no method), with no directive (no middleware of its
// own), of a type whose value is written without a selection. gqlgen resolves it
// through graphql.ResolveField, which makes its field context (and the context that
// carries it) and four closures and runs the operation's field interceptors, to copy
// a struct's field: half the allocations of a list. Marshalled directly, it reaches no
// field interceptor: the subgraphs' own (the tracer) look at resolvers alone, and a
// request's work stops at its root fields and lists (subgraph.InOrder), not at its
// fields. Its submatches: the marshaller's signature, its field context's maker, the
// struct field, its Go type, the marshaller of its value, and whether a panic is
// recovered.
var plainField = regexp.MustCompile(`^(\(ec \*executionContext\) _[^\s(]+\(ctx context\.Context, field graphql\.CollectedField, obj \*[^\s)]+\) \(ret graphql\.Marshaler\) \{\n)` +
	`\treturn graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
	`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.(fieldContext_[^\s(]+)\(ctx, field\)\n\t\t\},\n` +
	`\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn (obj\.[A-Za-z0-9_]+), nil\n\t\t\},\n` +
	`\t\tnil,\n` +
	`\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v ([^\n]+)\) graphql\.Marshaler \{\n\t\t\treturn ec\.(marshal[^\s(]+)\(ctx, selections, v\)\n\t\t\},\n` +
	`\t\t(true|false),\n\t\t(?:true|false),\n\t\)\n\}`)

// neverNull matches the body of a value's marshaller that never writes a null, so that
// it never reads its field context (to report the null at the field's path): a value
// that is its own marshaller (an enum, a scalar of ours), or one of the gqlgen
// scalars that always write their value (not Time, whose zero is null; not Float,
// whose NaN is).
var neverNull = regexp.MustCompile(`^\) graphql\.Marshaler \{\n(?:\treturn v\n\}|\t_ = sel\n\tres := graphql\.Marshal(?:String|ID|Int|Int32|Int64|Boolean)\(v\)\n)`)

// plainFields rewrites the marshallers of plain fields (see plainField) to marshal the
// struct's field directly: as it stands when its value is no pointer and never
// marshals to null, and otherwise under its field context, as gqlgen does (the context
// locates a null's error, and an object's fields' errors, at the field's path), with
// a panic recovered as gqlgen recovers it.
func plainFields(funcs []string) []string {
	bodies := map[string]string{} // a value's marshaller, by name: what follows its parameters
	for _, f := range funcs {
		if rest, ok := strings.CutPrefix(f, "(ec *executionContext) marshal"); ok {
			if name, params, ok := strings.Cut(rest, "(ctx context.Context, sel ast.SelectionSet, v "); ok {
				if _, body, ok := strings.Cut(params, ")"); ok {
					bodies["marshal"+name] = ")" + body
				}
			}
		}
	}
	for i, f := range funcs {
		m := plainField.FindStringSubmatch(f)
		if m == nil {
			continue
		}
		signature, fieldContext, value, typ, marshal, recovers := m[1], m[2], m[3], m[4], m[5], m[6] == "true"
		if !strings.HasPrefix(typ, "*") && neverNull.MatchString(bodies[marshal]) {
			funcs[i] = signature + "\treturn ec." + marshal + "(ctx, field.Selections, " + value + ")\n}" + f[len(m[0]):]
			continue
		}
		var b strings.Builder
		b.WriteString(signature)
		b.WriteString("\tfc, err := ec." + fieldContext + "(ctx, field)\n\tif err != nil {\n\t\treturn graphql.Null\n\t}\n")
		b.WriteString("\tctx = graphql.WithFieldContext(ctx, fc)\n")
		if recovers {
			b.WriteString("\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\tec.OperationContext.Error(ctx, ec.OperationContext.Recover(ctx, r))\n\t\t\tret = graphql.Null\n\t\t}\n\t}()\n")
		}
		b.WriteString("\tfc.Result = " + value + "\n")
		b.WriteString("\treturn ec." + marshal + "(ctx, field.Selections, " + value + ")\n}")
		funcs[i] = b.String() + f[len(m[0]):]
	}
	return funcs
}
