package fedplan

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/supergraph"
)

// A field the position's subgraph does not resolve is reached another way (a route),
// chosen by decide, which changes nothing, and then taken by jump:
//
//   - by key: an entity fetch at the position to a subgraph that resolves the field,
//     by one of its keys. A key whose fields the position's subgraph has is preferred
//     (an entity fetch already there first, then one under which the field's own
//     selection can be planned); else a key whose fields other fetches can bring,
//     planned first like @requires (a hop through another subgraph, for one).
//   - from an ancestor: the field's objects are reached from an object above them (or
//     the root) in a subgraph that resolves every field in between and the field
//     itself: the root fields are asked of that subgraph too, or an entity fetch goes to
//     it for the ancestor, and the answers merge under the same response keys.

// candidate is a subgraph that resolves a field, and the typename it knows the objects
// by there (the type, or an interface it resolves as an interface object).
type candidate struct {
	fg       *supergraph.FieldInGraph
	tg       *supergraph.TypeInGraph
	typename string
}

// candidates returns the subgraphs that resolve field name of objects of type t and
// know the type: those that resolve it on t, then the interface objects of t's
// interfaces that resolve it.
func (pl *planner) candidates(t *ast.Definition, name string) []candidate {
	var out []candidate
	tt := pl.sg.Types[t.Name]
	if fd := pl.sg.Field(t.Name, name); fd != nil && tt != nil {
		for _, fg := range fd.Graphs {
			if tg := tt.In(fg.Graph); fg.Resolvable() && tg != nil {
				out = append(out, candidate{fg: fg, tg: tg, typename: t.Name})
			}
		}
	}
	for _, iname := range t.Interfaces {
		it := pl.sg.Types[iname]
		fd := pl.sg.Field(iname, name)
		if it == nil || fd == nil {
			continue
		}
		for _, fg := range fd.Graphs {
			if tg := it.In(fg.Graph); fg.Resolvable() && tg != nil && tg.InterfaceObject {
				out = append(out, candidate{fg: fg, tg: tg, typename: iname})
			}
		}
	}
	return out
}

type routeKind uint8

const (
	viaKey routeKind = iota
	viaAncestor
)

// route is how a field is reached.
type route struct {
	kind routeKind
	// viaKey: the subgraph, its key, and whether the position resolves the key's fields.
	c     candidate
	key   *supergraph.Key
	local bool
	// viaAncestor: which ancestor, the subgraph, and for an entity ancestor its key.
	anc      int
	g        *supergraph.Graph
	ancKey   *supergraph.Key
	ancLocal bool
}

// maxSearch bounds the nesting of decisions: a key fetched through a key fetched
// through a key.
const maxSearch = 3

// noAncestors, in decide's avoid set, rules out reaching a field from an ancestor: an
// interface's field planned per runtime type must be had for the objects the position's
// subgraph returns, not for those another subgraph's root field would.
const noAncestors = "\x00no ancestors"

// decide chooses how to reach field name of objects of type t at p, whose own
// selection is sub. avoid holds the decisions in progress further up, which must not
// be relied on.
func (pl *planner) decide(p pos, t *ast.Definition, name string, sub ast.SelectionSet, depth int, avoid map[string]bool) (route, bool) {
	if depth > maxSearch || !pl.spend() {
		return route{}, false
	}
	id := t.Name + "." + name + "@" + PathString(p.path)
	if avoid[id] {
		return route{}, false
	}
	next := make(map[string]bool, len(avoid)+1)
	for k := range avoid {
		next[k] = true
	}
	next[id] = true
	avoid = next

	cands := pl.candidates(t, name)
	var direct []route
	for _, c := range cands {
		if c.tg.Graph == p.graph() && len(c.fg.Requires) == 0 {
			continue
		}
		for _, k := range c.tg.Keys {
			if k.Resolvable && pl.canResolve(p, t, k.Set) {
				direct = append(direct, route{kind: viaKey, c: c, key: k, local: true})
				break
			}
		}
	}
	for _, r := range direct {
		if pl.hasEntityFetch(p, r.c.tg.Graph, r.c.typename) {
			return r, true
		}
	}
	if len(direct) > 1 && len(sub) > 0 {
		for _, r := range direct {
			if pl.feasible(pl.probe(p, r.c, t), name, sub, depth+1, avoid) {
				return r, true
			}
		}
	}
	if len(direct) > 0 {
		return direct[0], true
	}
	for _, c := range cands {
		if c.tg.Graph == p.graph() && len(c.fg.Requires) == 0 {
			continue
		}
		for _, k := range c.tg.Keys {
			if k.Resolvable && pl.obtainableSet(p, t, k.Set, depth+1, avoid) {
				return route{kind: viaKey, c: c, key: k}, true
			}
		}
	}
	for i := len(p.anc) - 1; i >= 0 && !avoid[noAncestors]; i-- {
		a := p.anc[i]
		for _, g := range pl.sg.Graphs {
			end := pl.chainIn(a, g)
			if end == nil || !pl.sg.Field(t.Name, name).In(g).Resolvable() {
				continue
			}
			if a.p.root {
				if pl.kind == ast.Query {
					return route{kind: viaAncestor, anc: i, g: g}, true
				}
				continue
			}
			at := pl.sg.Types[a.p.typ.Name]
			if at == nil || at.In(g) == nil || g == a.p.graph() {
				continue
			}
			for _, k := range at.In(g).Keys {
				if !k.Resolvable {
					continue
				}
				if pl.canResolve(a.p, a.p.typ, k.Set) {
					return route{kind: viaAncestor, anc: i, g: g, ancKey: k, ancLocal: true}, true
				}
				if pl.obtainableSet(a.p, a.p.typ, k.Set, depth+1, avoid) {
					return route{kind: viaAncestor, anc: i, g: g, ancKey: k}, true
				}
			}
		}
	}
	return route{}, false
}

