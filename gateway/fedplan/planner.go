package fedplan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/fedgraph/fedgraph/gateway/supergraph"
)

// The planner walks the client's selection from the root, keeping a position: the
// fetch being built, the selection set in that fetch's document where fields go, the
// type there and the path in the response. A field the position's subgraph resolves
// goes into that selection set; any other makes an entity fetch (or reuses one) at the
// position, to a subgraph that resolves it, reached by a key whose fields the
// position's subgraph has (or, failing that, through intermediate subgraphs, one key
// after another), with the fields the field @requires planned first, from the same
// position, like any selection. A field of a value type (no key) in a root field that
// several subgraphs share is fetched by asking that root field of another subgraph.
// Abstract types are planned per runtime type, except the interface's own fields where a
// subgraph resolves them on the interface.

// ErrUnplannable is wrapped by the error of an operation the supergraph cannot serve: a
// field no subgraph can be reached for.
var ErrUnplannable = errors.New("no subgraph can resolve it from here")

// Build plans an operation of kind over sg. sel is the operation's normalised selection
// (Normalize); prefix starts every alias the planner adds, and no response key of the
// operation may start with it. Root fields named __typename, __schema or __type are left
// to the caller.
func Build(sg *supergraph.Supergraph, kind ast.Operation, sel ast.SelectionSet, prefix string) (*Plan, error) {
	return build(sg, kind, sel, prefix, maxWork)
}

// build is Build with a work budget.
func build(sg *supergraph.Supergraph, kind ast.Operation, sel ast.SelectionSet, prefix string, budget int) (*Plan, error) {
	p := &planner{sg: sg, prefix: prefix, plan: &Plan{}, aliases: map[string]string{}, taken: map[string]bool{},
		entity: map[string][]*fetchState{}, budget: budget}
	root := sg.Schema.Query
	switch kind {
	case ast.Mutation:
		root = sg.Schema.Mutation
	case ast.Subscription:
		root = sg.Schema.Subscription
	}
	if root == nil {
		return nil, fmt.Errorf("fedplan: the supergraph has no %s type", kind)
	}
	p.kind = kind
	if err := p.root(root, sel); err != nil {
		if p.work > p.budget {
			return nil, fmt.Errorf("fedplan: %w", ErrTooComplex)
		}
		return nil, err
	}
	for _, g := range p.plan.Groups {
		for _, f := range g.Fetches {
			f.Selection = prune(f.Selection)
		}
	}
	return p.plan, nil
}

type planner struct {
	sg     *supergraph.Supergraph
	prefix string
	kind   ast.Operation
	plan   *Plan
	group  *groupState
	// aliases maps a field the planner adds (its name and arguments) to its alias;
	// taken holds the aliases given.
	aliases map[string]string
	taken   map[string]bool
	// entity holds the entity fetches by subgraph, path and representation typename,
	// for reuse.
	entity map[string][]*fetchState
	// work counts the fields planned and the routes weighed, against budget.
	work, budget int
}

// maxWork bounds what planning one operation may weigh: whatever the supergraph (a
// cycle of @requires, say) and the operation, planning ends. Each of the federation
// audit's queries weighs at most 57; an operation of the front's 500 fields over a
// supergraph of dozens of subgraphs stays far below.
const maxWork = 50_000

// ErrTooComplex is wrapped by the error of an operation whose planning would weigh more
// than maxWork.
var ErrTooComplex = errors.New("planning it would take too long")

// spend counts one unit of work and reports whether planning may go on.
func (pl *planner) spend() bool {
	pl.work++
	return pl.work <= pl.budget
}

type groupState struct {
	g     *Group
	roots map[*supergraph.Graph]*fetchState
}

// fetchState is a fetch being built.
type fetchState struct {
	f     *Fetch
	group *groupState
	// frags are an entity fetch's inline fragments, by typename.
	frags map[string]*ast.InlineFragment
	// after are the fetches this one waits for, directly or not.
	after map[*fetchState]bool
}

func (fs *fetchState) graph() *supergraph.Graph { return fs.f.Graph }

// dependsOn reports whether fs waits for other, directly or not.
func (fs *fetchState) dependsOn(other *fetchState) bool { return fs.after[other] }

// addDeps makes fs wait for deps (which must not wait for fs).
func (fs *fetchState) addDeps(deps fetchSet) {
	for d := range deps {
		if d == fs || slices.Contains(fs.f.Deps, d.f) {
			continue
		}
		fs.f.Deps = append(fs.f.Deps, d.f)
		fs.after[d] = true
		for a := range d.after {
			fs.after[a] = true
		}
	}
	slices.SortFunc(fs.f.Deps, func(a, b *Fetch) int { return a.Index - b.Index })
}

// fetchSet is a set of fetches: those that bring some data.
type fetchSet map[*fetchState]bool

func (s fetchSet) add(o fetchSet) fetchSet {
	for f := range o {
		s[f] = true
	}
	return s
}

