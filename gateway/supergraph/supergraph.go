// Package supergraph reads an Apollo Federation supergraph: the SDL that composition
// (@apollo/composition, rover, tools/web/compose.mjs) makes from the subgraphs' schemas,
// with the link specification (v1.0) naming the features it uses, the join
// specification (v0.2 to v0.5) saying which subgraph defines and resolves what, and the
// inaccessible and tag specifications.
//
// Parse turns the text into two schemas and a map of the subgraphs:
//
//   - API is the schema clients see: no join__ or link__ types or directives, no element
//     marked @inaccessible, no @tag, no federation internals.
//   - Schema is the whole supergraph, inaccessible elements included: a query planner
//     may need them (a key field hidden from clients is still a key).
//   - Graphs are the subgraphs (join__Graph's values: name and URL), and Types says, for
//     each composite type and each of its fields, which subgraphs define it and how:
//     keys, resolvable, extension and interface object for a type; external, requires,
//     provides, override and the field's type in that subgraph for a field; the
//     interfaces a type implements and the members a union has in each subgraph.
//
// Parsing asks nothing of any subgraph: a gateway can answer introspection from API
// with every subgraph down.
package supergraph

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Supergraph is a parsed supergraph. It is immutable once Parse returns.
type Supergraph struct {
	// API is the schema clients see.
	API *ast.Schema
	// Schema is the whole supergraph schema, inaccessible elements and join directives
	// included.
	Schema *ast.Schema
	// Graphs are the subgraphs, in the order join__Graph declares them.
	Graphs []*Graph
	// Types holds every object, interface and union type of Schema.
	Types map[string]*Type
	// JoinVersion is the join specification's version, such as "v0.3".
	JoinVersion string
}

// Graph is one subgraph.
type Graph struct {
	// Name is the subgraph's name, as composition was given it (join__graph's name).
	Name string
	// Enum is its value in the join__Graph enum, such as USERS.
	Enum string
	// URL is its GraphQL endpoint (join__graph's url); a gateway may override it.
	URL string
	// Index is its position in Supergraph.Graphs.
	Index int
}

// Type is one composite type of the supergraph and what each subgraph does with it.
type Type struct {
	Def *ast.Definition
	// Graphs are the subgraphs that define the type, in Supergraph.Graphs order.
	Graphs []*TypeInGraph
	// Fields are the type's fields by name.
	Fields map[string]*Field
}

// TypeInGraph is what one subgraph declares of a type.
type TypeInGraph struct {
	Graph *Graph
	// Keys are the type's @key field sets in this subgraph.
	Keys []*Key
	// Extension is set when the subgraph only extends the type (Federation 1's
	// `extend type`).
	Extension bool
	// InterfaceObject is set when the subgraph declares this interface as an object
	// type (@interfaceObject): it resolves the interface's fields for every
	// implementation without knowing them.
	InterfaceObject bool
	// Implements are the interfaces the type implements in this subgraph.
	Implements []string
	// Members are a union's members in this subgraph.
	Members []string
}

// Key is one @key of a type in a subgraph.
type Key struct {
	// Fields is the field set as written, such as "id organization { id }".
	Fields string
	// Set is Fields parsed, with definitions from the supergraph schema.
	Set ast.SelectionSet
	// Resolvable is false for a key the subgraph uses to reference the entity but
	// cannot resolve (@key(resolvable: false)): no entity fetch may go to it by this key.
	Resolvable bool
}

// Field is one field of a composite type and the subgraphs that define it.
type Field struct {
	Def *ast.FieldDefinition
	// Graphs are the subgraphs that define the field, in Supergraph.Graphs order.
	Graphs []*FieldInGraph
}

