package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// plan is one variant of one operation, compiled once and then shared, read-only, by
// every request that has this variant: what to send to which subgraph in which order,
// and the shape of the answer.
type plan struct {
	// groups run one after the other; the root steps of a group run in parallel. A query
	// has one group; a mutation has one per run of consecutive root fields owned by the
	// same subgraph, so that root fields execute in document order, as the spec requires.
	groups [][]*step
	// steps holds every step, in depth-first order: an error's step orders errors.
	steps []*step
	// shape is how to write the answer.
	shape *shape
	// errs are errors the gateway itself found (malformed node ids).
	errs gqlerror.List
	// prefix starts every reserved name.
	prefix string
	// cost approximates the plan's memory, for the cache's bound.
	cost int
	// mutation is set for a mutation's plan, whose root requests are never retried.
	mutation bool
	// unauthorized are the shapes of the fields the variant's token does not allow.
	unauthorized []*fieldShape
}

// step is one plan step: a subgraph request made once per client request. A root step
// sends a fixed document; a dependent step fetches the objects its parent step's
// answer points to, by id, all of them in one request (see run.go).
type step struct {
	index int
	sg    *subgraph
	// root steps:
	root     bool
	body     []byte   // the request body up to the variables object: {"query":…,"variables":
	rootKeys []string // response keys of its root fields, for error paths
	// vars are the client's variables the step's document uses.
	vars []string
	// dependent steps:
	// path leads from each object the parent step wrote (for a root step's child, the
	// root step's data) to the objects this step fetches; lists are crossed item by item.
	path []string
	// idKey holds the id in each object this step fetches.
	idKey string
	// fragment is the step's selection as the JSON-escaped text of a named fragment on
	// its parent type, and fragmentName that name.
	fragment     []byte
	fragmentName string
	// varDefs are the JSON-escaped definitions of vars, `$name:Type,`.
	varDefs  []byte
	children []*step
	// text is the step's document (root steps) or fragment (dependent steps) as sent,
	// for the plan's description (queryplan.go).
	text string
}

// locator is what nautilus's planner gets as the queryer of a subgraph: the gateway
// never lets nautilus execute, it only reads which subgraph a plan step goes to.
type locator struct{ sg *subgraph }

func (l locator) Query(context.Context, *graphql.QueryInput, any) error {
	return errors.New("gateway: nautilus must not execute plans")
}

// compile plans one variant of an operation with nautilus and compiles the result.
func (g *graph) compile(o *operation, v *variant) (*plan, error) {
	p := &plan{prefix: o.prefix, mutation: o.op.Operation == ast.Mutation}
	var planned []*ast.Field // root fields for nautilus, in order
	var owners []*subgraph   // for mutations: who owns each planned field
	for _, rf := range o.rootFields(v) {
		if rf.node != nil && rf.node.bad != "" {
			p.errs = append(p.errs, &gqlerror.Error{
				Message:    rf.node.bad,
				Path:       ast.Path{ast.PathName(rf.field.Alias)},
				Extensions: map[string]any{"code": codeBadUserInput},
			})
		}
		if gatewayAnswered(rf, v) {
			continue
		}
		planned = append(planned, o.planningField(rf, v))
		if o.op.Operation == ast.Mutation {
			owners = append(owners, g.mutationOwner[rf.field.Name])
		}
	}
	var groups []ast.SelectionSet
	switch {
	case len(planned) == 0:
	case o.op.Operation != ast.Mutation:
		groups = append(groups, ast.SelectionSet(nil))
		for _, f := range planned {
			groups[0] = append(groups[0], f)
		}
	default:
		for i, f := range planned {
			if i == 0 || owners[i] == nil || owners[i] != owners[i-1] {
				groups = append(groups, nil)
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], f)
		}
	}
	for _, fields := range groups {
		text := o.planningDocument(fields)
		p.cost += len(text)
		plans, err := g.planner.GetPlans(&nautilus.RequestContext{Context: context.Background(), Query: text})
		if err != nil {
			return nil, fmt.Errorf("plan %q: %w", clip(text), err)
		}
		if len(plans) != 1 || plans[0].RootStep == nil {
			return nil, fmt.Errorf("plan %q: nautilus returned %d plans", clip(text), len(plans))
		}
		var group []*step
		for _, ns := range plans[0].RootStep.Then {
			s, err := p.compileStep(o, ns, nil, true)
			if err != nil {
				return nil, err
			}
			group = append(group, s)
		}
		p.groups = append(p.groups, group)
	}
	sb := newShapes(o, v)
	shape, err := sb.root()
	if err != nil {
		return nil, err
	}
	p.shape, p.unauthorized = shape, sb.unauthorized
	return p, nil
}

