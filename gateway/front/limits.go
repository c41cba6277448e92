package front

import (
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// saturation caps every count below, so that fragments spread many times over cannot overflow.
const saturation = math.MaxInt64 / 4

func satAdd(a, b int64) int64 {
	if a+b > saturation {
		return saturation
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > saturation/b {
		return saturation
	}
	return a * b
}

// shape is what the structural limits measure of a selection set, fragments expanded.
type shape struct {
	depth      int64 // deepest field nesting, introspection subtrees excluded
	aliases    int64 // aliased fields, each spread of a fragment counted
	rootFields int64 // fields directly in the set, inline fragments and spreads expanded
	fields     int64 // all fields, fragments expanded
	directives int   // most directives on one selection
	// lists is the deepest nesting of the introspection fields that list types (fields,
	// interfaces, possibleTypes, inputFields); introspectionTooDeep is set when such a
	// nesting under __schema or __type reaches maxIntrospectionLists.
	lists                int64
	introspectionTooDeep bool
}

// maxIntrospectionLists is graphql-js's MaxIntrospectionDepthRule bound: three nested
// lists of types in one introspection query can produce an answer exponential in the
// schema's size, and no client tool asks for them (the full introspection query of
// GraphiQL and code generators nests two).
const maxIntrospectionLists = 3

func isTypeListField(name string) bool {
	switch name {
	case "fields", "interfaces", "possibleTypes", "inputFields":
		return true
	}
	return false
}

// shaper measures selection sets before validation, so it guards against unknown fragments
// and fragment cycles itself; each fragment is measured once.
type shaper struct {
	fragments ast.FragmentDefinitionList
	memo      map[string]*shape
	visiting  map[string]bool
}

// checkStructure applies the limits that need no schema: depth, aliases, root fields and
// directives per field, to every operation of the document.
func (h *handler) checkStructure(doc *ast.QueryDocument) *failure {
	s := &shaper{fragments: doc.Fragments, memo: map[string]*shape{}, visiting: map[string]bool{}}
	maxDirectives := 0
	for _, f := range doc.Fragments {
		maxDirectives = max(maxDirectives, len(f.Directives))
	}
	for _, op := range doc.Operations {
		sh := s.selectionSet(op.SelectionSet)
		maxDirectives = max(maxDirectives, sh.directives, len(op.Directives))
		for _, v := range op.VariableDefinitions {
			maxDirectives = max(maxDirectives, len(v.Directives))
		}
		switch {
		case sh.depth > int64(h.cfg.MaxDepth):
			return requestError(errcode.MaxDepthExceeded,
				fmt.Sprintf("The operation is nested deeper than %d levels.", h.cfg.MaxDepth))
		case sh.aliases > int64(h.cfg.MaxAliases):
			return requestError(errcode.MaxAliasesExceeded,
				fmt.Sprintf("The operation has more than %d aliases.", h.cfg.MaxAliases))
		case sh.rootFields > int64(h.cfg.MaxRootFields):
			return requestError(errcode.MaxRootFieldsExceeded,
				fmt.Sprintf("The operation selects more than %d root fields.", h.cfg.MaxRootFields))
		case sh.fields > int64(h.cfg.MaxFields):
			return requestError(errcode.MaxFieldsExceeded,
				fmt.Sprintf("The operation selects more than %d fields.", h.cfg.MaxFields))
		case sh.introspectionTooDeep:
			return requestError(errcode.MaxDepthExceeded, "Maximum introspection depth exceeded.")
		}
	}
	// Fragments that no operation spreads are measured too: validation walks them as well.
	for _, f := range doc.Fragments {
		maxDirectives = max(maxDirectives, s.fragment(f.Name).directives)
	}
	if maxDirectives > h.cfg.MaxDirectivesPerField {
		return requestError(errcode.MaxDirectivesExceeded,
			fmt.Sprintf("A field or fragment has more than %d directives.", h.cfg.MaxDirectivesPerField))
	}
	return nil
}

func (s *shaper) selectionSet(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			out.rootFields = satAdd(out.rootFields, 1)
			out.fields = satAdd(out.fields, 1)
			out.directives = max(out.directives, len(sel.Directives))
			if sel.Alias != "" && sel.Alias != sel.Name {
				out.aliases = satAdd(out.aliases, 1)
			}
			child := s.selectionSet(sel.SelectionSet)
			out.aliases = satAdd(out.aliases, child.aliases)
			out.fields = satAdd(out.fields, child.fields)
			out.directives = max(out.directives, child.directives)
			depth := 1 + child.depth
			lists := child.lists
			if isTypeListField(sel.Name) {
				lists = satAdd(lists, 1)
			}
			if isIntrospectionField(sel.Name) {
				depth = 1
				out.introspectionTooDeep = out.introspectionTooDeep || child.lists >= maxIntrospectionLists
			}
			out.depth = max(out.depth, depth)
			out.lists = max(out.lists, lists)
			out.introspectionTooDeep = out.introspectionTooDeep || child.introspectionTooDeep
		case *ast.InlineFragment:
			child := s.selectionSet(sel.SelectionSet)
			out.merge(child, len(sel.Directives))
		case *ast.FragmentSpread:
			child := s.fragment(sel.Name)
			out.merge(*child, len(sel.Directives))
		}
	}
	return out
}

func (out *shape) merge(child shape, ownDirectives int) {
	out.rootFields = satAdd(out.rootFields, child.rootFields)
	out.aliases = satAdd(out.aliases, child.aliases)
	out.fields = satAdd(out.fields, child.fields)
	out.depth = max(out.depth, child.depth)
	out.directives = max(out.directives, child.directives, ownDirectives)
	out.lists = max(out.lists, child.lists)
	out.introspectionTooDeep = out.introspectionTooDeep || child.introspectionTooDeep
}