// FieldInGraph is what one subgraph declares of a field.
type FieldInGraph struct {
	Graph *Graph
	// Type is the field's type in this subgraph, which may differ from the
	// supergraph's (join__field's type argument): nullable in one subgraph and not in
	// another, or an interface where another subgraph has one of its implementations.
	Type *ast.Type
	// External means the subgraph declares the field but does not resolve it (it
	// needs it for a key, @requires or @provides). An external field is still
	// resolvable along a path where a parent field @provides it.
	External bool
	// UsedOverridden means the field was overridden (@override) by another subgraph but
	// this one still uses it, for a key or @requires: it may not resolve it for clients.
	UsedOverridden bool
	// Override names the subgraph this one took the field from, OverrideLabel the
	// progressive override's label (join v0.4).
	Override, OverrideLabel string
	// Requires are the fields of the parent type the subgraph needs in an entity
	// representation to resolve this field; Provides are the fields of the field's
	// type that the subgraph resolves along this field even where they are external.
	Requires, Provides ast.SelectionSet
	// RequiresText and ProvidesText are Requires and Provides as written.
	RequiresText, ProvidesText string
}

// In returns what graph declares of the type, nil when it does not define it.
func (t *Type) In(g *Graph) *TypeInGraph {
	for _, tg := range t.Graphs {
		if tg.Graph == g {
			return tg
		}
	}
	return nil
}

// In returns what graph declares of the field, nil when it does not define it.
func (f *Field) In(g *Graph) *FieldInGraph {
	for _, fg := range f.Graphs {
		if fg.Graph == g {
			return fg
		}
	}
	return nil
}

// Resolvable reports whether the subgraph resolves the field for a client: it defines
// it, and not as external or overridden.
func (fg *FieldInGraph) Resolvable() bool {
	return fg != nil && !fg.External && !fg.UsedOverridden
}

// Graph returns the subgraph named name, nil when there is none.
func (s *Supergraph) Graph(name string) *Graph {
	for _, g := range s.Graphs {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Field returns the field of a composite type, nil when there is none.
func (s *Supergraph) Field(typ, field string) *Field {
	if t := s.Types[typ]; t != nil {
		return t.Fields[field]
	}
	return nil
}

// feature is one specification the supergraph links.
type feature struct {
	name    string // join, link, inaccessible, tag, …
	version string // v0.3
	prefix  string // what its elements are named with: prefix__type, @prefix
	// imports maps an imported directive's spec name (without @) to the name it is
	// used under.
	imports map[string]string
}

// directive returns the name under which the feature's directive name is used: the
// feature's own-name directive (@inaccessible) and imported ones under their import
// name, others as prefix__name.
func (f *feature) directive(name string) string {
	if as, ok := f.imports[name]; ok {
		return as
	}
	if name == f.name {
		return f.prefix
	}
	return f.prefix + "__" + name
}

// owns reports whether a directive or type name belongs to the feature.
func (f *feature) owns(name string) bool {
	if strings.HasPrefix(name, f.prefix+"__") || name == f.prefix {
		return true
	}
	for _, as := range f.imports {
		if as == name {
			return true
		}
	}
	return false
}

// Specifications a gateway acts on, by their URL's identity.
const (
	specLink         = "https://specs.apollo.dev/link"
	specJoin         = "https://specs.apollo.dev/join"
	specInaccessible = "https://specs.apollo.dev/inaccessible"
	specTag          = "https://specs.apollo.dev/tag"
)

// Parse reads a supergraph SDL. It reports every problem it finds with the text: not a
// supergraph (no link or join), a join version it does not read, a subgraph without a
// name or URL, a field set that does not parse, and whatever makes either schema
// invalid.
func Parse(sdl string) (*Supergraph, error) {
	doc, perr := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "supergraph.graphql", Input: sdl})
	if perr != nil {
		return nil, fmt.Errorf("supergraph: %w", perr)
	}
	features, err := linkedFeatures(doc)
	if err != nil {
		return nil, err
	}
	join := features[specJoin]
	if join == nil {
		return nil, errors.New("supergraph: the schema links no join specification (" + specJoin + "): it is not a supergraph")
	}
	// The join specification's versions Parse reads.
	joinVersions := []string{"v0.2", "v0.3", "v0.4", "v0.5"}
	if !slices.Contains(joinVersions, join.version) {
		return nil, fmt.Errorf("supergraph: join %s is not supported: want one of %s", join.version, strings.Join(joinVersions, ", "))
	}
	full, verr := validator.ValidateSchemaDocument(doc)
	if verr != nil {
		return nil, fmt.Errorf("supergraph: %w", verr)
	}
	s := &Supergraph{Schema: full, Types: map[string]*Type{}, JoinVersion: join.version}
	r := &reader{s: s, join: join}
	if err := r.graphs(); err != nil {
		return nil, err
	}
	r.types()
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	// The API schema is built from a second parse, which the filtering may change at
	// will: the full schema's definitions stay as they are.
	apiDoc, perr := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "supergraph.graphql", Input: sdl})
	if perr != nil {
		return nil, fmt.Errorf("supergraph: %w", perr)
	}
	api, err := apiSchema(apiDoc, features)
	if err != nil {
		return nil, err
	}
	s.API = api
	return s, nil
}