// compileStep compiles a nautilus step and its dependents. parent is nil for a root step.
func (p *plan) compileStep(o *operation, ns *nautilus.QueryPlanStep, parent *nautilus.QueryPlanStep, root bool) (*step, error) {
	loc, ok := ns.Queryer.(locator)
	if !ok {
		return nil, fmt.Errorf("plan step for %s at %v is not a subgraph's", ns.ParentType, ns.InsertionPoint)
	}
	s := &step{index: len(p.steps), sg: loc.sg, root: root}
	p.steps = append(p.steps, s)
	set := copySet(ns.SelectionSet)
	// The planner adds `id` without an alias where a dependent step inserts; a client's
	// own alias could be `id` for another field, so the gateway reads ids from a reserved
	// alias instead.
	idKey := o.prefix + "id"
	renameIDs(set, idKey)
	for _, child := range ns.Then {
		if !slices.Equal(child.InsertionPoint[:min(len(ns.InsertionPoint), len(child.InsertionPoint))], ns.InsertionPoint) {
			return nil, fmt.Errorf("plan step at %v under %v", child.InsertionPoint, ns.InsertionPoint)
		}
		c, err := p.compileStep(o, child, ns, false)
		if err != nil {
			return nil, err
		}
		c.path = slices.Clone(child.InsertionPoint[len(ns.InsertionPoint):])
		c.idKey = idKey
		if !ensureID(set, c.path, idKey) {
			return nil, fmt.Errorf("plan step at %v: no selection to insert into", child.InsertionPoint)
		}
		s.children = append(s.children, c)
	}
	used := usedVariables(set)
	for _, d := range o.op.VariableDefinitions {
		if used[d.Variable] {
			s.vars = append(s.vars, d.Variable)
			s.varDefs = appendJSONEscaped(s.varDefs, "$"+d.Variable+":"+d.Type.String()+",")
		}
	}
	if root {
		op := &ast.OperationDefinition{Operation: o.op.Operation, Name: o.op.Name, SelectionSet: set}
		for _, d := range o.op.VariableDefinitions {
			if used[d.Variable] {
				op.VariableDefinitions = append(op.VariableDefinitions, d)
			}
		}
		text := format(&ast.QueryDocument{Operations: ast.OperationList{op}})
		s.text = text
		s.body = append(s.body, `{"query":`...)
		s.body = appendJSONString(s.body, text)
		s.body = append(s.body, `,"variables":`...)
		for _, sel := range set {
			if f, ok := sel.(*ast.Field); ok {
				s.rootKeys = append(s.rootKeys, f.Alias)
			}
		}
		p.cost += len(s.body) + len(text)
		return s, nil
	}
	s.fragmentName = o.prefix + "S" + strconv.Itoa(s.index)
	text := format(&ast.QueryDocument{Fragments: ast.FragmentDefinitionList{{
		Name: s.fragmentName, TypeCondition: ns.ParentType, SelectionSet: set,
	}}})
	s.fragment = appendJSONEscaped(nil, text)
	s.text = text
	p.cost += len(s.fragment) + len(text)
	return s, nil
}

func format(doc *ast.QueryDocument) string {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent(" ")).FormatQueryDocument(doc)
	return buf.String()
}

// copySet deep-copies the fields and inline fragments of a selection set, so that the
// gateway's changes never touch what nautilus keeps.
func copySet(set ast.SelectionSet) ast.SelectionSet {
	if set == nil {
		return nil
	}
	out := make(ast.SelectionSet, 0, len(set)+1)
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c := *s
			c.SelectionSet = copySet(s.SelectionSet)
			out = append(out, &c)
		case *ast.InlineFragment:
			c := *s
			c.SelectionSet = copySet(s.SelectionSet)
			out = append(out, &c)
		default:
			out = append(out, sel)
		}
	}
	return out
}

// renameIDs gives the planner's own `id` fields (those without an alias) the alias key.
func renameIDs(set ast.SelectionSet, key string) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias == "" && s.Name == "id" {
				s.Alias = key
			}
			renameIDs(s.SelectionSet, key)
		case *ast.InlineFragment:
			renameIDs(s.SelectionSet, key)
		}
	}
}

// ensureID makes every selection set that path reaches in set select `key: id`, and
// reports whether path reaches any.
func ensureID(set ast.SelectionSet, path []string, key string) bool {
	if len(path) == 0 {
		for _, sel := range set {
			if f, ok := sel.(*ast.Field); ok && f.Alias == key {
				return true
			}
		}
		return false // the caller appends; see below
	}
	found := false
	var visit func(set *ast.SelectionSet)
	visit = func(set *ast.SelectionSet) {
		for _, sel := range *set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != path[0] {
					continue
				}
				if len(path) == 1 {
					if !ensureID(s.SelectionSet, nil, key) {
						s.SelectionSet = append(s.SelectionSet, &ast.Field{Alias: key, Name: "id"})
					}
					found = true
				} else if ensureID(s.SelectionSet, path[1:], key) {
					found = true
				}
			case *ast.InlineFragment:
				visit(&s.SelectionSet)
			}
		}
	}
	visit(&set)
	return found
}