// pos is a position in the plan: where the fields of one selection set go.
type pos struct {
	fs  *fetchState
	set *ast.SelectionSet
	// typ is the supergraph type of the objects here, as the subgraph sees them.
	typ *ast.Definition
	// path is the response path of the objects here.
	path []PathElem
	// top is set at the top of an entity fetch: the objects came from the fetches it
	// waits for, with their typename, which must not be asked again (an interface
	// object would answer the interface's name).
	top bool
	// provided are the fields of typ the subgraph resolves here although they are
	// external (@provides on a parent field).
	provided ast.SelectionSet
	// anc are the object positions above this one, nearest last, each with the fields
	// from it to here: another subgraph may reach this position from one of them.
	anc []ancestor
	// untyped is set where the objects come from a subgraph that resolves typ, an
	// interface, as an interface object: it cannot tell their runtime type, so the
	// planner does not ask it for their typename.
	untyped bool
	// root is set at the root of a root fetch.
	root bool
	// src is, at the top of an entity fetch, the position its objects came from: the
	// ancestor that fields below are best reached from, where the objects' keys are.
	src *pos
	// under is the abstract type of the position a per-type fragment position is under.
	under *ast.Definition
	// requiresMet is set at the top of an entity fetch made for a field that @requires
	// fields: its representations carry them.
	requiresMet bool
	// client is the client's fields here, grouped (collect), where set plans them into
	// set; nil elsewhere.
	client []*fieldGroup
	// sources are the subgraphs that could bring the objects here: those that resolve
	// the field they are the value of, where its parent's objects could be had (from
	// that parent's sources, or by a key). nil at the root.
	sources []*supergraph.Graph
}

// ancestor is an object position above another, and the fields between.
type ancestor struct {
	p     pos
	chain []chainElem
}

type chainElem struct {
	field *ast.Field // the client's field (alias, name, arguments)
	cond  string     // the type condition the field's objects are taken under, if any
}

// maxAncestors bounds the ancestors a position keeps.
const maxAncestors = 4

// below returns the ancestors of the objects of field f at p.
func (p pos) below(f *ast.Field) []ancestor {
	out := make([]ancestor, 0, min(len(p.anc)+1, maxAncestors))
	for _, a := range p.anc[max(0, len(p.anc)+1-maxAncestors):] {
		out = append(out, ancestor{p: a.p, chain: append(slices.Clip(a.chain), chainElem{field: f})})
	}
	if !p.typ.IsAbstractType() {
		anc := p
		for anc.src != nil {
			anc = *anc.src
		}
		anc.anc = nil
		out = append(out, ancestor{p: anc, chain: []chainElem{{field: f}}})
	}
	return out
}

// under returns ancestors whose chains end with objects taken as type cond.
func under(anc []ancestor, cond string) []ancestor {
	out := make([]ancestor, len(anc))
	for i, a := range anc {
		a.chain = slices.Clone(a.chain)
		a.chain[len(a.chain)-1].cond = cond
		out[i] = a
	}
	return out
}

func (p pos) graph() *supergraph.Graph { return p.fs.graph() }

func (pl *planner) root(rootType *ast.Definition, sel ast.SelectionSet) error {
	fields := pl.collect(rootType, sel)
	var prev *supergraph.Graph
	for _, grp := range fields {
		f := grp.field
		switch f.Name {
		case "__typename", "__schema", "__type":
			continue
		}
		g, err := pl.rootGraph(rootType, f, grp.sub)
		if err != nil {
			return err
		}
		if pl.group == nil || (pl.kind == ast.Mutation && g != prev) {
			pl.newGroup()
		}
		prev = g
		fs := pl.rootFetch(g)
		p := pos{fs: fs, set: &fs.f.Selection, typ: rootType, root: true}
		if _, err := pl.field(p, rootType, f, grp.sub); err != nil {
			return err
		}
	}
	return nil
}

func (pl *planner) newGroup() {
	pl.group = &groupState{g: &Group{}, roots: map[*supergraph.Graph]*fetchState{}}
	pl.plan.Groups = append(pl.plan.Groups, pl.group.g)
}

func (pl *planner) rootFetch(g *supergraph.Graph) *fetchState {
	if fs := pl.group.roots[g]; fs != nil {
		return fs
	}
	fs := pl.newFetch(g)
	fs.f.Root = true
	pl.group.roots[g] = fs
	return fs
}

func (pl *planner) newFetch(g *supergraph.Graph) *fetchState {
	f := &Fetch{Index: len(pl.plan.Fetches), Graph: g}
	pl.plan.Fetches = append(pl.plan.Fetches, f)
	pl.group.g.Fetches = append(pl.group.g.Fetches, f)
	return &fetchState{f: f, group: pl.group, after: map[*fetchState]bool{}}
}

// rootGraph chooses the subgraph of a root field: of those that resolve it, the one
// already asked in this group, else the one that resolves most of its selection itself,
// else the first.
func (pl *planner) rootGraph(rootType *ast.Definition, f *ast.Field, sub ast.SelectionSet) (*supergraph.Graph, error) {
	fd := pl.sg.Field(rootType.Name, f.Name)
	if fd == nil {
		return nil, fmt.Errorf("fedplan: %s.%s: no such field in the supergraph", rootType.Name, f.Name)
	}
	var best *supergraph.Graph
	bestScore := -1
	for _, fg := range fd.Graphs {
		if !fg.Resolvable() {
			continue
		}
		score := 0
		if t := pl.sg.Schema.Types[fg.Type.Name()]; t != nil {
			score = pl.localScore(fg.Graph, t, sub, fg.Provides, 2)
			if t.IsAbstractType() {
				// The subgraph that can return the most runtime types first: another may
				// answer null for an object it does not have (a node id of another type).
				score += 100 * len(pl.possible(t, fg.Graph))
			}
		}
		if pl.group != nil && pl.group.roots[fg.Graph] != nil && pl.kind != ast.Mutation {
			score += 1000
		}
		if score > bestScore {
			best, bestScore = fg.Graph, score
		}
	}
	if best == nil {
		return nil, fmt.Errorf("fedplan: %s.%s: %w", rootType.Name, f.Name, ErrUnplannable)
	}
	return best, nil
}

