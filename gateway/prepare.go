package gateway

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/fedgraph/fedgraph/internal/auth"
)

// This file turns a client's operation into the documents nautilus plans. nautilus's
// planner gets wrong, or crashes on, several shapes a client may send; none of them
// reaches it, because the documents it sees are rewritten copies of the operation:
//
//   - Named fragments are inlined as typed inline fragments. nautilus plans a named
//     fragment once, for the first place it is spread: the second of two aliases sharing
//     a fragment lost its cross-subgraph fields.
//   - @skip and @include are evaluated here, with the request's values; the plan is
//     cached per combination of values (the variant). nautilus does not declare the
//     variables of directives on inline fragments in its subgraph queries.
//   - Untyped inline fragments, and fragments that always apply to their parent object,
//     are spliced into their parent: two untyped inline fragments made the planner panic
//     in a goroutine of its own, where nothing can recover.
//   - Root `node(id:)` fields become the typed root field of the id's type
//     (`node(id: "User:…")` is planned as `node: user(id: "User:…")`): nautilus answers
//     root `node` itself, and wrongly.
//   - Root `__typename`, `__schema` and `__type` are the gateway's to answer, and
//     `__typename` anywhere is answered from the runtime type: they are not planned.
//   - Every selection on an abstract type asks for its runtime type under a reserved
//     alias, and a selection left empty asks for it too, so the documents stay valid.
//
// Reserved names (aliases the gateway adds, the variables and fragments of its batched
// requests) start with a prefix no name of the client's document starts with.

// condition is a variable that decides an @skip or @include.
type condition = string

// operation is what the gateway learns once about one operation of one document: what
// varies between its requests, and the names it may use.
type operation struct {
	doc    *ast.QueryDocument
	op     *ast.OperationDefinition
	schema *ast.Schema
	// conditions are the variables used by @skip and @include, sorted.
	conditions []condition
	// nodeIDs are the id arguments of the root node fields, in document order.
	nodeIDs []*ast.Value
	// prefix starts every reserved name.
	prefix string
	// protected are the fields the request's token must allow (authz.go).
	protected []requirement
}

// newOperation reads an operation of doc, validated against schema. stitch says the
// graph is stitched by nautilus, whose root node fields the gateway rewrites. authz is
// the schema whose directives say which fields need what token (authz.go): schema
// itself, or in federation mode the whole supergraph, since the API schema has none.
func newOperation(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, stitch bool, authz *ast.Schema) *operation {
	o := &operation{doc: doc, op: op, schema: schema}
	names := map[string]bool{}
	conds := map[string]bool{}
	seenFrag := map[string]bool{}
	var walk func(set ast.SelectionSet, root bool)
	dirs := func(list ast.DirectiveList) {
		for _, d := range list {
			if d.Name != "skip" && d.Name != "include" {
				continue
			}
			if a := d.Arguments.ForName("if"); a != nil && a.Value != nil && a.Value.Kind == ast.Variable {
				conds[a.Value.Raw] = true
			}
		}
	}
	walk = func(set ast.SelectionSet, root bool) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				names[s.Alias] = true
				dirs(s.Directives)
				if def := authzField(authz, schema, s); def != nil {
					if r, ok := requirementOf(authz, def); ok {
						r.field = s
						o.protected = append(o.protected, r)
					}
				}
				if stitch && root && s.Name == "node" && op.Operation == ast.Query {
					if a := s.Arguments.ForName("id"); a != nil {
						o.nodeIDs = append(o.nodeIDs, a.Value)
					}
				}
				walk(s.SelectionSet, false)
			case *ast.InlineFragment:
				dirs(s.Directives)
				walk(s.SelectionSet, root)
			case *ast.FragmentSpread:
				dirs(s.Directives)
				if def := doc.Fragments.ForName(s.Name); def != nil && !seenFrag[s.Name+fmt.Sprint(root)] {
					seenFrag[s.Name+fmt.Sprint(root)] = true
					walk(def.SelectionSet, root)
				}
			}
		}
	}
	walk(op.SelectionSet, true)
	for _, d := range op.VariableDefinitions {
		names[d.Variable] = true
	}
	for c := range conds {
		o.conditions = append(o.conditions, c)
	}
	slices.Sort(o.conditions)
	o.prefix = "_f"
	for clash(names, o.prefix) {
		o.prefix += "_"
	}
	return o
}

// authzField returns the definition of a field of the document in the authz schema: its
// own where authz is the schema the document was validated against, else the one of
// the same type and name.
func authzField(authz, schema *ast.Schema, f *ast.Field) *ast.FieldDefinition {
	if authz == schema || f.Definition == nil || f.ObjectDefinition == nil {
		return f.Definition
	}
	if t := authz.Types[f.ObjectDefinition.Name]; t != nil {
		return t.Fields.ForName(f.Name)
	}
	return nil
}

