package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/transport"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// plan is one variant of one operation, compiled once and then shared, read-only, by
// every request that has this variant: what to send to which subgraph in which order,
// and the shape of the answer.
type plan struct {
	// groups run one after the other. A query has one group; a mutation has one per run
	// of consecutive root fields owned by the same subgraph, so that root fields execute
	// in document order, as the spec requires. A group holds its root steps, which start
	// at once, and the steps that depend on them, each of which starts as soon as every
	// step it depends on has answered.
	groups [][]*step
	// steps holds every step, by index: an error's step orders errors.
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
	// untyped lets an object at an interface's position come without its typename: a
	// federation plan's interface objects answer the interface's own fields.
	untyped bool
	// answerSize is the length of the last answer written for the plan, which sizes
	// the next one's buffer: the one thing about a plan that changes once it is made,
	// and only a hint.
	answerSize atomic.Int64
}

// step is one plan step: a subgraph request made once per client request. A root step
// sends a fixed document; a dependent step fetches the objects its path reaches in the
// response, once the steps it depends on have answered, all of them in one request
// (see run.go), by one of two lookups: `node(id:)` by each object's id (stitch mode),
// or `_entities(representations:)` by each object's representation (federation).
type step struct {
	index int
	sg    *transport.Client
	// query is what the step's requests send, whatever their keys and variables: its
	// document or fragment, and the client's variables it uses.
	query *transport.Query
	// root steps:
	root     bool
	rootKeys []string // response keys of its root fields, for error paths
	// dependent steps:
	// path leads from the response's root to the objects this step fetches; lists are
	// crossed item by item.
	path []keyElem
	// deps are the steps that must answer first; dependents those that wait for this one.
	deps, dependents []*step
	lookup           transport.LookupKind
	// idKey holds the id in each object a node lookup fetches.
	idKey string
	// entities say how an entities lookup represents objects, by runtime type.
	entities []*entityRep
	// renames restore the response keys of fields asked under another alias (federation:
	// fedplan.Rename), in each object of the answer's data or entities before it merges.
	renames []rename
	// text is the step's document (root steps) or fragment (dependent steps) as sent,
	// for the plan's description (queryplan.go).
	text string
}

// rename moves, in the objects of runtime type typ at path, the value at from to to.
type rename struct {
	path     []keyElem
	typ      string
	from, to string
}

// keyElem is one response key of a step's path; types, when set, keep only the objects
// of those runtime types (read from the plan's typename key).
type keyElem struct {
	key   string
	types []string
}

// entityRep is how an entities lookup represents objects of one runtime type.
type entityRep struct {
	// typ is the runtime type, "" for objects without a typename.
	typ string
	// static takes objects without a typename as of typ (fedplan.Entity.Static).
	static bool
	// typename is `"__typename":"T"`, the representation's first entry.
	typename []byte
	fields   []repField
}

// repField is one entry of a representation: `"name":` and the object's value at from.
type repField struct {
	name   []byte
	from   string
	key    bool
	fields []repField
}

// locator is what nautilus's planner gets as the queryer of a subgraph: the gateway
// never lets nautilus execute, it only reads which subgraph a plan step goes to.
type locator struct{ sg *transport.Client }

func (l locator) Query(context.Context, *graphql.QueryInput, any) error {
	return errors.New("gateway: nautilus must not execute plans")
}