// localScore counts the fields of sel, to depth levels, that g resolves itself or that
// provided (what the field above provides in g, on type t's level) says it returns.
func (pl *planner) localScore(g *supergraph.Graph, t *ast.Definition, sel, provided ast.SelectionSet, depth int) int {
	if depth == 0 {
		return 0
	}
	n := 0
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			fd := pl.sg.Field(t.Name, s.Name)
			if fd == nil {
				continue
			}
			fg := fd.In(g)
			if !fg.Resolvable() && !provides(provided, t, s.Name, pl) {
				continue
			}
			n++
			if ft := pl.sg.Schema.Types[fd.Def.Type.Name()]; ft != nil && len(s.SelectionSet) > 0 {
				below := pl.providedBelow(pos{provided: provided}, t, s.Name, fg)
				n += pl.localScore(g, ft, s.SelectionSet, below, depth-1)
			}
		case *ast.InlineFragment:
			if ft := pl.sg.Schema.Types[s.TypeCondition]; ft != nil {
				n += pl.localScore(g, ft, s.SelectionSet, provided, depth)
			}
		}
	}
	return n
}

// fieldGroup is the fields of one response key, with their selections merged.
type fieldGroup struct {
	field *ast.Field
	sub   ast.SelectionSet
}

// collect is CollectFields for objects of type t: the fields of sel, and of its inline
// fragments whose type condition t satisfies, grouped by response key in order.
func (pl *planner) collect(t *ast.Definition, sel ast.SelectionSet) []*fieldGroup {
	var out []*fieldGroup
	byKey := map[string]*fieldGroup{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				g := byKey[s.Alias]
				if g == nil {
					g = &fieldGroup{field: s}
					byKey[s.Alias] = g
					out = append(out, g)
				}
				g.sub = append(g.sub, s.SelectionSet...)
			case *ast.InlineFragment:
				if pl.satisfies(t, s.TypeCondition) {
					walk(s.SelectionSet)
				}
			}
		}
	}
	walk(sel)
	return out
}

// satisfies reports whether objects of type t match a type condition.
func (pl *planner) satisfies(t *ast.Definition, cond string) bool {
	if cond == "" || cond == t.Name {
		return true
	}
	c := pl.sg.Schema.Types[cond]
	if c == nil || !c.IsAbstractType() {
		return false
	}
	if t.IsAbstractType() {
		return false // an abstract position takes other abstract conditions per runtime type
	}
	for _, pt := range pl.sg.Schema.GetPossibleTypes(c) {
		if pt.Name == t.Name {
			return true
		}
	}
	return false
}

// set plans a selection at a position.
func (pl *planner) set(p pos, sel ast.SelectionSet) (fetchSet, error) {
	if p.typ.IsAbstractType() {
		return pl.abstract(p, sel)
	}
	out := fetchSet{}
	p.client = pl.collect(p.typ, sel)
	for _, grp := range p.client {
		got, err := pl.field(p, p.typ, grp.field, grp.sub)
		if err != nil {
			return nil, err
		}
		out.add(got)
	}
	return out, nil
}

// field plans one field (with its merged selection sub) of objects of type t at p, and
// returns the fetches that bring it.
func (pl *planner) field(p pos, t *ast.Definition, f *ast.Field, sub ast.SelectionSet) (fetchSet, error) {
	if !pl.spend() {
		return nil, fmt.Errorf("fedplan: %w", ErrTooComplex)
	}
	if f.Name == "__typename" {
		return fetchSet{}, nil // the answer writes it from the runtime type
	}
	fg, ok := pl.local(p, t, f.Name)
	if !ok {
		return pl.jump(p, t, f, sub)
	}
	dst := addField(p.set, pl.asked(p, t, f, fg))
	out := fetchSet{p.fs: true}
	if len(sub) == 0 {
		if d := pl.sg.Schema.Types[fg.Type.Name()]; d != nil && d.IsCompositeType() && len(dst.SelectionSet) == 0 {
			// Every field of the selection skipped: a composite field must select something.
			addTypename(&dst.SelectionSet, pl.prefix)
		}
		return out, nil
	}
	ft := pl.sg.Schema.Types[fg.Type.Name()]
	if ft == nil {
		return nil, fmt.Errorf("fedplan: %s.%s: unknown type %s", t.Name, f.Name, fg.Type.Name())
	}
	child := pos{fs: p.fs, set: &dst.SelectionSet, typ: ft, path: appendPath(p.path, PathElem{Key: f.Alias}),
		provided: pl.providedBelow(p, t, f.Name, fg), sources: pl.sources(p, t, f.Name)}
	child.anc = p.below(f)
	if sup := pl.sg.Schema.Types[f.Definition.Type.Name()]; sup != nil && sup.IsAbstractType() && !ft.IsAbstractType() {
		// The subgraph's type is one implementation of the supergraph's abstract type:
		// the answer still needs the runtime type.
		addTypename(child.set, pl.prefix)
	}
	got, err := pl.set(child, sub)
	if err != nil {
		return nil, err
	}
	if len(dst.SelectionSet) == 0 {
		// Only __typename, which the answer writes, or fields other fetches bring: a
		// composite field must select something.
		addTypename(&dst.SelectionSet, pl.prefix)
	}
	return out.add(got), nil
}

