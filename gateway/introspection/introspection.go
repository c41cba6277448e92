// Package introspection answers GraphQL introspection (`__schema` and `__type`) from a
// gqlparser schema, writing the JSON response value straight into a byte slice.
//
// The answers follow the GraphQL specification (October 2021) together with the additions
// of the current draft that graphql-js 16 implements: `specifiedByURL`, `isRepeatable`,
// `isOneOf`, and deprecated arguments and input fields with `includeDeprecated`. Where the
// specification leaves a choice, graphql-js 16 is followed, so that clients built against
// it (GraphiQL, code generators) see what they expect:
//
//   - `__Schema.types` and `__Schema.directives` are sorted by name; fields, arguments,
//     enum values, input fields and union members keep their definition order; an
//     interface's possible types are sorted by name.
//   - A built-in scalar (Int, Float, String, Boolean, ID) that nothing in the schema
//     references is left out of `types` and `__type` returns null for it, as the
//     specification's Built-in Scalars section (§3.5) requires.
//   - `defaultValue` is the default coerced to the input's type and printed as graphql-js's
//     astFromValue and print do: `{a: 1, b: "x"}`, `[1, 2]`, a single value of a list type
//     as a one-item list, input object fields in definition order with their own defaults
//     filled in, numbers in JavaScript's shortest form, and an ID that looks like an
//     integer as an Int literal.
//   - An empty description is null, like an absent one: gqlparser keeps no difference.
//
// The schema is read as given and never modified. A merged schema's quirks are answered
// per the specification: possible types are derived from each object's `implements` list
// rather than from Schema.PossibleTypes (which nautilus/gateway fills from whichever
// subgraph it saw first, and which lists an interface among its own possible types), and
// only object types are ever possible types; a type's kind alone decides which of
// `fields`, `inputFields`, `enumValues` and the rest are null.
//
// Directives gqlparser adds to every schema beyond those the specification defines (today
// only the incremental-delivery `@defer`, which neither the October 2021 specification nor
// graphql-js 16 includes) are not listed unless the schema's own SDL declares them:
// `directives` lists the directives a server supports, and the gateway does not implement
// incremental delivery. graphql-js 16.15's directive deprecation (`__Directive.isDeprecated`,
// `deprecationReason`, `__Schema.directives(includeDeprecated:)`) is answered too, for a
// schema whose introspection types declare it; gqlparser's do not.
package introspection

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// defaultDeprecationReason is the default of @deprecated(reason:) in the specification.
const defaultDeprecationReason = "No longer supported"

// Append appends to dst the JSON value (object or null) of the root introspection field f,
// which is `__schema` or `__type(name: String!)` as it appears in a client's validated
// document, evaluated against schema. vars are the request's coerced variable values and
// fragments the document's fragment definitions. Any other field yields null. Append only
// reads schema, so concurrent calls may share it.
func Append(dst []byte, schema *ast.Schema, f *ast.Field, vars map[string]any, fragments ast.FragmentDefinitionList) []byte {
	return AppendFields(dst, schema, []*ast.Field{f}, vars, fragments)
}

// AppendFields is Append for all the root fields that share one response key, as the
// specification's CollectFields groups them: `{ __schema { types { name } } __schema {
// directives { name } } }` has one `__schema` entry whose selections are merged. fields
// must not be empty and must all select the same root field with the same arguments, which
// validation guarantees.
func AppendFields(dst []byte, schema *ast.Schema, fields []*ast.Field, vars map[string]any, fragments ast.FragmentDefinitionList) []byte {
	e := &evaluator{schema: schema, vars: vars, fragments: fragments}
	root := &node{fields: fields}
	switch root.name() {
	case "__schema":
		return e.schemaObject(dst, root)
	case "__type":
		name, _ := e.stringArg(root, "name")
		return e.typeObject(dst, root, typeRef{def: e.lookup(name)})
	}
	return append(dst, "null"...)
}

// evaluator holds what one call works out lazily and reuses across the whole answer.
type evaluator struct {
	schema    *ast.Schema
	vars      map[string]any
	fragments ast.FragmentDefinitionList

	scanned      bool  // referenced is filled in
	referenced   uint8 // bit set of the built-in scalars something in the schema uses
	sorted       []*ast.Definition
	directives   []*ast.DirectiveDefinition
	implementers map[string][]*ast.Definition
	scratch      []byte // defaultValue is printed here before being quoted as JSON
}