// probe is the position where an entity fetch to candidate c would resolve fields of
// objects of type t at p, for decisions: it builds nothing.
func (pl *planner) probe(p pos, c candidate, t *ast.Definition) pos {
	typ := t
	if c.typename != t.Name {
		typ = pl.sg.Schema.Types[c.typename]
	}
	return pos{fs: &fetchState{f: &Fetch{Graph: c.tg.Graph}}, typ: typ, path: p.path, anc: p.anc, top: true}
}

// obtainable reports whether field name of objects of type t at p can be had: resolved
// there, or reached.
func (pl *planner) obtainable(p pos, t *ast.Definition, name string, depth int, avoid map[string]bool) bool {
	if name == "__typename" {
		return true
	}
	if _, ok := pl.local(p, t, name); ok {
		return true
	}
	_, ok := pl.decide(p, t, name, nil, depth, avoid)
	return ok
}

// obtainableSet reports whether every field of a field set on objects of type t at p
// can be had.
func (pl *planner) obtainableSet(p pos, t *ast.Definition, set ast.SelectionSet, depth int, avoid map[string]bool) bool {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if !pl.obtainable(p, t, s.Name, depth, avoid) {
				return false
			}
			if fg, ok := pl.local(p, t, s.Name); ok && len(s.SelectionSet) > 0 {
				ft := pl.sg.Schema.Types[fg.Type.Name()]
				if ft == nil || !pl.obtainableSet(pl.child(p, t, s, fg, ft), ft, s.SelectionSet, depth, avoid) {
					return false
				}
			}
		case *ast.InlineFragment:
			if !pl.obtainableSet(p, t, s.SelectionSet, depth, avoid) {
				return false
			}
		}
	}
	return true
}

// feasible reports whether, at p (where field name resolves), the field's selection sub
// can be had, to two levels.
func (pl *planner) feasible(p pos, name string, sub ast.SelectionSet, depth int, avoid map[string]bool) bool {
	fg, ok := pl.local(p, p.typ, name)
	if !ok {
		return false
	}
	ft := pl.sg.Schema.Types[fg.Type.Name()]
	if ft == nil || ft.IsAbstractType() {
		return ft != nil
	}
	f := &ast.Field{Alias: name, Name: name}
	child := pl.child(p, p.typ, f, fg, ft)
	for _, grp := range pl.collect(ft, sub) {
		if !pl.obtainable(child, ft, grp.field.Name, depth, avoid) {
			return false
		}
	}
	return true
}

// child is the position of the objects of field f (declared as fg, of type ft) of
// objects of type t at p, for decisions.
func (pl *planner) child(p pos, t *ast.Definition, f *ast.Field, fg *supergraph.FieldInGraph, ft *ast.Definition) pos {
	return pos{fs: p.fs, typ: ft, path: appendPath(p.path, PathElem{Key: f.Alias}), provided: pl.providedBelow(p, t, f.Name, fg),
		anc: p.below(f)}
}

// chainIn returns the type at the end of an ancestor's chain of fields in subgraph g,
// nil when g does not resolve every field of it.
func (pl *planner) chainIn(a ancestor, g *supergraph.Graph) *ast.Definition {
	t := a.p.typ
	if pl.sg.Types[t.Name] == nil || pl.sg.Types[t.Name].In(g) == nil {
		return nil
	}
	for _, el := range a.chain {
		fd := pl.sg.Field(t.Name, el.field.Name)
		if fd == nil || !fd.In(g).Resolvable() {
			return nil
		}
		t = pl.sg.Schema.Types[fd.In(g).Type.Name()]
		if t == nil {
			return nil
		}
		if el.cond != "" && el.cond != t.Name {
			t = pl.sg.Schema.Types[el.cond]
			if t == nil {
				return nil
			}
		}
	}
	return t
}