// asked returns the field as p's fetch asks it: f itself, or, where a same-named field
// of another runtime type of the abstract position p is under has a type of another
// shape in this subgraph, f under an alias of its own, which a Rename of the fetch
// restores.
func (pl *planner) asked(p pos, t *ast.Definition, f *ast.Field, fg *supergraph.FieldInGraph) *ast.Field {
	if p.under == nil || !pl.shapesDiffer(p.under, p.graph(), f.Name) {
		return f
	}
	c := *f
	c.Alias = pl.prefix + "_" + f.Alias + "_" + shapeTag(fg.Type)
	rel := p.path[min(len(p.fs.f.Path), len(p.path)):]
	r := Rename{Path: slices.Clone(rel), Type: t.Name, From: c.Alias, To: f.Alias}
	if !slices.ContainsFunc(p.fs.f.Renames, func(x Rename) bool {
		return x.Type == r.Type && x.From == r.From && PathString(x.Path) == PathString(r.Path)
	}) {
		p.fs.f.Renames = append(p.fs.f.Renames, r)
	}
	return &c
}

// shapesDiffer reports whether the runtime types of abstract type a in subgraph g
// declare field name with types of different shapes (nullability, lists, leaf type).
func (pl *planner) shapesDiffer(a *ast.Definition, g *supergraph.Graph, name string) bool {
	seen := ""
	for _, x := range pl.possible(a, g) {
		fd := pl.sg.Field(x.Name, name)
		if fd == nil || fd.In(g) == nil {
			continue
		}
		sh := pl.shape(fd.In(g).Type)
		if seen != "" && sh != seen {
			return true
		}
		seen = sh
	}
	return false
}

// shape is a type's response shape: its wrappers and, for a leaf, its name.
func (pl *planner) shape(t *ast.Type) string {
	if t.Elem != nil {
		s := "[" + pl.shape(t.Elem) + "]"
		if t.NonNull {
			s += "!"
		}
		return s
	}
	name := t.NamedType
	if d := pl.sg.Schema.Types[name]; d != nil && d.IsCompositeType() {
		name = "{}"
	}
	if t.NonNull {
		name += "!"
	}
	return name
}

// shapeTag writes a type as letters and digits, for an alias.
func shapeTag(t *ast.Type) string {
	return strings.NewReplacer("!", "n", "[", "l", "]", "").Replace(t.String())
}

// sources returns the subgraphs that could bring the objects of field name of objects
// of type t at p (see pos.sources).
func (pl *planner) sources(p pos, t *ast.Definition, name string) []*supergraph.Graph {
	fd := pl.sg.Field(t.Name, name)
	tt := pl.sg.Types[t.Name]
	out := []*supergraph.Graph{p.graph()}
	if fd == nil {
		return out
	}
	for _, fg := range fd.Graphs {
		g := fg.Graph
		if !fg.Resolvable() || g == p.graph() {
			continue
		}
		entity := tt != nil && tt.In(g) != nil && hasResolvableKey(tt.In(g))
		if p.root || slices.Contains(p.sources, g) || entity {
			out = append(out, g)
		}
	}
	return out
}

// local reports whether p's subgraph resolves field name of objects of type t at p in
// the fetch of p: it resolves it, and the fields it @requires are had there too (a
// parent's @provides); a field whose requirements are not must be asked by an entity
// fetch, whose representations carry them.
func (pl *planner) local(p pos, t *ast.Definition, name string) (*supergraph.FieldInGraph, bool) {
	fg, ok := pl.resolvable(p, t, name)
	if !ok || len(fg.Requires) == 0 || p.requiresMet {
		return fg, ok
	}
	return fg, pl.canResolve(p, t, fg.Requires)
}

// resolvable reports whether p's subgraph resolves field name of objects of type t at
// p, and how it declares it.
func (pl *planner) resolvable(p pos, t *ast.Definition, name string) (*supergraph.FieldInGraph, bool) {
	fd := pl.sg.Field(t.Name, name)
	if fd == nil {
		return nil, false
	}
	fg := fd.In(p.graph())
	if fg.Resolvable() {
		return fg, true
	}
	if fg != nil && fg.External && provides(p.provided, t, name, pl) {
		return fg, true
	}
	return fg, false
}

// provides reports whether a provided selection (on the position's type) holds field
// name for objects of type t.
func provides(set ast.SelectionSet, t *ast.Definition, name string, pl *planner) bool {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == name {
				return true
			}
		case *ast.InlineFragment:
			if pl.satisfies(t, s.TypeCondition) && provides(s.SelectionSet, t, name, pl) {
				return true
			}
		}
	}
	return false
}

// providedBelow returns what is provided on the objects of field name: the field's own
// @provides in this subgraph, or what a parent's @provides says below it.
func (pl *planner) providedBelow(p pos, t *ast.Definition, name string, fg *supergraph.FieldInGraph) ast.SelectionSet {
	if fg != nil && len(fg.Provides) > 0 {
		return fg.Provides
	}
	var out ast.SelectionSet
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if s.Name == name {
					out = append(out, s.SelectionSet...)
				}
			case *ast.InlineFragment:
				if pl.satisfies(t, s.TypeCondition) {
					walk(s.SelectionSet)
				}
			}
		}
	}
	walk(p.provided)
	return out
}