func clash(names map[string]bool, prefix string) bool {
	for n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// variant is what a request's variables decide about the plan: the value of each
// condition and the type named by each root node id.
type variant struct {
	key   string
	conds map[condition]bool
	nodes []nodeTarget // one per operation.nodeIDs
	// denied are the fields the request's token does not allow.
	denied map[*ast.Field]bool
}

// nodeTarget is what a root node id names.
type nodeTarget struct {
	typ   *ast.Definition      // nil when the id names nothing fetchable
	field *ast.FieldDefinition // the typed root field that fetches it
	bad   string               // why the id is malformed, if it is
}

func (o *operation) variant(vars map[string]any, claims *auth.Claims) variant {
	v := variant{conds: make(map[condition]bool, len(o.conditions))}
	var key []byte
	for _, r := range o.protected {
		if r.allows(claims) {
			key = append(key, '+')
			continue
		}
		if v.denied == nil {
			v.denied = map[*ast.Field]bool{}
		}
		v.denied[r.field] = true
		key = append(key, '-')
	}
	for _, c := range o.conditions {
		b, _ := vars[c].(bool)
		v.conds[c] = b
		if b {
			key = append(key, '1')
		} else {
			key = append(key, '0')
		}
	}
	for _, idv := range o.nodeIDs {
		id, _ := argValue(idv, vars).(string)
		t := o.nodeTarget(id)
		v.nodes = append(v.nodes, t)
		key = append(key, '|')
		switch {
		case t.bad != "":
			key = append(key, '!')
		case t.typ != nil:
			key = append(key, t.typ.Name...)
		}
	}
	v.key = string(key)
	return v
}

// nodeTarget returns what a global id names: its type and the root field of Query that
// fetches one by id (the field named like the type, user for User, with the single
// argument `id: ID!`).
func (o *operation) nodeTarget(id string) nodeTarget {
	name, rest, ok := strings.Cut(id, ":")
	if !ok || name == "" || rest == "" {
		return nodeTarget{bad: fmt.Sprintf("malformed id: %q is not of the form Type:uuid", clip(id))}
	}
	typ := o.schema.Types[name]
	if typ == nil || typ.Kind != ast.Object || !slices.Contains(typ.Interfaces, "Node") || o.schema.Query == nil {
		return nodeTarget{}
	}
	for _, f := range o.schema.Query.Fields {
		if strings.EqualFold(f.Name, name) && f.Type.Name() == name && f.Type.Elem == nil &&
			len(f.Arguments) == 1 && f.Arguments[0].Name == "id" && f.Arguments[0].Type.String() == "ID!" {
			return nodeTarget{typ: typ, field: f}
		}
	}
	return nodeTarget{}
}

// argValue returns a value with variables substituted, nil when it cannot be read.
func argValue(v *ast.Value, vars map[string]any) any {
	if v == nil {
		return nil
	}
	x, err := v.Value(vars)
	if err != nil {
		return nil
	}
	return x
}

// clip keeps messages short whatever a client sends.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// rootField is one root field of the operation after fragments and conditions.
type rootField struct {
	field *ast.Field
	node  *nodeTarget // for a root node field, what its id names
}

// included reports whether @skip and @include let a selection through.
func (v *variant) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		a := d.Arguments.ForName("if")
		if a == nil || a.Value == nil {
			continue
		}
		var on bool
		if a.Value.Kind == ast.Variable {
			on = v.conds[a.Value.Raw]
		} else {
			on = a.Value.Raw == "true"
		}
		if d.Name == "skip" && on || d.Name == "include" && !on {
			return false
		}
	}
	return true
}

// rootFields flattens the operation's root selection: fragments spliced, conditions
// applied, in document order.
func (o *operation) rootFields(v *variant) []rootField {
	var out []rootField
	nodeIndex := 0
	seenFrag := map[string]bool{}
	var walk func(set ast.SelectionSet, on bool)
	walk = func(set ast.SelectionSet, on bool) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				rf := rootField{field: s}
				if s.Name == "node" && o.op.Operation == ast.Query && s.Arguments.ForName("id") != nil {
					if nodeIndex < len(v.nodes) {
						rf.node = &v.nodes[nodeIndex]
					}
					nodeIndex++
				}
				if on && v.included(s.Directives) {
					out = append(out, rf)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet, on && v.included(s.Directives))
			case *ast.FragmentSpread:
				if def := o.doc.Fragments.ForName(s.Name); def != nil && !seenFrag[s.Name] {
					seenFrag[s.Name] = true
					walk(def.SelectionSet, on && v.included(s.Directives))
				}
			}
		}
	}
	walk(o.op.SelectionSet, true)
	return out
}

// gatewayAnswered reports whether the gateway answers a root field itself.
func gatewayAnswered(rf rootField, v *variant) bool {
	if v.denied[rf.field] {
		return true
	}
	switch rf.field.Name {
	case "__typename", "__schema", "__type":
		return true
	}
	return rf.node != nil && rf.node.field == nil
}