// node is one response key of a selection set, with every field merged under it. Each
// introspection field has one fixed object type, so a node's sub-selections are collected
// once and reused for every item of a list, however many types or fields the list holds.
type node struct {
	key    string
	fields []*ast.Field
	kids   []*node
	ready  bool
}

func (n *node) name() string { return n.fields[0].Name }

// children returns n's collected sub-selections for an object of type typeName.
func (e *evaluator) children(n *node, typeName string) []*node {
	if !n.ready {
		c := collector{e: e, typeName: typeName}
		for _, f := range n.fields {
			// The specification collects each field's selection set on its own, so a
			// fragment spread in two of them is visited in both.
			c.visited = c.visited[:0]
			c.set(f.SelectionSet)
		}
		n.kids, n.ready = c.out, true
	}
	return n.kids
}

// collector implements the specification's CollectFields for one object type.
type collector struct {
	e        *evaluator
	typeName string
	out      []*node
	index    map[string]*node // built once out is long enough for a linear search to hurt
	visited  []string
}

func (c *collector) set(set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if c.e.included(sel.Directives) {
				c.add(sel)
			}
		case *ast.InlineFragment:
			if c.e.included(sel.Directives) && c.applies(sel.TypeCondition) {
				c.set(sel.SelectionSet)
			}
		case *ast.FragmentSpread:
			if !c.e.included(sel.Directives) || slices.Contains(c.visited, sel.Name) {
				continue
			}
			c.visited = append(c.visited, sel.Name)
			def := sel.Definition
			if def == nil {
				def = c.e.fragments.ForName(sel.Name)
			}
			if def != nil && c.applies(def.TypeCondition) {
				c.set(def.SelectionSet)
			}
		}
	}
}

// applies reports whether a fragment with typeCondition applies to the object type being
// collected. No introspection type implements an interface or belongs to a union, so the
// condition must name the type itself.
func (c *collector) applies(typeCondition string) bool {
	return typeCondition == "" || typeCondition == c.typeName
}

func (c *collector) add(f *ast.Field) {
	key := f.Alias
	if key == "" {
		key = f.Name
	}
	if n := c.find(key); n != nil {
		n.fields = append(n.fields, f)
		return
	}
	n := &node{key: key, fields: []*ast.Field{f}}
	c.out = append(c.out, n)
	if c.index != nil {
		c.index[key] = n
	}
}

func (c *collector) find(key string) *node {
	const linear = 16
	if c.index == nil {
		if len(c.out) < linear {
			for _, n := range c.out {
				if n.key == key {
					return n
				}
			}
			return nil
		}
		c.index = make(map[string]*node, 2*len(c.out))
		for _, n := range c.out {
			c.index[n.key] = n
		}
	}
	return c.index[key]
}

// included applies @skip and @include.
func (e *evaluator) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		switch d.Name {
		case "skip":
			if v, _ := e.boolValue(d.Arguments.ForName("if")); v {
				return false
			}
		case "include":
			if v, _ := e.boolValue(d.Arguments.ForName("if")); !v {
				return false
			}
		}
	}
	return true
}

// argValue returns what argument a stands for: the request's value of the variable it
// names (isVar true), or else its literal, which for a variable the request leaves out is
// the variable's default. Both are nil when there is no argument or no value.
func (e *evaluator) argValue(a *ast.Argument) (lit *ast.Value, varValue any, isVar bool) {
	if a == nil || a.Value == nil {
		return nil, nil, false
	}
	v := a.Value
	if v.Kind != ast.Variable {
		return v, nil, false
	}
	if x, ok := e.vars[v.Raw]; ok {
		return nil, x, true
	}
	if v.VariableDefinition != nil {
		return v.VariableDefinition.DefaultValue, nil, false
	}
	return nil, nil, false
}

func (e *evaluator) boolValue(a *ast.Argument) (value, ok bool) {
	lit, x, isVar := e.argValue(a)
	if isVar {
		b, ok := x.(bool)
		return b, ok
	}
	if lit != nil && lit.Kind == ast.BooleanValue {
		return lit.Raw == "true", true
	}
	return false, false
}