// compile plans one variant of an operation with nautilus, or in federation mode with
// fedplan, and compiles the result.
func (g *graph) compile(o *operation, v *variant) (*plan, error) {
	if g.fed != nil {
		return g.compileFederated(o, v)
	}
	p := &plan{prefix: o.prefix, mutation: o.op.Operation == ast.Mutation}
	var planned []*ast.Field       // root fields for nautilus, in order
	var owners []*transport.Client // for mutations: who owns each planned field
	for _, rf := range o.rootFields(v) {
		if rf.node != nil && rf.node.bad != "" {
			p.errs = append(p.errs, &gqlerror.Error{
				Message:    rf.node.bad,
				Path:       ast.Path{ast.PathName(rf.field.Alias)},
				Extensions: map[string]any{"code": errcode.BadUserInput},
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
			if _, err := p.compileStep(o, ns, nil, &group); err != nil {
				return nil, err
			}
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

// compileStep compiles a nautilus step and its dependents into group. parent is nil
// for a root step.
func (p *plan) compileStep(o *operation, ns *nautilus.QueryPlanStep, parent *step, group *[]*step) (*step, error) {
	loc, ok := ns.Queryer.(locator)
	if !ok {
		return nil, fmt.Errorf("plan step for %s at %v is not a subgraph's", ns.ParentType, ns.InsertionPoint)
	}
	root := parent == nil
	s := &step{index: len(p.steps), sg: loc.sg, root: root}
	p.steps = append(p.steps, s)
	*group = append(*group, s)
	if !root {
		s.deps = []*step{parent}
		parent.dependents = append(parent.dependents, s)
		for _, key := range ns.InsertionPoint {
			s.path = append(s.path, keyElem{key: key})
		}
	}
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
		c, err := p.compileStep(o, child, s, group)
		if err != nil {
			return nil, err
		}
		leaves := reached(&set, child.InsertionPoint[len(ns.InsertionPoint):])
		if len(leaves) == 0 {
			return nil, fmt.Errorf("plan step at %v: no selection to insert into", child.InsertionPoint)
		}
		c.idKey = idKey
		if clientIDs(leaves, idKey) {
			c.idKey = "id" // the client's own id: no field asked for twice
		} else {
			ensureID(leaves, idKey)
		}
	}
	if root {
		s.text = format(&ast.QueryDocument{Operations: ast.OperationList{o.subgraphOperation(set)}})
		p.finishRoot(o, s, set)
		return s, nil
	}
	p.finishLookup(o, s, &ast.FragmentDefinition{Name: o.prefix + "S" + strconv.Itoa(s.index), TypeCondition: ns.ParentType, SelectionSet: set})
	return s, nil
}

// subgraphOperation is an operation of the client's kind and name that selects set,
// declaring the client's variables that set uses.
func (o *operation) subgraphOperation(set ast.SelectionSet) *ast.OperationDefinition {
	op := &ast.OperationDefinition{Operation: o.op.Operation, Name: o.op.Name, SelectionSet: set}
	used := usedVariables(set)
	for _, d := range o.op.VariableDefinitions {
		if used[d.Variable] {
			op.VariableDefinitions = append(op.VariableDefinitions, d)
		}
	}
	return op
}

// finishRoot sets a root step's query and root keys from its document's text and
// selection.
func (p *plan) finishRoot(o *operation, s *step, set ast.SelectionSet) {
	used := usedVariables(set)
	var vars []string
	for _, d := range o.op.VariableDefinitions {
		if used[d.Variable] {
			vars = append(vars, d.Variable)
		}
	}
	s.query = transport.RootQuery(s.text, vars)
	for _, sel := range set {
		if f, ok := sel.(*ast.Field); ok {
			s.rootKeys = append(s.rootKeys, f.Alias)
		}
	}
	p.cost += s.query.Size() + len(s.text)
}

// finishLookup sets a dependent step's query and text from its fragment, and its
// lookup kind.
func (p *plan) finishLookup(o *operation, s *step, frag *ast.FragmentDefinition) {
	used := usedVariables(frag.SelectionSet)
	var vars []transport.Variable
	for _, d := range o.op.VariableDefinitions {
		if used[d.Variable] {
			def := "$" + d.Variable + ":" + d.Type.String()
			if d.DefaultValue != nil {
				// A nullable variable with a default may stand for a non-null argument:
				// the subgraph must see the default too.
				def += "=" + d.DefaultValue.String()
			}
			vars = append(vars, transport.Variable{Name: d.Variable, Definition: def})
		}
	}
	text := format(&ast.QueryDocument{Fragments: ast.FragmentDefinitionList{frag}})
	s.query = transport.LookupQuery(s.lookup, frag.Name, text, vars)
	s.text = text
	p.cost += s.query.Size() + len(text)
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

// reached returns the selection sets that path, a list of response keys, reaches in
// *set, through inline fragments; *set itself for an empty path.
func reached(set *ast.SelectionSet, path []string) []*ast.SelectionSet {
	if len(path) == 0 {
		return []*ast.SelectionSet{set}
	}
	var out []*ast.SelectionSet
	for _, sel := range *set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias == path[0] {
				out = append(out, reached(&s.SelectionSet, path[1:])...)
			}
		case *ast.InlineFragment:
			out = append(out, reached(&s.SelectionSet, path)...)
		}
	}
	return out
}

// clientIDs reports whether every one of leaves, the selection sets a dependent step
// inserts into (reached), selects the client's own `id`: unaliased and unconditional,
// so that it is in every object the set answers. If so, the lookups there read their
// ids from it, and the planner's `key: id` beside it is dropped.
func clientIDs(leaves []*ast.SelectionSet, key string) bool {
	own := func(sel ast.Selection) bool {
		f, ok := sel.(*ast.Field)
		return ok && f.Alias == "id" && f.Name == "id" && len(f.Directives) == 0
	}
	for _, l := range leaves {
		if !slices.ContainsFunc(*l, own) {
			return false
		}
	}
	for _, l := range leaves {
		*l = slices.DeleteFunc(*l, aliased(key))
	}
	return true
}

// ensureID makes every one of leaves select `key: id`.
func ensureID(leaves []*ast.SelectionSet, key string) {
	for _, l := range leaves {
		if !slices.ContainsFunc(*l, aliased(key)) {
			*l = append(*l, &ast.Field{Alias: key, Name: "id"})
		}
	}
}

// aliased matches the fields answered under key.
func aliased(key string) func(ast.Selection) bool {
	return func(sel ast.Selection) bool {
		f, ok := sel.(*ast.Field)
		return ok && f.Alias == key
	}
}