// linkedFeatures reads the schema's @link directives, by spec identity (the URL
// without its version).
func linkedFeatures(doc *ast.SchemaDocument) (map[string]*feature, error) {
	out := map[string]*feature{}
	var errs []error
	for _, sd := range slices.Concat(doc.Schema, doc.SchemaExtension) {
		for _, d := range sd.Directives {
			if d.Name == "core" {
				return nil, errors.New("supergraph: it uses the core specification (@core) of Federation 1's composition; compose it again with Federation 2 (@apollo/composition), which links join with @link")
			}
			if d.Name != "link" {
				continue
			}
			url := stringArg(d, "url")
			identity, version, ok := splitSpecURL(url)
			if !ok {
				errs = append(errs, fmt.Errorf("supergraph: @link url %q is not a specification URL", url))
				continue
			}
			name := identity[strings.LastIndex(identity, "/")+1:]
			f := &feature{name: name, version: version, prefix: name, imports: map[string]string{}}
			if as := stringArg(d, "as"); as != "" {
				f.prefix = as
			}
			if a := d.Arguments.ForName("import"); a != nil && a.Value != nil {
				for _, imp := range a.Value.Children {
					from, as := importNames(imp.Value)
					if strings.HasPrefix(from, "@") {
						f.imports[strings.TrimPrefix(from, "@")] = strings.TrimPrefix(as, "@")
					}
				}
			}
			out[identity] = f
		}
	}
	if out[specLink] == nil && len(errs) == 0 {
		return nil, errors.New("supergraph: the schema has no @link(url: \"" + specLink + "/v1.0\"): it is not a supergraph")
	}
	return out, errors.Join(errs...)
}

// splitSpecURL splits https://specs.apollo.dev/join/v0.3 into its identity and version.
func splitSpecURL(url string) (identity, version string, ok bool) {
	i := strings.LastIndex(url, "/")
	if i <= 0 || i == len(url)-1 || !strings.HasPrefix(url[i+1:], "v") {
		return "", "", false
	}
	return url[:i], url[i+1:], true
}

// importNames reads one entry of @link's import list: "@key" or {name: "@key", as: "@k"}.
func importNames(v *ast.Value) (name, as string) {
	if v == nil {
		return "", ""
	}
	if v.Kind == ast.StringValue {
		return v.Raw, v.Raw
	}
	for _, c := range v.Children {
		switch c.Name {
		case "name":
			name = c.Value.Raw
		case "as":
			as = c.Value.Raw
		}
	}
	if as == "" {
		as = name
	}
	return name, as
}

// reader fills a Supergraph from its full schema.
type reader struct {
	s      *Supergraph
	join   *feature
	byEnum map[string]*Graph
	errs   []error
}