// directivesIncludeDeprecated reads the includeDeprecated argument of
// `__Schema.directives`, which graphql-js 16.15 declares (with directive deprecation) but
// gqlparser's introspection types do not. Without the argument, the default the schema
// declares applies; a schema that declares no argument has no way to ask for deprecated
// directives, so it lists them all.
func (e *evaluator) directivesIncludeDeprecated(n *node) bool {
	if a := n.fields[0].Arguments.ForName("includeDeprecated"); a != nil {
		v, _ := e.boolValue(a)
		return v
	}
	if s := e.schema.Types["__Schema"]; s != nil {
		if f := s.Fields.ForName("directives"); f != nil {
			if a := f.Arguments.ForName("includeDeprecated"); a != nil {
				return a.DefaultValue != nil && a.DefaultValue.Kind == ast.BooleanValue && a.DefaultValue.Raw == "true"
			}
		}
	}
	return true
}

// includeDeprecated reads the includeDeprecated argument of n; absent or null means false.
func (e *evaluator) includeDeprecated(n *node) bool {
	v, _ := e.boolValue(n.fields[0].Arguments.ForName("includeDeprecated"))
	return v
}

func (e *evaluator) stringArg(n *node, name string) (string, bool) {
	lit, x, isVar := e.argValue(n.fields[0].Arguments.ForName(name))
	if isVar {
		s, ok := x.(string)
		return s, ok
	}
	if lit != nil && (lit.Kind == ast.StringValue || lit.Kind == ast.BlockValue) {
		return lit.Raw, true
	}
	return "", false
}

// Bits of evaluator.referenced, one per built-in scalar.
const (
	refInt uint8 = 1 << iota
	refFloat
	refString
	refBoolean
	refID
	refAll = refInt | refFloat | refString | refBoolean | refID
)

func builtinScalarBit(name string) uint8 {
	switch name {
	case "Int":
		return refInt
	case "Float":
		return refFloat
	case "String":
		return refString
	case "Boolean":
		return refBoolean
	case "ID":
		return refID
	}
	return 0
}

// visible reports whether def belongs in the answer. The specification (§3.5, Built-in
// Scalars) requires a built-in scalar to be left out when no field, argument or input
// field uses it; gqlparser's prelude declares all five in every schema.
func (e *evaluator) visible(def *ast.Definition) bool {
	bit := builtinScalarBit(def.Name)
	if bit == 0 || def.Kind != ast.Scalar {
		return true
	}
	if !e.scanned {
		e.scanned = true
		e.scanReferences()
	}
	return e.referenced&bit != 0
}

func (e *evaluator) scanReferences() {
	mark := func(t *ast.Type) {
		if t != nil {
			e.referenced |= builtinScalarBit(t.Name())
		}
	}
	for _, def := range e.schema.Types {
		for _, f := range def.Fields {
			mark(f.Type)
			for _, a := range f.Arguments {
				mark(a.Type)
			}
		}
		if e.referenced == refAll {
			return
		}
	}
	for _, d := range e.listedDirectives() {
		for _, a := range d.Arguments {
			mark(a.Type)
		}
	}
}

// lookup returns the named type, or nil when the schema has no such visible type.
func (e *evaluator) lookup(name string) *ast.Definition {
	def := e.schema.Types[name]
	if def == nil || !e.visible(def) {
		return nil
	}
	return def
}

// types returns the schema's visible types sorted by name.
func (e *evaluator) types() []*ast.Definition {
	if e.sorted == nil {
		e.sorted = make([]*ast.Definition, 0, len(e.schema.Types))
		for _, def := range e.schema.Types {
			if e.visible(def) {
				e.sorted = append(e.sorted, def)
			}
		}
		slices.SortFunc(e.sorted, func(a, b *ast.Definition) int { return strings.Compare(a.Name, b.Name) })
	}
	return e.sorted
}

