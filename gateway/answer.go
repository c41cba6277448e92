package gateway

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/introspection"
	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/jsonesc"
)

// The answer is written in one pass over the client's selection, compiled per plan into
// shapes: for each selection set and runtime type, the fields in response order, with
// fragments, @skip and @include already resolved (the spec's CollectFields). Writing
// follows the shape, not the data, so fields the planner added never reach the client,
// and the response keys come in the client's order. A null in a non-null position
// propagates to the nearest nullable parent by cutting the output back to where that
// parent began.

// shape is one selection set for one runtime object type.
type shape struct {
	typ    *ast.Definition
	fields []*fieldShape
}

type fieldKind uint8

const (
	kindData          fieldKind = iota // read from the subgraphs' data
	kindTypename                       // the runtime type's name
	kindIntrospection                  // __schema or __type, answered from the schema
	kindNull                           // a root node id that names nothing fetchable
	kindUnauthorized                   // a field the request's token does not allow (authz.go)
)

// fieldShape is one response key of a shape.
type fieldShape struct {
	kind    fieldKind
	key     string
	keyJSON []byte // `"key":`
	// where is Type.field, for messages.
	where string
	typ   *ast.Type
	leaf  *ast.Definition // the scalar or enum type of a leaf
	sub   *shape          // for a field of object type
	subs  map[string]*shape
	// fields are the client's fields merged under the key (for introspection).
	fields []*ast.Field
	// queryPath is the key's path in the query, without list indexes (for the error of an
	// unauthorized field that no answer reached).
	queryPath ast.Path
}

// shapes builds the shapes of one plan.
type shapes struct {
	// untyped makes, for every field of an interface type, a shape for objects without a
	// typename: the interface's own fields (plan.untyped).
	untyped bool
	o       *operation
	v       *variant
	nodes   map[*ast.Field]*nodeTarget
	failed  error
	path    ast.Path // of the shape being built
	// unauthorized are the shapes of unauthorized fields.
	unauthorized []*fieldShape
}

func newShapes(o *operation, v *variant) *shapes {
	s := &shapes{o: o, v: v, nodes: map[*ast.Field]*nodeTarget{}}
	for _, rf := range o.rootFields(v) {
		if rf.node != nil {
			s.nodes[rf.field] = rf.node
		}
	}
	return s
}

func (s *shapes) root() (*shape, error) {
	typ := s.o.schema.Query
	switch s.o.op.Operation {
	case ast.Mutation:
		typ = s.o.schema.Mutation
	case ast.Subscription:
		typ = s.o.schema.Subscription
	}
	if typ == nil {
		return nil, fmt.Errorf("schema has no %s type", s.o.op.Operation)
	}
	sh := s.shape(typ, []ast.SelectionSet{s.o.op.SelectionSet}, true)
	return sh, s.failed
}

// denied reports whether any field of a group is one the token does not allow.
func (s *shapes) denied(g *group) bool {
	for _, f := range g.fields {
		if s.v.denied[f] {
			return true
		}
	}
	return false
}

// group is the fields of one response key.
type group struct {
	key    string
	fields []*ast.Field
}

