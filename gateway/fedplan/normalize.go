package fedplan

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// Normalize returns an operation's selection set as the planner takes it: every field a
// copy with its alias set and its definitions, every fragment spread inlined as an
// inline fragment with its type condition, an inline fragment without one given its
// parent's type, @skip and @include evaluated with vars and removed, and the fields keep
// leaves out (nil keeps all: the gateway leaves out the fields a token may not see).
// The document must be validated against the schema the plan is made for.
func Normalize(op *ast.OperationDefinition, fragments ast.FragmentDefinitionList, vars map[string]any, keep func(*ast.Field) bool) ast.SelectionSet {
	n := normalizer{fragments: fragments, vars: vars, keep: keep}
	return n.set(op.SelectionSet, "", 0)
}

type normalizer struct {
	fragments ast.FragmentDefinitionList
	vars      map[string]any
	keep      func(*ast.Field) bool
}

// maxFragmentDepth bounds the nesting of fragments, which validation has already made
// acyclic; it only guards against a document that was not validated.
const maxFragmentDepth = 100

func (n *normalizer) set(set ast.SelectionSet, parent string, depth int) ast.SelectionSet {
	var out ast.SelectionSet
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !n.included(s.Directives) || (n.keep != nil && !n.keep(s)) {
				continue
			}
			c := &ast.Field{Alias: s.Alias, Name: s.Name, Arguments: s.Arguments, Definition: s.Definition,
				ObjectDefinition: s.ObjectDefinition, Position: s.Position}
			if c.Alias == "" {
				c.Alias = c.Name
			}
			for _, d := range s.Directives {
				if d.Name != "skip" && d.Name != "include" {
					c.Directives = append(c.Directives, d)
				}
			}
			if len(s.SelectionSet) > 0 && s.Definition != nil {
				c.SelectionSet = n.set(s.SelectionSet, s.Definition.Type.Name(), depth)
			}
			out = append(out, c)
		case *ast.InlineFragment:
			if !n.included(s.Directives) {
				continue
			}
			cond := s.TypeCondition
			if cond == "" {
				cond = parent
			}
			out = append(out, &ast.InlineFragment{TypeCondition: cond, ObjectDefinition: s.ObjectDefinition,
				SelectionSet: n.set(s.SelectionSet, cond, depth), Position: s.Position})
		case *ast.FragmentSpread:
			def := n.fragments.ForName(s.Name)
			if def == nil || !n.included(s.Directives) || depth >= maxFragmentDepth {
				continue
			}
			out = append(out, &ast.InlineFragment{TypeCondition: def.TypeCondition, ObjectDefinition: s.ObjectDefinition,
				SelectionSet: n.set(def.SelectionSet, def.TypeCondition, depth+1), Position: s.Position})
		}
	}
	return out
}

// included reports whether @skip and @include let a selection through.
func (n *normalizer) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		a := d.Arguments.ForName("if")
		if a == nil || a.Value == nil {
			continue
		}
		v, err := a.Value.Value(n.vars)
		on, _ := v.(bool)
		if err != nil {
			on = false
		}
		if d.Name == "skip" && on || d.Name == "include" && !on {
			return false
		}
	}
	return true
}