func (r *reader) graphs() error {
	enum := r.s.Schema.Types[r.join.prefix+"__Graph"]
	if enum == nil || enum.Kind != ast.Enum {
		return fmt.Errorf("supergraph: no %s__Graph enum", r.join.prefix)
	}
	r.byEnum = map[string]*Graph{}
	var errs []error
	for _, v := range enum.EnumValues {
		d := v.Directives.ForName(r.join.directive("graph"))
		if d == nil {
			errs = append(errs, fmt.Errorf("supergraph: subgraph %s has no @%s", v.Name, r.join.directive("graph")))
			continue
		}
		g := &Graph{Name: stringArg(d, "name"), Enum: v.Name, URL: stringArg(d, "url"), Index: len(r.s.Graphs)}
		if g.Name == "" {
			errs = append(errs, fmt.Errorf("supergraph: subgraph %s has no name", v.Name))
		}
		if r.s.Graph(g.Name) != nil {
			errs = append(errs, fmt.Errorf("supergraph: subgraph name %q is given twice", g.Name))
		}
		r.s.Graphs = append(r.s.Graphs, g)
		r.byEnum[v.Name] = g
	}
	if len(r.s.Graphs) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("supergraph: it has no subgraphs"))
	}
	return errors.Join(errs...)
}

// graphOf returns the subgraph a join directive's graph argument names.
func (r *reader) graphOf(d *ast.Directive, where string) *Graph {
	a := d.Arguments.ForName("graph")
	if a == nil || a.Value == nil {
		return nil
	}
	g := r.byEnum[a.Value.Raw]
	if g == nil {
		r.errs = append(r.errs, fmt.Errorf("supergraph: %s: @%s names no subgraph %q", where, d.Name, a.Value.Raw))
	}
	return g
}

func (r *reader) types() {
	names := make([]string, 0, len(r.s.Schema.Types))
	for name := range r.s.Schema.Types {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		def := r.s.Schema.Types[name]
		if def.BuiltIn || !def.IsCompositeType() || r.join.owns(name) {
			continue
		}
		t := &Type{Def: def, Fields: map[string]*Field{}}
		r.s.Types[name] = t
		r.typeGraphs(t)
	}
	// Fields, once every type's graphs are known: a field's type may be any of them.
	for _, name := range names {
		if t := r.s.Types[name]; t != nil {
			r.fields(t)
		}
	}
}

func (r *reader) typeGraphs(t *Type) {
	def := t.Def
	byGraph := map[*Graph]*TypeInGraph{}
	get := func(g *Graph) *TypeInGraph {
		tg := byGraph[g]
		if tg == nil {
			tg = &TypeInGraph{Graph: g}
			byGraph[g] = tg
		}
		return tg
	}
	joinType := r.join.directive("type")
	for _, d := range def.Directives.ForNames(joinType) {
		g := r.graphOf(d, def.Name)
		if g == nil {
			continue
		}
		tg := get(g)
		tg.Extension = tg.Extension || boolArg(d, "extension", false)
		tg.InterfaceObject = tg.InterfaceObject || boolArg(d, "isInterfaceObject", false)
		if fields := stringArg(d, "key"); fields != "" {
			set, err := r.fieldSet(def, fields)
			if err != nil {
				r.errs = append(r.errs, fmt.Errorf("supergraph: %s: key %q in %s: %w", def.Name, fields, g.Name, err))
				continue
			}
			tg.Keys = append(tg.Keys, &Key{Fields: fields, Set: set, Resolvable: boolArg(d, "resolvable", true)})
		}
	}
	if len(def.Directives.ForNames(joinType)) == 0 {
		// A type without @join__type is in every subgraph (join v0.2 leaves some out).
		for _, g := range r.s.Graphs {
			get(g)
		}
	}
	for _, d := range def.Directives.ForNames(r.join.directive("implements")) {
		if g := r.graphOf(d, def.Name); g != nil {
			tg := get(g)
			tg.Implements = append(tg.Implements, stringArg(d, "interface"))
		}
	}
	members := def.Directives.ForNames(r.join.directive("unionMember"))
	for _, d := range members {
		if g := r.graphOf(d, def.Name); g != nil {
			tg := get(g)
			tg.Members = append(tg.Members, stringArg(d, "member"))
		}
	}
	for _, g := range r.s.Graphs {
		if tg := byGraph[g]; tg != nil {
			if def.Kind == ast.Union && len(members) == 0 {
				// join v0.2 has no @join__unionMember: every member the subgraph defines.
				for _, m := range def.Types {
					if mt := r.s.Schema.Types[m]; mt != nil && definedIn(r, mt, g) {
						tg.Members = append(tg.Members, m)
					}
				}
			}
			if def.Kind == ast.Object && len(def.Directives.ForNames(r.join.directive("implements"))) == 0 {
				// join v0.2 has no @join__implements: every interface the subgraph defines.
				for _, i := range def.Interfaces {
					if it := r.s.Schema.Types[i]; it != nil && definedIn(r, it, g) {
						tg.Implements = append(tg.Implements, i)
					}
				}
			}
			t.Graphs = append(t.Graphs, tg)
		}
	}
}