// abstract plans a selection on an interface or union: the typename for the answer,
// the interface's own fields on the interface where the subgraph resolves them (or
// where another subgraph resolves them for every implementation), and the rest per
// runtime type the subgraph can return here.
func (pl *planner) abstract(p pos, sel ast.SelectionSet) (fetchSet, error) {
	a := p.typ
	g := p.graph()
	at := pl.sg.Types[a.Name]
	if at == nil {
		return nil, fmt.Errorf("fedplan: unknown type %s", a.Name)
	}
	own, frags := pl.splitAbstract(a, sel)
	if tg := at.In(g); tg != nil && tg.InterfaceObject {
		p.untyped = !p.top
		return pl.interfaceObject(p, at, own, frags)
	}
	if !p.top {
		addTypename(p.set, pl.prefix)
	}
	out := fetchSet{p.fs: true}
	possible := pl.possible(a, g)
	// A field that several subgraphs could bring here may come from any of them: only
	// the runtime types they all have are planned for (the objects of another answer
	// their typename, and null for the rest).
	for _, src := range p.sources {
		if src != g {
			other := pl.possible(a, src)
			possible = slices.DeleteFunc(possible, func(x *ast.Definition) bool { return !slices.Contains(other, x) })
		}
	}
	perType := map[string]ast.SelectionSet{}
	for _, grp := range pl.collect(a, own) {
		f := grp.field
		if f.Name == "__typename" {
			continue
		}
		if a.Kind == ast.Interface {
			if pl.interfaceResolvable(p, a, possible, f.Name) {
				got, err := pl.field(p, a, f, grp.sub)
				if err != nil {
					return nil, err
				}
				out.add(got)
				continue
			}
			if pl.interfaceJumpable(a, f.Name) {
				got, err := pl.jumpInterface(p, at, possible, f, grp.sub)
				if err != nil {
					return nil, err
				}
				out.add(got)
				continue
			}
		}
		// Each runtime type resolves it on its own, and every one must: the subgraph
		// may return any of them here.
		if len(possible) == 0 {
			return nil, fmt.Errorf("fedplan: %s.%s at %s: %w", a.Name, f.Name, PathString(p.path), ErrUnplannable)
		}
		for _, x := range possible {
			xp := pos{fs: p.fs, typ: x, path: withTypes(p.path, x.Name), provided: p.provided, top: p.top, anc: under(p.anc, x.Name)}
			if _, ok := pl.local(xp, x, f.Name); ok {
				continue
			}
			if _, ok := pl.decide(xp, x, f.Name, grp.sub, 0, map[string]bool{noAncestors: true}); !ok {
				return nil, fmt.Errorf("fedplan: %s.%s for %s at %s: %w", a.Name, f.Name, x.Name, PathString(p.path), ErrUnplannable)
			}
		}
		c := &ast.Field{Alias: f.Alias, Name: f.Name, Arguments: f.Arguments, Directives: f.Directives,
			Definition: f.Definition, SelectionSet: grp.sub}
		for _, x := range possible {
			perType[x.Name] = append(perType[x.Name], c)
		}
	}
	for _, x := range possible {
		sub := perType[x.Name]
		for _, fr := range frags {
			if pl.satisfies(x, fr.TypeCondition) {
				sub = append(sub, fr.SelectionSet...)
			}
		}
		if len(sub) == 0 {
			continue
		}
		frag := inlineFragment(p.set, x.Name)
		child := pos{fs: p.fs, set: &frag.SelectionSet, typ: x, path: withTypes(p.path, x.Name), provided: p.provided, top: p.top,
			anc: under(p.anc, x.Name), sources: p.sources, under: a}
		got, err := pl.set(child, sub)
		if err != nil {
			return nil, err
		}
		out.add(got)
	}
	return out, nil
}

// interfaceResolvable reports whether p's subgraph resolves an interface's field on the
// interface: it declares the field on it, and every implementation it has resolves it.
func (pl *planner) interfaceResolvable(p pos, a *ast.Definition, possible []*ast.Definition, name string) bool {
	if _, ok := pl.local(p, a, name); !ok {
		return false
	}
	for _, x := range possible {
		if _, ok := pl.local(p, x, name); !ok {
			return false
		}
	}
	return true
}

// splitAbstract splits a selection on abstract type a into what applies to every object
// of a (its fields, and the contents of fragments on a or on an interface a implements)
// and the fragments on other types.
func (pl *planner) splitAbstract(a *ast.Definition, sel ast.SelectionSet) (own ast.SelectionSet, frags []*ast.InlineFragment) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			own = append(own, s)
		case *ast.InlineFragment:
			if s.TypeCondition == "" || s.TypeCondition == a.Name || slices.Contains(a.Interfaces, s.TypeCondition) {
				o, f := pl.splitAbstract(a, s.SelectionSet)
				own = append(own, o...)
				frags = append(frags, f...)
				continue
			}
			frags = append(frags, s)
		}
	}
	return own, frags
}