// jump plans a field p's subgraph does not resolve for objects of type t at p.
func (pl *planner) jump(p pos, t *ast.Definition, f *ast.Field, sub ast.SelectionSet) (fetchSet, error) {
	r, ok := pl.decide(p, t, f.Name, sub, 0, nil)
	if !ok {
		return nil, fmt.Errorf("fedplan: %s.%s at %s: %w", t.Name, f.Name, PathString(p.path), ErrUnplannable)
	}
	if r.kind == viaAncestor {
		return pl.fromAncestor(p, r, t, f, sub)
	}
	deps, key, err := pl.keyAt(p, t, r.key, r.local)
	if err != nil {
		return nil, err
	}
	var reps []RepField
	if len(r.c.fg.Requires) > 0 {
		got, fields, err := pl.requires(p, t, r.c.fg.Requires)
		if err != nil {
			return nil, err
		}
		deps.add(got)
		reps = fields
	}
	e, err := pl.entityFetch(p, r.c.tg.Graph, r.c.typename, []*ast.Definition{t}, key, reps, deps)
	if err != nil {
		return nil, err
	}
	ep := pos{fs: e, set: &e.frag(r.c.typename).SelectionSet, typ: t, path: p.path, top: true, anc: p.anc, src: &p, sources: p.sources, requiresMet: true}
	if r.c.typename != t.Name {
		ep.typ = pl.sg.Schema.Types[r.c.typename]
	}
	got, err := pl.field(ep, ep.typ, f, sub)
	if err != nil {
		return nil, err
	}
	return got.add(fetchSet{e: true}), nil
}

// keyAt plans a key's fields for objects of type t at p: there, where the subgraph
// resolves them (local), or by whatever fetches bring them. It returns the fetches
// that bring them and the representation fields that read them.
func (pl *planner) keyAt(p pos, t *ast.Definition, k *supergraph.Key, local bool) (fetchSet, []RepField, error) {
	if local {
		return fetchSet{p.fs: true}, pl.keyFields(p, t, k.Set), nil
	}
	aliased, reps := pl.internal(k.Set, true)
	kp := p
	kp.typ = t
	got, err := pl.set(kp, aliased)
	if err != nil {
		return nil, nil, err
	}
	return got.add(fetchSet{p.fs: true}), reps, nil
}

// fromAncestor plans a field of objects at p from an ancestor of p, in another subgraph.
func (pl *planner) fromAncestor(p pos, r route, t *ast.Definition, f *ast.Field, sub ast.SelectionSet) (fetchSet, error) {
	a := p.anc[r.anc]
	var start pos
	if a.p.root {
		fs := pl.rootFetch(r.g)
		start = pos{fs: fs, set: &fs.f.Selection, typ: a.p.typ, root: true}
	} else {
		deps, key, err := pl.keyAt(a.p, a.p.typ, r.ancKey, r.ancLocal)
		if err != nil {
			return nil, err
		}
		e, err := pl.entityFetch(a.p, r.g, a.p.typ.Name, []*ast.Definition{a.p.typ}, key, nil, deps)
		if err != nil {
			return nil, err
		}
		src := a.p
		start = pos{fs: e, set: &e.frag(a.p.typ.Name).SelectionSet, typ: a.p.typ, path: a.p.path, top: true, anc: a.p.anc, src: &src}
	}
	cur := start
	for _, el := range a.chain {
		fg := pl.sg.Field(cur.typ.Name, el.field.Name).In(r.g)
		dst := addField(cur.set, el.field)
		ft := pl.sg.Schema.Types[fg.Type.Name()]
		next := pos{fs: cur.fs, set: &dst.SelectionSet, typ: ft, path: appendPath(cur.path, PathElem{Key: el.field.Alias}),
			provided: pl.providedBelow(cur, cur.typ, el.field.Name, fg), anc: cur.below(el.field), sources: pl.sources(cur, cur.typ, el.field.Name)}
		if sup := pl.sg.Schema.Types[el.field.Definition.Type.Name()]; sup != nil && sup.IsAbstractType() {
			addTypename(next.set, pl.prefix)
		}
		if el.cond != "" && el.cond != ft.Name {
			fr := inlineFragment(next.set, el.cond)
			next.set, next.typ = &fr.SelectionSet, pl.sg.Schema.Types[el.cond]
			next.path, next.anc = withTypes(next.path, el.cond), under(next.anc, el.cond)
		}
		cur = next
	}
	got, err := pl.field(cur, t, f, sub)
	if err != nil {
		return nil, err
	}
	return got.add(fetchSet{start.fs: true}), nil
}
