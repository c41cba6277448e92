package gateway

import "github.com/vektah/gqlparser/v2/ast"

// normalise rewrites the parts of a validated document that nautilus's planner cannot plan,
// and reports whether it changed anything:
//
//   - Untyped inline fragments (`... { f }`): with two of them in one query the planner panics
//     in a goroutine of its own, where no recover can catch it, and the process dies. One
//     without directives is replaced by its selections; one with directives keeps them and
//     gets its parent type as type condition, which selects exactly what it did before.
//   - Variables in @skip/@include on inline fragments: nautilus does not declare them in the
//     subgraph query it builds, so the subgraph rejects it ("Variable is not defined"). They
//     are replaced by their values for this request.
//
// When it changes the document, normalise also drops the other operations and the fragments
// and variable definitions that op no longer uses (nautilus plans every operation of the
// document and rejects unused variables and fragments), and the variables op does not
// declare. doc must be validated (so every inline fragment knows its parent type) and vars
// coerced.
func normalise(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) bool {
	n := normaliser{vars: vars}
	for _, o := range doc.Operations {
		o.SelectionSet = n.set(o.SelectionSet)
	}
	for _, f := range doc.Fragments {
		f.SelectionSet = n.set(f.SelectionSet)
	}
	if !n.changed {
		return false
	}
	prune(doc, op, vars)
	return true
}

// prune leaves in doc only op and the fragments it uses, drops the variable definitions
// op does not use and the variables it does not declare. nautilus plans every operation
// of a document and rejects unused fragments and variables, so a rewrite that removes
// selections must prune before it hands the document on.
func prune(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) {
	doc.Operations = ast.OperationList{op}

	u := usage{fragments: map[string]bool{}, variables: map[string]bool{}}
	u.directives(op.Directives)
	u.set(op.SelectionSet, doc.Fragments)
	var frags ast.FragmentDefinitionList
	for _, f := range doc.Fragments {
		if u.fragments[f.Name] {
			frags = append(frags, f)
		}
	}
	doc.Fragments = frags
	var defs ast.VariableDefinitionList
	for _, d := range op.VariableDefinitions {
		if u.variables[d.Variable] {
			defs = append(defs, d)
		}
	}
	op.VariableDefinitions = defs
	for name := range vars {
		if defs.ForName(name) == nil {
			delete(vars, name)
		}
	}
}

type normaliser struct {
	vars    map[string]any
	changed bool
}

func (n *normaliser) set(set ast.SelectionSet) ast.SelectionSet {
	// Most sets need no rewrite; out is only allocated once one does.
	var out ast.SelectionSet
	for i, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			sel.SelectionSet = n.set(sel.SelectionSet)
		case *ast.InlineFragment:
			sel.SelectionSet = n.set(sel.SelectionSet)
			n.bindConditions(sel.Directives)
			if sel.TypeCondition == "" {
				n.changed = true
				if len(sel.Directives) == 0 {
					if out == nil {
						out = append(make(ast.SelectionSet, 0, len(set)+len(sel.SelectionSet)), set[:i]...)
					}
					out = append(out, sel.SelectionSet...)
					continue
				}
				if sel.ObjectDefinition != nil {
					sel.TypeCondition = sel.ObjectDefinition.Name
				}
			}
		}
		if out != nil {
			out = append(out, sel)
		}
	}
	if out == nil {
		return set
	}
	return out
}

// bindConditions replaces a variable `if:` of @skip and @include by its value.
func (n *normaliser) bindConditions(dirs ast.DirectiveList) {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil || arg.Value.Kind != ast.Variable {
			continue
		}
		v, _ := n.vars[arg.Value.Raw].(bool)
		raw := "false"
		if v {
			raw = "true"
		}
		arg.Value = &ast.Value{Kind: ast.BooleanValue, Raw: raw, Position: arg.Value.Position}
		n.changed = true
	}
}

// usage collects the fragments and variables an operation uses.
type usage struct {
	fragments map[string]bool
	variables map[string]bool
}

func (u usage) set(set ast.SelectionSet, frags ast.FragmentDefinitionList) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			for _, a := range sel.Arguments {
				u.value(a.Value)
			}
			u.directives(sel.Directives)
			u.set(sel.SelectionSet, frags)
		case *ast.InlineFragment:
			u.directives(sel.Directives)
			u.set(sel.SelectionSet, frags)
		case *ast.FragmentSpread:
			u.directives(sel.Directives)
			if u.fragments[sel.Name] {
				continue
			}
			u.fragments[sel.Name] = true
			if def := frags.ForName(sel.Name); def != nil {
				u.directives(def.Directives)
				u.set(def.SelectionSet, frags)
			}
		}
	}
}

func (u usage) directives(dirs ast.DirectiveList) {
	for _, d := range dirs {
		for _, a := range d.Arguments {
			u.value(a.Value)
		}
	}
}

func (u usage) value(v *ast.Value) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		u.variables[v.Raw] = true
	}
	for _, c := range v.Children {
		u.value(c.Value)
	}
}