// possible returns the object types a subgraph can return where it returns abstract type
// a: its implementations or members in that subgraph, in name order.
func (pl *planner) possible(a *ast.Definition, g *supergraph.Graph) []*ast.Definition {
	var out []*ast.Definition
	at := pl.sg.Types[a.Name]
	switch a.Kind {
	case ast.Union:
		if tg := at.In(g); tg != nil {
			for _, m := range tg.Members {
				if d := pl.sg.Schema.Types[m]; d != nil && d.Kind == ast.Object {
					out = append(out, d)
				}
			}
		}
	case ast.Interface:
		for _, d := range pl.sg.Schema.GetPossibleTypes(a) {
			t := pl.sg.Types[d.Name]
			if t == nil || d.Kind != ast.Object {
				continue
			}
			if tg := t.In(g); tg != nil && slices.Contains(tg.Implements, a.Name) {
				out = append(out, d)
			}
		}
	}
	slices.SortFunc(out, func(x, y *ast.Definition) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// interfaceJumpable reports whether some subgraph resolves an interface's field for every
// implementation: an interface object, or an interface entity.
func (pl *planner) interfaceJumpable(a *ast.Definition, name string) bool {
	at := pl.sg.Types[a.Name]
	fd := pl.sg.Field(a.Name, name)
	if at == nil || fd == nil {
		return false
	}
	for _, fg := range fd.Graphs {
		if tg := at.In(fg.Graph); fg.Resolvable() && tg != nil && hasResolvableKey(tg) {
			return true
		}
	}
	return false
}

func hasResolvableKey(tg *supergraph.TypeInGraph) bool {
	for _, k := range tg.Keys {
		if k.Resolvable {
			return true
		}
	}
	return false
}

// interfaceObject plans a selection on objects that a subgraph returns as an interface
// object: their typename is the interface's. The interface's fields resolve on it,
// here or in another subgraph that has the interface as an entity; anything that
// depends on the runtime type (a fragment on an implementation, __typename) first asks a
// subgraph that knows the implementations for the objects' typename.
func (pl *planner) interfaceObject(p pos, at *supergraph.Type, own ast.SelectionSet, frags []*ast.InlineFragment) (fetchSet, error) {
	a := at.Def
	out := fetchSet{p.fs: true}
	var concrete ast.SelectionSet
	for _, fr := range frags {
		concrete = append(concrete, fr)
	}
	for _, grp := range pl.collect(a, own) {
		if grp.field.Name == "__typename" {
			concrete = append(concrete, grp.field)
			continue
		}
		var got fetchSet
		var err error
		if _, ok := pl.local(p, a, grp.field.Name); ok {
			got, err = pl.field(p, a, grp.field, grp.sub)
		} else {
			got, err = pl.jumpInterface(p, at, nil, grp.field, grp.sub)
		}
		if err != nil {
			return nil, err
		}
		out.add(got)
	}
	if len(concrete) == 0 {
		return out, nil
	}
	// The runtime type: from a subgraph where the interface is an entity with its
	// implementations.
	for _, tg := range at.Graphs {
		if tg.InterfaceObject || tg.Graph == p.graph() {
			continue
		}
		key, ok := pl.availableKey(p, a, tg)
		if !ok {
			continue
		}
		e, err := pl.entityFetch(p, tg.Graph, a.Name, pl.runtimeTypes(a), key, nil, fetchSet{p.fs: true})
		if err != nil {
			return nil, err
		}
		set := &e.frag(a.Name).SelectionSet
		addTypename(set, pl.prefix)
		child := pos{fs: e, set: set, typ: a, path: p.path, top: true}
		got, err := pl.abstract(child, concrete)
		if err != nil {
			return nil, err
		}
		return out.add(got).add(fetchSet{e: true}), nil
	}
	return nil, fmt.Errorf("fedplan: the runtime type of %s objects at %s: %w", a.Name, PathString(p.path), ErrUnplannable)
}

// runtimeTypes returns the runtime types objects of abstract type a may have: its
// possible types, in name order.
func (pl *planner) runtimeTypes(a *ast.Definition) []*ast.Definition {
	out := slices.Clone(pl.sg.Schema.GetPossibleTypes(a))
	slices.SortFunc(out, func(x, y *ast.Definition) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// jumpInterface plans an interface's field that another subgraph resolves on the
// interface (an interface object or an interface entity) for objects of any of the
// possible runtime types (nil: objects whose typename is the interface's).
func (pl *planner) jumpInterface(p pos, at *supergraph.Type, possible []*ast.Definition, f *ast.Field, sub ast.SelectionSet) (fetchSet, error) {
	a := at.Def
	fd := pl.sg.Field(a.Name, f.Name)
	runtime := possible
	if p.untyped || possible == nil {
		// Objects from an interface object have no typename until a subgraph that
		// knows the implementations has answered; then they have their own.
		runtime = pl.runtimeTypes(a)
	}
	for _, fg := range fd.Graphs {
		tg := at.In(fg.Graph)
		if !fg.Resolvable() || tg == nil || (fg.Graph == p.graph() && len(fg.Requires) == 0) {
			continue
		}
		key, ok := pl.availableKey(p, a, tg)
		if !ok {
			continue
		}
		keyDeps := fetchSet{p.fs: true}
		var reps []RepField
		deps := fetchSet{}
		deps.add(keyDeps)
		if len(fg.Requires) > 0 {
			got, fields, err := pl.requires(p, a, fg.Requires)
			if err != nil {
				return nil, err
			}
			deps.add(got)
			reps = fields
		}
		e, err := pl.entityFetch(p, fg.Graph, a.Name, runtime, key, reps, deps)
		if err != nil {
			return nil, err
		}
		ep := pos{fs: e, set: &e.frag(a.Name).SelectionSet, typ: a, path: p.path, top: true, requiresMet: true}
		got, err := pl.field(ep, a, f, sub)
		if err != nil {
			return nil, err
		}
		return got.add(fetchSet{e: true}), nil
	}
	return nil, fmt.Errorf("fedplan: %s.%s at %s: %w", a.Name, f.Name, PathString(p.path), ErrUnplannable)
}

// availableKey returns a resolvable key of tg's type whose fields p's subgraph has for
// objects of type t here, with them planned at p.
func (pl *planner) availableKey(p pos, t *ast.Definition, tg *supergraph.TypeInGraph) ([]RepField, bool) {
	for _, k := range tg.Keys {
		if k.Resolvable && pl.canResolve(p, t, k.Set) {
			return pl.keyFields(p, t, k.Set), true
		}
	}
	return nil, false
}

// keyFields plans a key's fields at p, where the subgraph resolves them all, and returns
// them as representation fields. A key field the client asks here itself is read from
// the client's field (clientAsks), not asked again under the planner's alias.
func (pl *planner) keyFields(p pos, t *ast.Definition, set ast.SelectionSet) []RepField {
	var reps []RepField
	var rest ast.SelectionSet
	for _, s := range set {
		if f, ok := s.(*ast.Field); ok && pl.clientAsks(p, t, f) {
			reps = append(reps, RepField{Name: f.Name, From: f.Name, Key: true})
			continue
		}
		rest = append(rest, s)
	}
	if len(rest) == 0 {
		return reps
	}
	aliased, more := pl.internal(rest, true)
	// The fields are local (canResolve said so): planning cannot jump.
	kp := p
	kp.typ = t
	if _, err := pl.set(kp, aliased); err != nil {
		panic(fmt.Sprintf("fedplan: key fields that resolve locally did not plan: %v", err))
	}
	return append(reps, more...)
}

// clientAsks reports whether the client's own fields at p, planned into p's set, have
// key field f as it is: a leaf without arguments, under its own name, without
// directives, that p's subgraph resolves on objects of type t. Its value is then the
// key's, in every object the fetch answers here.
func (pl *planner) clientAsks(p pos, t *ast.Definition, f *ast.Field) bool {
	if p.typ != t || p.under != nil || f.Name == "__typename" || len(f.Arguments) > 0 || len(f.SelectionSet) > 0 {
		return false
	}
	if _, ok := pl.local(p, t, f.Name); !ok {
		return false
	}
	for _, g := range p.client {
		if c := g.field; c.Alias == f.Name {
			return c.Name == f.Name && len(c.Arguments) == 0 && len(c.Directives) == 0
		}
	}
	return false
}

// canResolve reports whether p's subgraph resolves every field of set on objects of type
// t at p, without another fetch.
func (pl *planner) canResolve(p pos, t *ast.Definition, set ast.SelectionSet) bool {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				continue
			}
			fg, ok := pl.resolvable(p, t, s.Name)
			if !ok {
				return false
			}
			if len(s.SelectionSet) > 0 {
				ft := pl.sg.Schema.Types[fg.Type.Name()]
				if ft == nil {
					return false
				}
				child := pos{fs: p.fs, typ: ft, provided: pl.providedBelow(p, t, s.Name, fg)}
				if !pl.canResolve(child, ft, s.SelectionSet) {
					return false
				}
			}
		case *ast.InlineFragment:
			if !pl.canResolve(p, t, s.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// internal returns a copy of a field set from the supergraph (a key, @requires) whose
// fields have the planner's aliases, and the representation fields that read it.
func (pl *planner) internal(set ast.SelectionSet, key bool) (ast.SelectionSet, []RepField) {
	var out ast.SelectionSet
	var reps []RepField
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				reps = append(reps, RepField{Name: "__typename", From: TypenameKey(pl.prefix)})
				continue
			}
			c := &ast.Field{Name: s.Name, Arguments: s.Arguments, Definition: s.Definition, ObjectDefinition: s.ObjectDefinition}
			c.Alias = pl.alias(s)
			rf := RepField{Name: s.Name, From: c.Alias, Key: key}
			if len(s.SelectionSet) > 0 {
				c.SelectionSet, rf.Fields = pl.internal(s.SelectionSet, key)
				if t := s.Definition.Type.Name(); pl.sg.Schema.Types[t] != nil && pl.sg.Schema.Types[t].IsAbstractType() {
					rf.Fields = append([]RepField{{Name: "__typename", From: TypenameKey(pl.prefix)}}, rf.Fields...)
				}
			}
			out = append(out, c)
			reps = append(reps, rf)
		case *ast.InlineFragment:
			sub, subReps := pl.internal(s.SelectionSet, key)
			out = append(out, &ast.InlineFragment{TypeCondition: s.TypeCondition, ObjectDefinition: s.ObjectDefinition, SelectionSet: sub})
			for _, r := range subReps {
				if !slices.ContainsFunc(reps, func(x RepField) bool { return x.Name == r.Name && x.From == r.From }) {
					reps = append(reps, r)
				}
			}
		}
	}
	return out, reps
}

// alias returns the planner's alias of a field (its name and arguments): prefix_name,
// with a number when the name is taken by the same field with other arguments.
func (pl *planner) alias(f *ast.Field) string {
	id := f.Name + argsText(f.Arguments)
	if a, ok := pl.aliases[id]; ok {
		return a
	}
	a := pl.prefix + "_" + f.Name
	for n := 1; pl.taken[a]; n++ {
		a = pl.prefix + "_" + f.Name + strconv.Itoa(n)
	}
	pl.aliases[id] = a
	pl.taken[a] = true
	return a
}

func argsText(args ast.ArgumentList) string {
	if len(args) == 0 {
		return ""
	}
	var b strings.Builder
	f := formatter.NewFormatter(&b)
	f.FormatQueryDocument(&ast.QueryDocument{Operations: ast.OperationList{{Operation: ast.Query,
		SelectionSet: ast.SelectionSet{&ast.Field{Name: "x", Arguments: args}}}}})
	return b.String()
}

// requires plans the fields an entity fetch @requires, at p, and returns the fetches
// that bring them and the representation fields that read them.
func (pl *planner) requires(p pos, t *ast.Definition, set ast.SelectionSet) (fetchSet, []RepField, error) {
	aliased, reps := pl.internal(set, false)
	rp := p
	rp.typ = t
	got, err := pl.set(rp, aliased)
	if err != nil {
		return nil, nil, err
	}
	return got, reps, nil
}

func entityKey(g *supergraph.Graph, path []PathElem, typename string) string {
	return g.Name + "\x00" + PathString(path) + "\x00" + typename
}

func (pl *planner) hasEntityFetch(p pos, g *supergraph.Graph, typename string) bool {
	for _, e := range pl.entity[entityKey(g, p.path, typename)] {
		if e.group == pl.group {
			return true
		}
	}
	return false
}

// entityFetch returns an entity fetch to subgraph g for the objects at p of the given
// runtime types, represented as typename with key and required fields reps, that waits
// for deps: an existing one where the representation and the dependencies allow, else a
// new one.
func (pl *planner) entityFetch(p pos, g *supergraph.Graph, typename string, runtime []*ast.Definition, key, reps []RepField, deps fetchSet) (*fetchState, error) {
	types := make([]string, 0, len(runtime)+1)
	if p.untyped {
		types = append(types, "")
	}
	for _, rt := range runtime {
		types = append(types, rt.Name)
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("fedplan: no runtime types for %s at %s", typename, PathString(p.path))
	}
	static := pl.concrete(p)
	if !p.top && !p.untyped && !static {
		addTypename(p.set, pl.prefix)
	}
	fields := slices.Concat(key, reps)
	k := entityKey(g, p.path, typename)
	var e *fetchState
	for _, cand := range pl.entity[k] {
		if cand.group != pl.group || !compatible(cand, types, fields) {
			continue
		}
		cyclic := false
		for d := range deps {
			if d == cand || d.dependsOn(cand) {
				cyclic = true
			}
		}
		if !cyclic {
			e = cand
			break
		}
	}
	if e == nil {
		e = pl.newFetch(g)
		e.f.Path = slices.Clone(p.path)
		e.frags = map[string]*ast.InlineFragment{}
		pl.entity[k] = append(pl.entity[k], e)
	}
	e.addDeps(deps)
	for _, rt := range types {
		var ent *Entity
		for _, x := range e.f.Entities {
			if x.Type == rt {
				ent = x
			}
		}
		if ent == nil {
			ent = &Entity{Type: rt, Typename: typename}
			e.f.Entities = append(e.f.Entities, ent)
		}
		ent.Static = ent.Static || static && rt == p.typ.Name
		for _, rf := range fields {
			if !slices.ContainsFunc(ent.Fields, func(x RepField) bool { return x.Name == rf.Name }) {
				ent.Fields = append(ent.Fields, rf)
			}
		}
	}
	return e, nil
}

// concrete reports whether every object at p is of p's type, so that its runtime type
// need not be asked: an object type, not a per-type position under an abstract one or
// one an interface object brings, and no type condition on the path's last step.
func (pl *planner) concrete(p pos) bool {
	if p.untyped || p.under != nil || p.typ.Kind != ast.Object {
		return false
	}
	n := len(p.path)
	return n == 0 || len(p.path[n-1].Types) == 0
}

// compatible reports whether an entity fetch can take more fields of objects of the
// given runtime types whose representation needs fields: no representation field of the
// same name read from elsewhere (a field required with other arguments).
func compatible(e *fetchState, types []string, fields []RepField) bool {
	for _, x := range e.f.Entities {
		if !slices.Contains(types, x.Type) {
			continue
		}
		for _, rf := range fields {
			for _, have := range x.Fields {
				if have.Name == rf.Name && !sameRep(have, rf) {
					return false
				}
			}
		}
	}
	return true
}

func sameRep(a, b RepField) bool {
	if a.Name != b.Name || a.From != b.From || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if !sameRep(a.Fields[i], b.Fields[i]) {
			return false
		}
	}
	return true
}

// frag returns an entity fetch's inline fragment on typename, made on first use.
func (fs *fetchState) frag(typename string) *ast.InlineFragment {
	if fr := fs.frags[typename]; fr != nil {
		return fr
	}
	fr := &ast.InlineFragment{TypeCondition: typename}
	fs.frags[typename] = fr
	fs.f.Selection = append(fs.f.Selection, fr)
	return fr
}

// addField adds a copy of f, without its selection, to set unless a field of the same
// response key is there, and returns the field in set.
func addField(set *ast.SelectionSet, f *ast.Field) *ast.Field {
	for _, s := range *set {
		if x, ok := s.(*ast.Field); ok && x.Alias == f.Alias {
			return x
		}
	}
	c := &ast.Field{Alias: f.Alias, Name: f.Name, Arguments: f.Arguments, Directives: f.Directives,
		Definition: f.Definition, ObjectDefinition: f.ObjectDefinition, Position: f.Position}
	*set = append(*set, c)
	return c
}

// addTypename makes set ask for __typename under the planner's alias.
func addTypename(set *ast.SelectionSet, prefix string) {
	addField(set, &ast.Field{Alias: TypenameKey(prefix), Name: "__typename"})
}

// inlineFragment returns set's inline fragment on cond, made on first use.
func inlineFragment(set *ast.SelectionSet, cond string) *ast.InlineFragment {
	for _, s := range *set {
		if fr, ok := s.(*ast.InlineFragment); ok && fr.TypeCondition == cond {
			return fr
		}
	}
	fr := &ast.InlineFragment{TypeCondition: cond}
	*set = append(*set, fr)
	return fr
}

func appendPath(p []PathElem, e PathElem) []PathElem {
	return append(slices.Clip(p), e)
}

// withTypes returns p with its last element filtered to objects of type t.
func withTypes(p []PathElem, t string) []PathElem {
	if len(p) == 0 {
		return p
	}
	out := slices.Clone(p)
	out[len(out)-1].Types = []string{t}
	return out
}

// prune removes inline fragments left empty.
func prune(set ast.SelectionSet) ast.SelectionSet {
	out := set[:0]
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			s.SelectionSet = prune(s.SelectionSet)
		case *ast.InlineFragment:
			s.SelectionSet = prune(s.SelectionSet)
			if len(s.SelectionSet) == 0 {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}