// collect is the spec's CollectFields for objects of type obj.
func (s *shapes) collect(obj *ast.Definition, sets []ast.SelectionSet) []*group {
	var out []*group
	byKey := map[string]*group{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				if !s.v.included(x.Directives) {
					continue
				}
				g := byKey[x.Alias]
				if g == nil {
					g = &group{key: x.Alias}
					byKey[x.Alias] = g
					out = append(out, g)
				}
				g.fields = append(g.fields, x)
			case *ast.InlineFragment:
				if !s.v.included(x.Directives) {
					continue
				}
				if x.TypeCondition != "" && !s.applies(obj, x.TypeCondition) {
					continue
				}
				walk(x.SelectionSet)
			case *ast.FragmentSpread:
				def := s.o.doc.Fragments.ForName(x.Name)
				if def == nil || !s.v.included(x.Directives) || !s.applies(obj, def.TypeCondition) {
					continue
				}
				walk(def.SelectionSet)
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return out
}

func (s *shapes) applies(obj *ast.Definition, cond string) bool {
	t := s.o.schema.Types[cond]
	return t != nil && s.o.applies(obj, t)
}

func (s *shapes) shape(obj *ast.Definition, sets []ast.SelectionSet, root bool) *shape {
	sh := &shape{typ: obj}
	for _, g := range s.collect(obj, sets) {
		f0 := g.fields[0]
		fs := &fieldShape{key: g.key, keyJSON: append(jsonesc.AppendString(nil, g.key), ':'), fields: g.fields,
			where: obj.Name + "." + f0.Name}
		sh.fields = append(sh.fields, fs)
		switch {
		case f0.Name == "__typename":
			fs.kind = kindTypename
			continue
		case root && (f0.Name == "__schema" || f0.Name == "__type"):
			fs.kind = kindIntrospection
			continue
		}
		if n := s.nodes[f0]; root && n != nil && n.field == nil {
			fs.kind = kindNull
			continue
		}
		if f0.Definition == nil {
			s.failed = fmt.Errorf("field %s has no definition: the document is not validated", fs.where)
			continue
		}
		fs.typ = f0.Definition.Type
		fs.queryPath = append(slices.Clone(s.path), ast.PathName(g.key))
		if s.denied(g) {
			fs.kind = kindUnauthorized
			s.unauthorized = append(s.unauthorized, fs)
			continue
		}
		named := s.o.schema.Types[fs.typ.Name()]
		if named == nil {
			s.failed = fmt.Errorf("field %s: unknown type %s", fs.where, fs.typ.Name())
			continue
		}
		var subsets []ast.SelectionSet
		for _, f := range g.fields {
			if len(f.SelectionSet) > 0 {
				subsets = append(subsets, f.SelectionSet)
			}
		}
		s.path = append(s.path, ast.PathName(g.key))
		switch named.Kind {
		case ast.Object:
			fs.sub = s.shape(named, subsets, false)
		case ast.Interface, ast.Union:
			fs.subs = map[string]*shape{}
			for _, p := range s.o.schema.GetPossibleTypes(named) {
				if p.Kind == ast.Object && fs.subs[p.Name] == nil {
					fs.subs[p.Name] = s.shape(p, subsets, false)
				}
			}
			if s.untyped && named.Kind == ast.Interface {
				fs.subs[""] = s.shape(named, subsets, false)
			}
		default:
			fs.leaf = named
		}
		s.path = s.path[:len(s.path)-1]
	}
	return sh
}

// writer writes one run's answer.
type writer struct {
	r     *run
	g     *graph
	buf   []byte
	path  []pathElem
	extra gqlerror.List // errors the writing found
	// errAt holds the client paths of the subgraphs' errors, built when first needed.
	errAt   map[string]bool
	invalid map[*fieldShape]bool
	// reported are the unauthorized fields whose error is written.
	reported map[*fieldShape]bool
	doc      *ast.QueryDocument
}

type pathElem struct {
	key   string
	index int // -1 for a key
}

// write returns the data entry, or nil when the root is null.
func (w *writer) write() []byte {
	if w.buf == nil {
		// As big as the plan's last answer, which the same query's next answer mostly
		// matches (its lookups' answers are repeated once per object that holds them:
		// an owner per product), else what the subgraphs sent: growing a buffer to the
		// answer's size a quarter at a time cost a list of 100 three times its size.
		// At most four times what the subgraphs sent: one large answer does not make
		// every later small one of the plan allocate as much.
		sent := int64(w.r.answered + 64)
		w.buf = make([]byte, 0, min(max(sent, w.r.plan.answerSize.Load()), 4*sent))
	}
	if !w.object(w.r.plan.shape, w.r.root) {
		return nil
	}
	w.r.plan.answerSize.Store(int64(len(w.buf)))
	return w.buf
}

func (w *writer) object(s *shape, obj *fastjson.Value) bool {
	start := len(w.buf)
	o, _ := obj.Object()
	failed := w.r.marks != nil && w.r.marks[obj] == markFailed
	w.buf = append(w.buf, '{')
	for i, f := range s.fields {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, f.keyJSON...)
		switch f.kind {
		case kindTypename:
			w.buf = jsonesc.AppendString(w.buf, s.typ.Name)
			continue
		case kindNull:
			w.buf = append(w.buf, "null"...)
			continue
		case kindIntrospection:
			w.buf = introspection.AppendFields(w.buf, w.g.schema, f.fields, w.r.vars, w.doc.Fragments)
			continue
		case kindUnauthorized:
			w.path = append(w.path, pathElem{key: f.key, index: -1})
			w.unauthorized(f)
			ok := w.null(f, f.typ, true)
			w.path = w.path[:len(w.path)-1]
			if !ok {
				w.buf = w.buf[:start]
				return false
			}
			continue
		}
		var v *fastjson.Value
		if o != nil {
			v = o.Get(f.key)
		}
		w.path = append(w.path, pathElem{key: f.key, index: -1})
		ok := w.value(f, f.typ, v, failed)
		w.path = w.path[:len(w.path)-1]
		if !ok {
			w.buf = w.buf[:start]
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

// value writes v as a value of type t and reports false when it is null in a non-null
// position, for the caller to propagate. explained says that a missing or null v is
// already accounted for by an error.
func (w *writer) value(f *fieldShape, t *ast.Type, v *fastjson.Value, explained bool) bool {
	if v == nil {
		return w.null(f, t, explained)
	}
	if f.leaf != nil && t.Elem == nil {
		return w.leaf(f, t, v)
	}
	typ := v.Type() // never a string here: strings are leaves, which keep their raw form
	if typ == fastjson.TypeNull {
		return w.null(f, t, explained || t.NonNull && w.errorHere())
	}
	if t.Elem != nil {
		if typ != fastjson.TypeArray {
			return w.bad(f, t)
		}
		items, _ := v.Array()
		start := len(w.buf)
		w.buf = append(w.buf, '[')
		for i, item := range items {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.path = append(w.path, pathElem{index: i})
			ok := w.value(f, t.Elem, item, false)
			w.path = w.path[:len(w.path)-1]
			if !ok {
				w.buf = w.buf[:start]
				return w.null(f, t, true)
			}
		}
		w.buf = append(w.buf, ']')
		return true
	}
	if typ != fastjson.TypeObject {
		return w.bad(f, t)
	}
	if w.r.marks != nil && w.r.marks[v] == markMissing {
		return w.null(f, t, false)
	}
	s := f.sub
	if s == nil {
		// An object without a typename ("") has one shape only where the plan lets an
		// interface object bring it (plan.untyped).
		s = f.subs[string(v.GetStringBytes(w.r.plan.prefix+"t"))]
		if s == nil {
			return w.bad(f, t)
		}
	}
	if !w.object(s, v) {
		return w.null(f, t, true)
	}
	return true
}

// null writes null where t allows it; in a non-null position it records an error unless
// one explains the null, and reports false.
func (w *writer) null(f *fieldShape, t *ast.Type, explained bool) bool {
	if !t.NonNull {
		w.buf = append(w.buf, "null"...)
		return true
	}
	if !explained {
		w.extra = append(w.extra, &gqlerror.Error{
			Message:    "Cannot return null for non-nullable field " + f.where + ".",
			Path:       w.clientPath(),
			Extensions: map[string]any{"code": errcode.InternalServerError},
		})
	}
	return false
}

// unauthorized records an unauthorized field's one error, at its first occurrence.
func (w *writer) unauthorized(f *fieldShape) {
	if w.reported == nil {
		w.reported = map[*fieldShape]bool{}
	}
	if w.reported[f] {
		return
	}
	w.reported[f] = true
	w.extra = append(w.extra, unauthorizedError(w.clientPath()))
}

func unauthorizedError(path ast.Path) *gqlerror.Error {
	return &gqlerror.Error{Message: "Unauthorized field or type", Path: path,
		Extensions: map[string]any{"code": errcode.UnauthorizedField}}
}

// bad handles a value of the wrong shape: null, with one error per field of the
// request however many items share the fault.
func (w *writer) bad(f *fieldShape, t *ast.Type) bool {
	if w.invalid == nil {
		w.invalid = map[*fieldShape]bool{}
	}
	if !w.invalid[f] {
		w.invalid[f] = true
		w.extra = append(w.extra, &gqlerror.Error{
			Message:    "A subgraph returned an invalid value for " + f.where + ".",
			Path:       w.clientPath(),
			Extensions: map[string]any{"code": errcode.InternalServerError},
		})
	}
	return w.null(f, t, true)
}

// leaf writes a scalar or enum value as the subgraph serialised it, and checks it. It
// writes first and looks at the first byte written: asking fastjson for a string's type
// would unescape it, and writing it again would escape it again.
func (w *writer) leaf(f *fieldShape, t *ast.Type, v *fastjson.Value) bool {
	start := len(w.buf)
	w.buf = v.MarshalTo(w.buf)
	var ok bool
	switch c := w.buf[start]; {
	case c == 'n':
		w.buf = w.buf[:start]
		return w.null(f, t, t.NonNull && w.errorHere())
	case f.leaf.Kind == ast.Enum:
		ok = c == '"' && f.leaf.EnumValues.ForName(string(v.GetStringBytes())) != nil
	default:
		switch f.leaf.Name {
		case "String":
			ok = c == '"'
		case "Boolean":
			ok = c == 't' || c == 'f'
		case "Int":
			n, err := v.Int64()
			ok = err == nil && n >= math.MinInt32 && n <= math.MaxInt32
		case "Float":
			ok = c == '-' || c >= '0' && c <= '9'
		case "ID":
			ok = c == '"'
			if c == '-' || c >= '0' && c <= '9' { // an ID serialises as a string
				w.buf = append(append(w.buf[:start], '"'), w.buf[start:]...)
				w.buf = append(w.buf, '"')
				ok = true
			}
		default: // a custom scalar: any JSON value
			ok = true
		}
	}
	if !ok {
		w.buf = w.buf[:start]
		return w.bad(f, t)
	}
	return true
}

func (w *writer) clientPath() ast.Path {
	p := make(ast.Path, 0, len(w.path))
	for _, e := range w.path {
		if e.index < 0 {
			p = append(p, ast.PathName(e.key))
		} else {
			p = append(p, ast.PathIndex(e.index))
		}
	}
	return p
}

// errorHere reports whether a subgraph's error has the current path: such a null is
// explained.
func (w *writer) errorHere() bool {
	if len(w.r.errs) == 0 {
		return false
	}
	if w.errAt == nil {
		w.errAt = map[string]bool{}
		for _, e := range w.r.errs {
			w.errAt[pathKey(e.err.Path)] = true
		}
	}
	return w.errAt[pathKey(w.clientPath())]
}

func pathKey(p ast.Path) string {
	var b strings.Builder
	for _, e := range p {
		switch v := e.(type) {
		case ast.PathName:
			b.WriteString(string(v))
		case ast.PathIndex:
			b.WriteString(strconv.Itoa(int(v)))
		}
		b.WriteByte(0)
	}
	return b.String()
}

// errors returns the run's errors in a stable order: by step, then by path, then those
// the writing found.
func (w *writer) errors() gqlerror.List {
	errs := slices.Clone(w.r.errs)
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].step != errs[j].step {
			return errs[i].step < errs[j].step
		}
		return comparePaths(errs[i].err.Path, errs[j].err.Path) < 0
	})
	out := slices.Clone(w.r.plan.errs)
	for _, e := range errs {
		out = append(out, e.err)
	}
	out = append(out, w.extra...)
	for _, f := range w.r.plan.unauthorized {
		if !w.reported[f] { // no answer reached it (an empty list, a null parent)
			out = append(out, unauthorizedError(f.queryPath))
		}
	}
	return out
}

func comparePaths(a, b ast.Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ai, aIdx := a[i].(ast.PathIndex)
		bi, bIdx := b[i].(ast.PathIndex)
		switch {
		case aIdx && bIdx:
			if ai != bi {
				return int(ai) - int(bi)
			}
		case aIdx:
			return -1
		case bIdx:
			return 1
		default:
			if c := strings.Compare(string(a[i].(ast.PathName)), string(b[i].(ast.PathName))); c != 0 {
				return c
			}
		}
	}
	return len(a) - len(b)
}