// planningField returns the copy of a root field that nautilus plans.
func (o *operation) planningField(rf rootField, v *variant) *ast.Field {
	f := rf.field
	if rf.node != nil {
		typed := &ast.Field{
			Alias: f.Alias, Name: rf.node.field.Name, Arguments: f.Arguments,
			Definition: rf.node.field, Position: f.Position,
		}
		typed.SelectionSet = append(o.clean(f.SelectionSet, rf.node.typ, v), o.typenameField())
		return typed
	}
	return o.cleanField(f, v)
}

// typenameField is the reserved-alias __typename the gateway reads runtime types from.
func (o *operation) typenameField() *ast.Field {
	return &ast.Field{Alias: o.prefix + "t", Name: "__typename"}
}

// cleanField copies a field with its selection cleaned for planning.
func (o *operation) cleanField(f *ast.Field, v *variant) *ast.Field {
	c := &ast.Field{
		Alias: f.Alias, Name: f.Name, Arguments: f.Arguments, Definition: f.Definition,
		ObjectDefinition: f.ObjectDefinition, Position: f.Position,
	}
	for _, d := range f.Directives {
		if d.Name != "skip" && d.Name != "include" {
			c.Directives = append(c.Directives, d)
		}
	}
	if f.Definition == nil || len(f.SelectionSet) == 0 {
		return c
	}
	typ := o.schema.Types[f.Definition.Type.Name()]
	if typ == nil {
		return c
	}
	c.SelectionSet = o.clean(f.SelectionSet, typ, v)
	if typ.IsAbstractType() || len(c.SelectionSet) == 0 {
		c.SelectionSet = append(c.SelectionSet, o.typenameField())
	}
	return c
}

// clean returns a copy of set, on parent, as nautilus should plan it: fragments
// inlined, conditions applied, __typename dropped, fragments that always apply spliced
// in, fragments that never apply dropped.
func (o *operation) clean(set ast.SelectionSet, parent *ast.Definition, v *variant) ast.SelectionSet {
	var out ast.SelectionSet
	fragment := func(cond string, dirs ast.DirectiveList, sub ast.SelectionSet) {
		if !v.included(dirs) {
			return
		}
		if cond == "" {
			cond = parent.Name
		}
		t := o.schema.Types[cond]
		if t == nil {
			return
		}
		if parent.Kind == ast.Object {
			if !o.applies(parent, t) {
				return
			}
			out = append(out, o.clean(sub, parent, v)...)
			return
		}
		if inner := o.clean(sub, t, v); len(inner) > 0 {
			out = append(out, &ast.InlineFragment{TypeCondition: cond, SelectionSet: inner, ObjectDefinition: t})
		}
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__typename" || !v.included(s.Directives) || v.denied[s] {
				continue
			}
			out = append(out, o.cleanField(s, v))
		case *ast.InlineFragment:
			fragment(s.TypeCondition, s.Directives, s.SelectionSet)
		case *ast.FragmentSpread:
			if def := o.doc.Fragments.ForName(s.Name); def != nil {
				fragment(def.TypeCondition, s.Directives, def.SelectionSet)
			}
		}
	}
	return out
}

// applies reports whether a fragment on cond applies to objects of type obj.
func (o *operation) applies(obj, cond *ast.Definition) bool {
	if obj.Name == cond.Name {
		return true
	}
	for _, p := range o.schema.GetPossibleTypes(cond) {
		if p.Name == obj.Name {
			return true
		}
	}
	return false
}

// planningDocument prints the document nautilus plans for fields: one operation of the
// client's kind and name, declaring the variables the fields use.
func (o *operation) planningDocument(fields ast.SelectionSet) string {
	op := &ast.OperationDefinition{Operation: o.op.Operation, Name: o.op.Name, SelectionSet: fields}
	used := usedVariables(fields)
	for _, d := range o.op.VariableDefinitions {
		if used[d.Variable] {
			op.VariableDefinitions = append(op.VariableDefinitions, d)
		}
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(&ast.QueryDocument{Operations: ast.OperationList{op}})
	return buf.String()
}

// usedVariables returns the variables a fragment-free selection set uses.
func usedVariables(set ast.SelectionSet) map[string]bool {
	used := map[string]bool{}
	var value func(*ast.Value)
	value = func(v *ast.Value) {
		if v == nil {
			return
		}
		if v.Kind == ast.Variable {
			used[v.Raw] = true
		}
		for _, c := range v.Children {
			value(c.Value)
		}
	}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					value(a.Value)
				}
				for _, d := range s.Directives {
					for _, a := range d.Arguments {
						value(a.Value)
					}
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				for _, d := range s.Directives {
					for _, a := range d.Arguments {
						value(a.Value)
					}
				}
				walk(s.SelectionSet)
			}
		}
	}
	walk(set)
	return used
}