// listedDirectives returns the directives `__schema { directives }` lists, sorted by name.
func (e *evaluator) listedDirectives() []*ast.DirectiveDefinition {
	if e.directives == nil {
		e.directives = make([]*ast.DirectiveDefinition, 0, len(e.schema.Directives))
		for _, d := range e.schema.Directives {
			if isSpecifiedDirective(d.Name) || !isBuiltIn(d) {
				e.directives = append(e.directives, d)
			}
		}
		slices.SortFunc(e.directives, func(a, b *ast.DirectiveDefinition) int { return strings.Compare(a.Name, b.Name) })
	}
	return e.directives
}

// isSpecifiedDirective reports whether the specification (or its draft, as graphql-js 16
// implements it) defines the directive.
func isSpecifiedDirective(name string) bool {
	switch name {
	case "include", "skip", "deprecated", "specifiedBy", "oneOf":
		return true
	}
	return false
}

// isBuiltIn reports whether d comes from gqlparser's prelude rather than a schema's SDL.
func isBuiltIn(d *ast.DirectiveDefinition) bool {
	return d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn
}

// possibleTypes returns the object types that can stand for the abstract type def: a
// union's members in definition order, or the objects that declare they implement an
// interface, sorted by name. It returns nil for any other kind.
func (e *evaluator) possibleTypes(def *ast.Definition) []*ast.Definition {
	switch def.Kind {
	case ast.Union:
		out := make([]*ast.Definition, 0, len(def.Types))
		for _, name := range def.Types {
			if t := e.schema.Types[name]; t != nil && t.Kind == ast.Object && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out
	case ast.Interface:
		if e.implementers == nil {
			e.implementers = map[string][]*ast.Definition{}
			for _, t := range e.types() {
				if t.Kind != ast.Object {
					continue
				}
				for _, iface := range t.Interfaces {
					if list := e.implementers[iface]; len(list) == 0 || list[len(list)-1] != t {
						e.implementers[iface] = append(list, t)
					}
				}
			}
		}
		if list := e.implementers[def.Name]; list != nil {
			return list
		}
		return []*ast.Definition{}
	}
	return nil
}

// key writes the separator before member i and its quoted name.
func key(b []byte, i int, k string) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = appendString(b, k)
	return append(b, ':')
}