// definedIn reports whether a type of the schema has @join__type for g, or none at all.
func definedIn(r *reader, def *ast.Definition, g *Graph) bool {
	list := def.Directives.ForNames(r.join.directive("type"))
	if len(list) == 0 {
		return true
	}
	for _, d := range list {
		if a := d.Arguments.ForName("graph"); a != nil && a.Value != nil && a.Value.Raw == g.Enum {
			return true
		}
	}
	return false
}

func (r *reader) fields(t *Type) {
	joinField := r.join.directive("field")
	for _, fd := range t.Def.Fields {
		if strings.HasPrefix(fd.Name, "__") {
			continue
		}
		f := &Field{Def: fd}
		t.Fields[fd.Name] = f
		list := fd.Directives.ForNames(joinField)
		var withGraph []*ast.Directive
		for _, d := range list {
			if a := d.Arguments.ForName("graph"); a != nil && a.Value != nil {
				withGraph = append(withGraph, d)
			}
		}
		if len(list) > 0 && len(withGraph) == 0 {
			// Only graphless @join__field: no subgraph defines the field on this type;
			// it comes from an interface object (@interfaceObject) of an interface the
			// type implements.
			continue
		}
		if len(withGraph) == 0 {
			// A field without @join__field is defined, and resolved, by every subgraph
			// that defines its type.
			for _, tg := range t.Graphs {
				f.Graphs = append(f.Graphs, &FieldInGraph{Graph: tg.Graph, Type: fd.Type})
			}
			continue
		}
		byGraph := map[*Graph]*FieldInGraph{}
		for _, d := range withGraph {
			g := r.graphOf(d, t.Def.Name+"."+fd.Name)
			if g == nil {
				continue
			}
			fg := &FieldInGraph{Graph: g, Type: fd.Type,
				External: boolArg(d, "external", false), UsedOverridden: boolArg(d, "usedOverridden", false),
				Override: stringArg(d, "override"), OverrideLabel: stringArg(d, "overrideLabel"),
				RequiresText: stringArg(d, "requires"), ProvidesText: stringArg(d, "provides")}
			if typ := stringArg(d, "type"); typ != "" {
				pt, err := parser.ParseQuery(&ast.Source{Input: "query($v: " + typ + ") { __typename }"})
				if err != nil || len(pt.Operations) != 1 || len(pt.Operations[0].VariableDefinitions) != 1 {
					r.errs = append(r.errs, fmt.Errorf("supergraph: %s.%s: type %q in %s does not parse", t.Def.Name, fd.Name, typ, g.Name))
				} else {
					fg.Type = pt.Operations[0].VariableDefinitions[0].Type
				}
			}
			if fg.RequiresText != "" {
				set, err := r.fieldSet(t.Def, fg.RequiresText)
				if err != nil {
					r.errs = append(r.errs, fmt.Errorf("supergraph: %s.%s: requires %q in %s: %w", t.Def.Name, fd.Name, fg.RequiresText, g.Name, err))
				}
				fg.Requires = set
			}
			if fg.ProvidesText != "" {
				target := r.s.Schema.Types[fd.Type.Name()]
				if target == nil {
					r.errs = append(r.errs, fmt.Errorf("supergraph: %s.%s: provides on unknown type %s", t.Def.Name, fd.Name, fd.Type.Name()))
				} else {
					set, err := r.fieldSet(target, fg.ProvidesText)
					if err != nil {
						r.errs = append(r.errs, fmt.Errorf("supergraph: %s.%s: provides %q in %s: %w", t.Def.Name, fd.Name, fg.ProvidesText, g.Name, err))
					}
					fg.Provides = set
				}
			}
			if prev := byGraph[g]; prev != nil {
				// Two @join__field of one subgraph: keep the one that resolves.
				if prev.Resolvable() || !fg.Resolvable() {
					continue
				}
			}
			byGraph[g] = fg
		}
		for _, g := range r.s.Graphs {
			if fg := byGraph[g]; fg != nil {
				f.Graphs = append(f.Graphs, fg)
			}
		}
	}
}