func (s *shaper) fragment(name string) *shape {
	if sh, ok := s.memo[name]; ok {
		return sh
	}
	def := s.fragments.ForName(name)
	if def == nil || s.visiting[name] {
		// Unknown fragments and cycles are left to validation, which rejects both.
		return &shape{}
	}
	s.visiting[name] = true
	sh := s.selectionSet(def.SelectionSet)
	delete(s.visiting, name)
	s.memo[name] = &sh
	return &sh
}

func isIntrospectionField(name string) bool {
	return name == "__schema" || name == "__type"
}

// usesIntrospection reports whether set selects __schema or __type, fragments expanded. It
// runs after validation, so fragments exist and do not cycle; seen keeps it linear.
func usesIntrospection(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if isIntrospectionField(sel.Name) || usesIntrospection(sel.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if usesIntrospection(sel.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[sel.Name] || sel.Definition == nil {
				continue
			}
			seen[sel.Name] = true
			if usesIntrospection(sel.Definition.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// coster estimates the cost of a validated operation; see Config.MaxCost for the model.
type coster struct {
	schema      *ast.Schema
	vars        map[string]any
	defaultSize int64
	memo        map[costKey]int64
	visiting    map[costKey]bool
}

type costKey struct {
	fragment string
	sized    bool
}

// estimateCost returns the list-aware cost of op with its coerced variables.
func estimateCost(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any, defaultListSize int) int64 {
	c := &coster{schema: schema, vars: vars, defaultSize: int64(defaultListSize), memo: map[costKey]int64{}, visiting: map[costKey]bool{}}
	return c.selectionSet(op.SelectionSet, false)
}

// selectionSet costs set; sized says its parent field had a first/last argument, so that a
// list field directly in set takes that size instead of the default. Fragments on object
// types are alternatives (an object has one runtime type): the costliest of them counts,
// on top of what applies to every object.
func (c *coster) selectionSet(set ast.SelectionSet, sized bool) int64 {
	var common int64
	var perType map[string]int64
	add := func(cond *ast.Definition, v int64) {
		if cond == nil || cond.Kind != ast.Object {
			common = satAdd(common, v)
			return
		}
		if perType == nil {
			perType = map[string]int64{}
		}
		perType[cond.Name] = satAdd(perType[cond.Name], v)
	}
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			common = satAdd(common, c.field(sel, sized))
		case *ast.InlineFragment:
			add(c.schema.Types[sel.TypeCondition], c.selectionSet(sel.SelectionSet, sized))
		case *ast.FragmentSpread:
			if sel.Definition == nil {
				continue
			}
			key := costKey{sel.Name, sized}
			v, ok := c.memo[key]
			if !ok {
				if c.visiting[key] {
					continue
				}
				c.visiting[key] = true
				v = c.selectionSet(sel.Definition.SelectionSet, sized)
				delete(c.visiting, key)
				c.memo[key] = v
			}
			add(c.schema.Types[sel.Definition.TypeCondition], v)
		}
	}
	var most int64
	for _, v := range perType {
		most = max(most, v)
	}
	return satAdd(common, most)
}

func (c *coster) field(f *ast.Field, parentSized bool) int64 {
	if isIntrospectionField(f.Name) {
		return 0
	}
	if len(f.SelectionSet) == 0 || f.Definition == nil {
		return 1
	}
	levels := 0
	for t := f.Definition.Type; t != nil && t.Elem != nil; t = t.Elem {
		levels++
	}
	mult := int64(1)
	size, hasSize := c.slicingSize(f)
	childSized := false
	switch {
	case hasSize:
		mult = size
		if levels == 0 {
			childSized = true // a connection: its edges/nodes take this size
		} else {
			levels--
		}
	case parentSized && levels > 0:
		levels--
	}
	for range levels {
		mult = satMul(mult, c.defaultSize)
	}
	return satAdd(1, satMul(mult, c.selectionSet(f.SelectionSet, childSized)))
}

// slicingSize returns the largest of the field's first and last arguments, given or
// defaulted, with variables resolved; a value that is not a non-negative integer counts as
// the default list size.
func (c *coster) slicingSize(f *ast.Field) (int64, bool) {
	var size int64
	found := false
	for _, name := range [...]string{"first", "last"} {
		argDef := f.Definition.Arguments.ForName(name)
		if argDef == nil {
			continue
		}
		var raw any
		if arg := f.Arguments.ForName(name); arg != nil {
			v, err := arg.Value.Value(c.vars)
			if err != nil {
				raw = nil
			} else {
				raw = v
			}
		} else if argDef.DefaultValue != nil {
			v, err := argDef.DefaultValue.Value(nil)
			if err == nil {
				raw = v
			}
		} else {
			continue
		}
		if raw == nil && f.Arguments.ForName(name) == nil {
			continue
		}
		n, ok := toInt(raw)
		if !ok {
			n = c.defaultSize
		}
		size = max(size, n)
		found = true
	}
	return size, found
}

// toInt reads an Int argument: int64 from coerced variables and from literals, the other
// kinds for safety.
func toInt(v any) (int64, bool) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case float64:
		if v != math.Trunc(v) || v > saturation || v < -saturation {
			return 0, false
		}
		n = int64(v)
	default:
		return 0, false
	}
	if n < 0 {
		return 0, true
	}
	return n, true
}