func appendOptString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func (e *evaluator) schemaObject(b []byte, n *node) []byte {
	b = append(b, '{')
	for i, k := range e.children(n, "__Schema") {
		b = key(b, i, k.key)
		switch k.name() {
		case "__typename":
			b = appendString(b, "__Schema")
		case "description":
			b = appendOptString(b, e.schema.Description)
		case "types":
			b = append(b, '[')
			for j, def := range e.types() {
				if j > 0 {
					b = append(b, ',')
				}
				b = e.typeObject(b, k, typeRef{def: def})
			}
			b = append(b, ']')
		case "queryType":
			b = e.typeObject(b, k, typeRef{def: e.schema.Query})
		case "mutationType":
			b = e.typeObject(b, k, typeRef{def: e.schema.Mutation})
		case "subscriptionType":
			b = e.typeObject(b, k, typeRef{def: e.schema.Subscription})
		case "directives":
			all := e.directivesIncludeDeprecated(k)
			b = append(b, '[')
			j := 0
			for _, d := range e.listedDirectives() {
				if !all && isDeprecated(d.Directives) {
					continue
				}
				if j > 0 {
					b = append(b, ',')
				}
				j++
				b = e.directiveObject(b, k, d)
			}
			b = append(b, ']')
		default:
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}

// typeRef is what a __Type describes: a named type, or the type of a field or input value,
// whose list and non-null wrappers are __Types of their own.
type typeRef struct {
	def *ast.Definition // the named type, when t is nil
	t   *ast.Type
	// nullable says t's own non-null wrapper has been unwrapped: this is t's ofType.
	nullable bool
}

func (e *evaluator) typeObject(b []byte, n *node, r typeRef) []byte {
	var kind string
	var of typeRef
	def := r.def
	switch {
	case r.t == nil:
	case r.t.NonNull && !r.nullable:
		kind, of = "NON_NULL", typeRef{t: r.t, nullable: true}
	case r.t.Elem != nil:
		kind, of = "LIST", typeRef{t: r.t.Elem}
	default:
		def = e.schema.Types[r.t.NamedType]
	}
	if kind == "" {
		if def == nil {
			return append(b, "null"...)
		}
		kind = string(def.Kind)
	}

	b = append(b, '{')
	for i, k := range e.children(n, "__Type") {
		b = key(b, i, k.key)
		switch field := k.name(); {
		case field == "__typename":
			b = appendString(b, "__Type")
		case field == "kind":
			b = appendString(b, kind)
		case field == "ofType":
			if of.t == nil {
				b = append(b, "null"...)
			} else {
				b = e.typeObject(b, k, of)
			}
		case def == nil:
			b = append(b, "null"...) // every other field of a wrapper is null
		default:
			b = e.namedTypeField(b, k, def)
		}
	}
	return append(b, '}')
}

// namedTypeField writes the __Type field k of the named type def.
func (e *evaluator) namedTypeField(b []byte, k *node, def *ast.Definition) []byte {
	switch k.name() {
	case "name":
		return appendString(b, def.Name)
	case "description":
		return appendOptString(b, def.Description)
	case "specifiedByURL":
		if def.Kind == ast.Scalar {
			if d := def.Directives.ForName("specifiedBy"); d != nil {
				if lit, _, _ := e.argValue(d.Arguments.ForName("url")); lit != nil && lit.Kind != ast.NullValue {
					return appendString(b, lit.Raw)
				}
			}
		}
	case "fields":
		if def.Kind == ast.Object || def.Kind == ast.Interface {
			all := e.includeDeprecated(k)
			b = append(b, '[')
			j := 0
			for _, f := range def.Fields {
				if strings.HasPrefix(f.Name, "__") || (!all && isDeprecated(f.Directives)) {
					continue
				}
				if j > 0 {
					b = append(b, ',')
				}
				j++
				b = e.fieldObject(b, k, f)
			}
			return append(b, ']')
		}
	case "interfaces":
		if def.Kind == ast.Object || def.Kind == ast.Interface {
			b = append(b, '[')
			j := 0
			for _, name := range def.Interfaces {
				t := e.schema.Types[name]
				if t == nil {
					continue
				}
				if j > 0 {
					b = append(b, ',')
				}
				j++
				b = e.typeObject(b, k, typeRef{def: t})
			}
			return append(b, ']')
		}
	case "possibleTypes":
		if list := e.possibleTypes(def); list != nil {
			b = append(b, '[')
			for j, t := range list {
				if j > 0 {
					b = append(b, ',')
				}
				b = e.typeObject(b, k, typeRef{def: t})
			}
			return append(b, ']')
		}
	case "enumValues":
		if def.Kind == ast.Enum {
			all := e.includeDeprecated(k)
			b = append(b, '[')
			j := 0
			for _, v := range def.EnumValues {
				if !all && isDeprecated(v.Directives) {
					continue
				}
				if j > 0 {
					b = append(b, ',')
				}
				j++
				b = e.enumValueObject(b, k, v)
			}
			return append(b, ']')
		}
	case "inputFields":
		if def.Kind == ast.InputObject {
			all := e.includeDeprecated(k)
			b = append(b, '[')
			j := 0
			for _, f := range def.Fields {
				if !all && isDeprecated(f.Directives) {
					continue
				}
				if j > 0 {
					b = append(b, ',')
				}
				j++
				b = e.inputValueObject(b, k, inputValue{f.Name, f.Description, f.Type, f.DefaultValue, f.Directives})
			}
			return append(b, ']')
		}
	case "isOneOf":
		if def.Kind == ast.InputObject {
			return appendBool(b, def.Directives.ForName("oneOf") != nil)
		}
	}
	return append(b, "null"...)
}

func (e *evaluator) fieldObject(b []byte, n *node, f *ast.FieldDefinition) []byte {
	b = append(b, '{')
	for i, k := range e.children(n, "__Field") {
		b = key(b, i, k.key)
		switch k.name() {
		case "__typename":
			b = appendString(b, "__Field")
		case "name":
			b = appendString(b, f.Name)
		case "description":
			b = appendOptString(b, f.Description)
		case "args":
			b = e.argsList(b, k, f.Arguments)
		case "type":
			b = e.typeObject(b, k, typeRef{t: f.Type})
		case "isDeprecated":
			b = appendBool(b, isDeprecated(f.Directives))
		case "deprecationReason":
			b = e.deprecationReason(b, f.Directives)
		default:
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}

func (e *evaluator) argsList(b []byte, n *node, args ast.ArgumentDefinitionList) []byte {
	all := e.includeDeprecated(n)
	b = append(b, '[')
	j := 0
	for _, a := range args {
		if !all && isDeprecated(a.Directives) {
			continue
		}
		if j > 0 {
			b = append(b, ',')
		}
		j++
		b = e.inputValueObject(b, n, inputValue{a.Name, a.Description, a.Type, a.DefaultValue, a.Directives})
	}
	return append(b, ']')
}

// inputValue is an argument or an input field: gqlparser has a type for each.
type inputValue struct {
	name, description string
	typ               *ast.Type
	defaultValue      *ast.Value
	directives        ast.DirectiveList
}

func (e *evaluator) inputValueObject(b []byte, n *node, v inputValue) []byte {
	b = append(b, '{')
	for i, k := range e.children(n, "__InputValue") {
		b = key(b, i, k.key)
		switch k.name() {
		case "__typename":
			b = appendString(b, "__InputValue")
		case "name":
			b = appendString(b, v.name)
		case "description":
			b = appendOptString(b, v.description)
		case "type":
			b = e.typeObject(b, k, typeRef{t: v.typ})
		case "defaultValue":
			if v.defaultValue == nil {
				b = append(b, "null"...)
				break
			}
			e.scratch = e.appendDefault(e.scratch[:0], v.defaultValue, v.typ)
			b = appendString(b, string(e.scratch))
		case "isDeprecated":
			b = appendBool(b, isDeprecated(v.directives))
		case "deprecationReason":
			b = e.deprecationReason(b, v.directives)
		default:
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}

func (e *evaluator) enumValueObject(b []byte, n *node, v *ast.EnumValueDefinition) []byte {
	b = append(b, '{')
	for i, k := range e.children(n, "__EnumValue") {
		b = key(b, i, k.key)
		switch k.name() {
		case "__typename":
			b = appendString(b, "__EnumValue")
		case "name":
			b = appendString(b, v.Name)
		case "description":
			b = appendOptString(b, v.Description)
		case "isDeprecated":
			b = appendBool(b, isDeprecated(v.Directives))
		case "deprecationReason":
			b = e.deprecationReason(b, v.Directives)
		default:
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}

func (e *evaluator) directiveObject(b []byte, n *node, d *ast.DirectiveDefinition) []byte {
	b = append(b, '{')
	for i, k := range e.children(n, "__Directive") {
		b = key(b, i, k.key)
		switch k.name() {
		case "__typename":
			b = appendString(b, "__Directive")
		case "name":
			b = appendString(b, d.Name)
		case "description":
			b = appendOptString(b, d.Description)
		case "isRepeatable":
			b = appendBool(b, d.IsRepeatable)
		case "locations":
			b = append(b, '[')
			for j, loc := range d.Locations {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, string(loc))
			}
			b = append(b, ']')
		case "args":
			b = e.argsList(b, k, d.Arguments)
		case "isDeprecated":
			b = appendBool(b, isDeprecated(d.Directives))
		case "deprecationReason":
			b = e.deprecationReason(b, d.Directives)
		default:
			b = append(b, "null"...)
		}
	}
	return append(b, '}')
}

// isDeprecated reports whether dirs hold @deprecated. An explicit `reason: null` still
// deprecates: the directive is there (graphql-js 16 instead treats such an element as not
// deprecated, since it keys deprecation on the reason; the draft specification has since
// made the argument non-null, which rules the case out).
func isDeprecated(dirs ast.DirectiveList) bool {
	return dirs.ForName("deprecated") != nil
}

func (e *evaluator) deprecationReason(b []byte, dirs ast.DirectiveList) []byte {
	d := dirs.ForName("deprecated")
	if d == nil {
		return append(b, "null"...)
	}
	lit, _, _ := e.argValue(d.Arguments.ForName("reason"))
	switch {
	case lit == nil:
		return appendString(b, defaultDeprecationReason)
	case lit.Kind == ast.StringValue || lit.Kind == ast.BlockValue:
		return appendString(b, lit.Raw)
	}
	return append(b, "null"...)
}