// fieldSet parses a field set (a key, requires or provides) on parent, with every field
// given its definition from the supergraph schema.
func (r *reader) fieldSet(parent *ast.Definition, fields string) (ast.SelectionSet, error) {
	return ParseFieldSet(r.s.Schema, parent, fields)
}

// ParseFieldSet parses a federation field set, such as `id organization { id }` or
// `price(currency: "USD") ... on Book { isbn }`, as a selection set on parent, and
// gives every field its definition from schema. An unknown field or type is an error.
func ParseFieldSet(schema *ast.Schema, parent *ast.Definition, fields string) (ast.SelectionSet, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: "{" + fields + "}"})
	if err != nil {
		return nil, err
	}
	if len(doc.Operations) != 1 || len(doc.Fragments) > 0 {
		return nil, errors.New("not a field set")
	}
	set := doc.Operations[0].SelectionSet
	return set, define(schema, parent, set)
}

// define sets the definitions of a parsed selection set's fields.
func define(schema *ast.Schema, parent *ast.Definition, set ast.SelectionSet) error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias == "" {
				s.Alias = s.Name
			}
			s.ObjectDefinition = parent
			if s.Name == "__typename" {
				s.Definition = &ast.FieldDefinition{Name: "__typename", Type: ast.NonNullNamedType("String", nil)}
				continue
			}
			fd := parent.Fields.ForName(s.Name)
			if fd == nil {
				return fmt.Errorf("%s has no field %s", parent.Name, s.Name)
			}
			s.Definition = fd
			if len(s.SelectionSet) > 0 {
				t := schema.Types[fd.Type.Name()]
				if t == nil {
					return fmt.Errorf("%s.%s: unknown type %s", parent.Name, s.Name, fd.Type.Name())
				}
				if err := define(schema, t, s.SelectionSet); err != nil {
					return err
				}
			}
		case *ast.InlineFragment:
			t := parent
			if s.TypeCondition != "" {
				t = schema.Types[s.TypeCondition]
				if t == nil {
					return fmt.Errorf("unknown type %s", s.TypeCondition)
				}
			}
			s.ObjectDefinition = t
			if err := define(schema, t, s.SelectionSet); err != nil {
				return err
			}
		default:
			return errors.New("a field set has no fragment spreads")
		}
	}
	return nil
}

func stringArg(d *ast.Directive, name string) string {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil || a.Value.Kind == ast.NullValue {
		return ""
	}
	return a.Value.Raw
}

func boolArg(d *ast.Directive, name string, def bool) bool {
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil || a.Value.Kind != ast.BooleanValue {
		return def
	}
	b, err := strconv.ParseBool(a.Value.Raw)
	if err != nil {
		return def
	}
	return b
}
