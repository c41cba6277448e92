package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"unsafe"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/gateway/transport"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// A run executes one plan for one client request. One goroutine, the coordinator, owns
// everything here: it starts the subgraph requests, each in a goroutine of its own that
// only fetches and reports on results; it merges every answer into the result and starts
// the steps whose dependencies have all answered; and it returns only once every request
// it started has reported, so nothing outlives the client request.
type run struct {
	ctx    context.Context
	plan   *plan
	vars   map[string]any
	g      *Gateway
	logger *slog.Logger
	// maxBatch bounds the lookups of one subgraph request.
	maxBatch int
	// fwd is what the client's request passes on to every subgraph request.
	fwd transport.Forward
	// enc writes the subgraph requests' bodies, each variable encoded once.
	enc     transport.Encoder
	root    *fastjson.Value // the merged data
	arena   fastjson.Arena
	marks   map[*fastjson.Value]mark
	answers []*transport.Answer
	errs    []stepError
	results chan fetched
	pending int
	ready   []*batch // batches queued to be sent
	// waiting counts, per step, the steps it depends on that have not answered yet;
	// outstanding its requests in flight.
	waiting, outstanding []int32
	// answered is the bytes the subgraphs sent, which sizes the answer's buffer.
	answered int
	// targets, indexes and keys are slabs the run's targets and lookup keys are cut from.
	targets []target
	indexes []int32
	keys    []byte
}

// mark says why an object in the result lacks fields.
type mark uint8

const (
	// markFailed: the step that fetches the object's remaining fields failed; those
	// fields are null and the failure's error explains them.
	markFailed mark = iota + 1
	// markMissing: the subgraph that owns the object says it does not exist: the field
	// holding it is null.
	markMissing
)

// stepError is an error found while running a step, with its step's index for ordering.
type stepError struct {
	step int
	err  *gqlerror.Error
}

// target is an object a dependent step fetches fields of.
type target struct {
	obj  *fastjson.Value
	step *step // the step that fetches it
	// indexes are the list indexes met along step.path: for each key, -1 and then the
	// indexes of the lists its value is (lists of lists give several).
	indexes []int32
	lookup  int // its key's index among its step's distinct keys
	alias   int // the alias of its lookup in the subgraph request
	// item is its position in the alias's list of entities; -1 for a node lookup.
	item int
}

// path returns the target's path in the client's response.
func (t *target) path() ast.Path {
	p := make(ast.Path, 0, len(t.step.path)+2)
	i := 0
	for _, el := range t.step.path {
		p = append(p, ast.PathName(el.key))
		for i++; i < len(t.indexes) && t.indexes[i] >= 0; i++ {
			p = append(p, ast.PathIndex(int(t.indexes[i])))
		}
	}
	return p
}

// batch is one subgraph request: a root step, or the lookups of dependent steps that
// became ready together for the same subgraph.
type batch struct {
	sg    *transport.Client
	root  *step
	parts []part
	n     int // how many lookups
	// aliases is how many lookup aliases the request has: one per key for node, one
	// per part for entities.
	aliases int
}

// part is one dependent step's share of a batch.
type part struct {
	step    *step
	targets []*target
	// keys are the distinct lookup keys, as JSON: ids for node, representations for
	// entities; for node, their aliases are base, base+1, …; for entities the part's
	// alias is base.
	keys [][]byte
	base int
}

type fetched struct {
	b   *batch
	ans *transport.Answer
	err error
}

func (p *plan) run(ctx context.Context, op *front.Operation, g *Gateway, maxBatch int) *run {
	return p.runFrom(ctx, op, g, maxBatch, nil)
}

// runFrom runs the plan; a non-nil event is a subscription's event, which is the answer
// of the plan's one root step: the run starts from it and fetches the rest.
func (p *plan) runFrom(ctx context.Context, op *front.Operation, g *Gateway, maxBatch int, event *transport.Answer) *run {
	r := &run{ctx: ctx, plan: p, vars: op.Variables, g: g, logger: g.logger, maxBatch: maxBatch,
		fwd: transport.Forward{RequestID: front.RequestID(ctx), Header: op.Header}, enc: transport.NewEncoder(op.Variables)}
	r.root = r.arena.NewObject()
	r.results = make(chan fetched, len(p.steps)+1)
	if len(p.steps) > len(p.groups) { // some step waits for another
		r.waiting = make([]int32, len(p.steps))
		r.outstanding = make([]int32, len(p.steps))
		for _, s := range p.steps {
			r.waiting[s.index] = int32(len(s.deps))
		}
	}
	for _, group := range p.groups {
		for _, s := range group {
			if !s.root {
				continue
			}
			if event != nil {
				r.pending++
				r.receive(fetched{b: &batch{sg: s.sg, root: s}, ans: event})
				continue
			}
			r.start(&batch{sg: s.sg, root: s})
		}
		for r.pending > 0 || len(r.ready) > 0 {
			if len(r.ready) > 0 {
				r.launch()
				continue
			}
			r.receive(<-r.results)
		}
	}
	return r
}

// release returns every answer's parser; the result's values die with them.
func (r *run) release() {
	for _, a := range r.answers {
		a.Release()
	}
	r.answers = nil
}

// start queues a batch; the coordinator launches it.
func (r *run) start(b *batch) {
	r.ready = append(r.ready, b)
}

// launch sends the queued batches. A batch that is alone, with nothing else in flight,
// is sent from the coordinator itself and merged at once: most plans are a chain of
// single steps, and a goroutine per request would cost more than the request's own
// work (a fresh goroutine's stack grows through net/http and the decoder each time).
// Otherwise each batch goes in a goroutine of its own.
func (r *run) launch() {
	ready := r.ready
	r.ready = nil
	if len(ready) == 1 && r.pending == 0 {
		b := ready[0]
		ans, err := r.fetch(b, r.body(b))
		r.pending++
		r.receive(fetched{b: b, ans: ans, err: err})
		return
	}
	for _, b := range ready {
		r.spawn(b)
	}
}

// fetch sends a batch's request: a mutation's root fields are a write, never sent again;
// a query's requests may share identical ones in flight (Config.Dedup), a mutation's
// never.
func (r *run) fetch(b *batch, body []byte) (*transport.Answer, error) {
	return b.sg.Fetch(r.ctx, transport.Request{Body: body, Forward: r.fwd, Write: b.root != nil && r.plan.mutation,
		Lookups: b.n, Shareable: !r.plan.mutation})
}

// spawn sends a batch in its own goroutine, which reports on results.
func (r *run) spawn(b *batch) {
	body := r.body(b)
	r.pending++
	go func() {
		defer func() {
			if v := recover(); v != nil {
				r.logger.Error("gateway: subgraph request panicked", "panic", v, "stack", string(debug.Stack()))
				r.results <- fetched{b: b, err: transport.ErrUnavailable}
			}
		}()
		ans, err := r.fetch(b, body)
		r.results <- fetched{b: b, ans: ans, err: err}
	}()
}

// body builds a batch's request body.
func (r *run) body(b *batch) []byte {
	if b.root != nil {
		return r.enc.Root(b.root.query)
	}
	parts := make([]transport.Lookups, len(b.parts))
	for i, pt := range b.parts {
		parts[i] = transport.Lookups{Query: pt.step.query, Keys: pt.keys, Base: pt.base}
	}
	return r.enc.Lookups(r.plan.prefix, parts)
}

// receive merges one subgraph answer and starts the steps it was the last to wait for.
func (r *run) receive(f fetched) {
	r.pending--
	if f.ans != nil {
		r.answers = append(r.answers, f.ans)
		r.answered += f.ans.Size
	}
	if f.b.root != nil {
		r.receiveRoot(f)
		r.finished(f.b.root)
		return
	}
	r.receiveLookups(f)
	for _, pt := range f.b.parts {
		if r.outstanding[pt.step.index]--; r.outstanding[pt.step.index] == 0 {
			r.finished(pt.step)
		}
	}
}

func (r *run) receiveRoot(f fetched) {
	s := f.b.root
	if f.err != nil {
		r.fail(s, firstRootPath(s), f.err)
		r.mark(r.root, markFailed)
		return
	}
	for _, e := range f.ans.Errors {
		r.addError(s, r.subgraphError(s.sg, e, func(p []any) ast.Path { return clientPath(nil, p) }))
	}
	if f.ans.Data == nil {
		r.mark(r.root, markFailed)
		return
	}
	r.rename(s, f.ans.Data)
	merge(r.root, f.ans.Data)
}

// rename restores, in a step's answer data (or one entity), the response keys of the
// fields it asked under another alias.
func (r *run) rename(s *step, data *fastjson.Value) {
	if len(s.renames) == 0 {
		return
	}
	tk := r.plan.typenameKey()
	var stack []int32
	for _, rn := range s.renames {
		collectTargets(data, rn.path, tk, nil, &stack, func(obj *fastjson.Value, _ []int32) {
			if string(obj.GetStringBytes(tk)) != rn.typ {
				return
			}
			if v := obj.Get(rn.from); v != nil {
				obj.Set(rn.to, v)
				obj.Del(rn.from)
			}
		})
	}
}

func firstRootPath(s *step) ast.Path {
	if len(s.rootKeys) == 0 {
		return nil
	}
	return ast.Path{ast.PathName(s.rootKeys[0])}
}

// finished records that a step has answered (or had nothing to fetch) and releases the
// steps that were waiting for it alone.
func (r *run) finished(s *step) {
	var ready []*step
	for _, d := range s.dependents {
		if r.waiting[d.index]--; r.waiting[d.index] == 0 {
			ready = append(ready, d)
		}
	}
	if len(ready) > 0 {
		r.startSteps(ready)
	}
}

// startSteps finds the objects each ready step fetches and queues their requests, one per
// subgraph (split when larger than maxBatch). A step with nothing to fetch is finished
// at once.
func (r *run) startSteps(steps []*step) {
	bySubgraph := map[*transport.Client][]part{}
	var order []*transport.Client
	var empty []*step
	var stack []int32
	for _, c := range steps {
		pt := r.collect(c, &stack)
		if len(pt.keys) == 0 {
			empty = append(empty, c)
			continue
		}
		if _, ok := bySubgraph[c.sg]; !ok {
			order = append(order, c.sg)
		}
		bySubgraph[c.sg] = append(bySubgraph[c.sg], pt)
	}
	for _, sg := range order {
		b := &batch{sg: sg}
		for _, pt := range bySubgraph[sg] {
			for lo := 0; lo < len(pt.keys); {
				if b.n == r.maxBatch {
					r.queue(b)
					b = &batch{sg: sg}
				}
				hi := min(len(pt.keys), lo+r.maxBatch-b.n)
				chunk := part{step: pt.step, keys: pt.keys[lo:hi], base: b.aliases}
				for _, t := range pt.targets {
					if t.lookup >= lo && t.lookup < hi {
						if pt.step.lookup == transport.LookupEntities {
							t.alias, t.item = chunk.base, t.lookup-lo
						} else {
							t.alias, t.item = chunk.base+t.lookup-lo, -1
						}
						chunk.targets = append(chunk.targets, t)
					}
				}
				b.parts = append(b.parts, chunk)
				b.n += hi - lo
				if pt.step.lookup == transport.LookupEntities {
					b.aliases++
				} else {
					b.aliases += hi - lo
				}
				lo = hi
			}
		}
		r.queue(b)
	}
	for _, c := range empty {
		r.finished(c)
	}
}

// queue counts a batch against its steps, each of which has one part in it, and queues
// it.
func (r *run) queue(b *batch) {
	for _, pt := range b.parts {
		r.outstanding[pt.step.index]++
	}
	r.start(b)
}

// collect finds the objects step c fetches: every object its path reaches in the
// result, crossing lists, that another step has not marked, with the key it is looked
// up by (an object without one is not fetched: its fields read as null).
func (r *run) collect(c *step, stack *[]int32) part {
	pt := part{step: c}
	seen := map[string]int{}
	collectTargets(r.root, c.path, r.plan.typenameKey(), r.marks, stack, func(obj *fastjson.Value, idx []int32) {
		// The key is appended to the run's slab, and taken back if it is a duplicate:
		// the slab only grows, so the keys cut from it stay valid.
		start := len(r.keys)
		switch c.lookup {
		case transport.LookupEntities:
			var ok bool
			if r.keys, ok = r.representation(c, obj, r.keys); !ok {
				r.keys = r.keys[:start]
				return
			}
		default:
			id := obj.Get(c.idKey)
			if id == nil || id.Type() != fastjson.TypeString {
				return // no id, nothing to fetch; its fields read as null
			}
			r.keys = id.MarshalTo(r.keys)
		}
		key := r.keys[start:len(r.keys):len(r.keys)]
		n, ok := seen[unsafeString(key)]
		if ok {
			r.keys = r.keys[:start]
		} else {
			n = len(pt.keys)
			seen[unsafeString(key)] = n
			pt.keys = append(pt.keys, key)
		}
		t := r.newTarget()
		is := len(r.indexes)
		r.indexes = append(r.indexes, idx...)
		*t = target{obj: obj, step: c, indexes: r.indexes[is:len(r.indexes):len(r.indexes)], lookup: n}
		pt.targets = append(pt.targets, t)
	})
	return pt
}

// typenameKey is where the plan's objects carry their runtime type.
func (p *plan) typenameKey() string { return p.prefix + "t" }

// representation appends the representation of obj for an entities lookup of step c:
// {"__typename":"T", then its key and required fields}; ok is false when obj's runtime
// type is not one c fetches, or a key field is missing or null.
func (r *run) representation(c *step, obj *fastjson.Value, dst []byte) ([]byte, bool) {
	typ := ""
	if tv := obj.Get(r.plan.typenameKey()); tv != nil {
		typ = unsafeString(tv.GetStringBytes())
	}
	for _, e := range c.entities {
		if e.typ == typ || typ == "" && e.static {
			dst = append(dst, '{')
			dst = append(dst, e.typename...)
			return appendRepFields(dst, e.fields, obj, false)
		}
	}
	return dst, false
}

// appendRepFields appends a representation's fields read from obj, each after a comma
// unless first, and closes the object. A field obj lacks is left out; ok is false when a
// key field is missing or null.
func appendRepFields(dst []byte, fields []repField, obj *fastjson.Value, first bool) ([]byte, bool) {
	for _, f := range fields {
		v := obj.Get(f.from)
		if f.key && (v == nil || v.Type() == fastjson.TypeNull) {
			return dst, false
		}
		if v == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, f.name...)
		var ok bool
		if dst, ok = appendRepValue(dst, f, v); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendRepValue appends a representation field's value: as it is for a leaf, read
// through the field's own fields for an object or a list of them.
func appendRepValue(dst []byte, f repField, v *fastjson.Value) ([]byte, bool) {
	if len(f.fields) == 0 {
		return v.MarshalTo(dst), true
	}
	switch v.Type() {
	case fastjson.TypeObject:
		return appendRepFields(append(dst, '{'), f.fields, v, true)
	case fastjson.TypeArray:
		dst = append(dst, '[')
		for i, item := range v.GetArray() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendRepValue(dst, f, item); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	default:
		return v.MarshalTo(dst), true
	}
}

// collectTargets calls f for every object path leads to from v, crossing lists item by
// item, keeping at each key with types only the objects of those runtime types (read
// at typenameKey) and skipping marked objects, with the list indexes met (see
// target.indexes); stack is scratch space, and the indexes f gets are valid only during
// the call.
func collectTargets(v *fastjson.Value, path []keyElem, typenameKey string, marks map[*fastjson.Value]mark, stack *[]int32, f func(*fastjson.Value, []int32)) {
	collectAt(v, path, nil, typenameKey, marks, stack, f)
}

func collectAt(v *fastjson.Value, path []keyElem, types []string, typenameKey string, marks map[*fastjson.Value]mark, stack *[]int32, f func(*fastjson.Value, []int32)) {
	switch v.Type() {
	case fastjson.TypeArray:
		for i, item := range v.GetArray() {
			*stack = append(*stack, int32(i))
			collectAt(item, path, types, typenameKey, marks, stack, f)
			*stack = (*stack)[:len(*stack)-1]
		}
		return
	case fastjson.TypeObject:
	default:
		return
	}
	if marks != nil && marks[v] != 0 {
		return
	}
	if len(types) > 0 && !slices.Contains(types, unsafeString(v.GetStringBytes(typenameKey))) {
		return
	}
	if len(path) == 0 {
		f(v, *stack)
		return
	}
	next := v.Get(path[0].key)
	if next == nil {
		return
	}
	*stack = append(*stack, -1)
	collectAt(next, path[1:], path[0].types, typenameKey, marks, stack, f)
	*stack = (*stack)[:len(*stack)-1]
}

// newTarget cuts a target from the run's slab; slabs start small (most plans fetch one
// object) and double.
func (r *run) newTarget() *target {
	if len(r.targets) == cap(r.targets) {
		r.targets = make([]target, 0, min(max(2*cap(r.targets), 4), 256))
	}
	r.targets = r.targets[:len(r.targets)+1]
	return &r.targets[len(r.targets)-1]
}

func (r *run) receiveLookups(f fetched) {
	b := f.b
	if f.err != nil {
		r.fail(b.parts[0].step, b.parts[0].targets[0].path(), f.err)
		for _, pt := range b.parts {
			for _, t := range pt.targets {
				r.mark(t.obj, markFailed)
			}
		}
		return
	}
	// A lookup that errors is a failure, not a missing object. The same error from many
	// lookups is one cause: it is reported once, at the first of its paths.
	type at struct{ alias, item int }
	erred := map[at]bool{}
	var kept []*gqlerror.Error
	byCause := map[string]int{}
	keep := func(ge *gqlerror.Error) {
		cause := ge.Message + "\x00" + fmt.Sprint(ge.Extensions["code"])
		if i, ok := byCause[cause]; ok {
			if comparePaths(ge.Path, kept[i].Path) < 0 {
				kept[i] = ge
			}
			return
		}
		byCause[cause] = len(kept)
		kept = append(kept, ge)
	}
	for _, e := range f.ans.Errors {
		ge := r.subgraphError(b.sg, e, func(p []any) ast.Path {
			if len(p) == 0 {
				return nil
			}
			a, ok := p[0].(string)
			n, err := strconv.Atoi(trimPrefix(a, r.plan.prefix))
			if !ok || err != nil {
				return nil
			}
			rest, item := p[1:], -1
			if t := b.target(n, -1); t != nil && t.item >= 0 {
				// An entities lookup: the path goes on with the item's index.
				if len(rest) == 0 {
					erred[at{n, -2}] = true // the whole list
					return t.path()
				}
				i, isIndex := rest[0].(int)
				if !isIndex {
					return nil
				}
				rest, item = rest[1:], i
			}
			erred[at{n, item}] = true
			if t := b.target(n, item); t != nil {
				return clientPath(t.path(), rest)
			}
			return nil
		})
		if ge.Path == nil {
			ge.Path = b.parts[0].targets[0].path()
		}
		keep(ge)
	}
	renamed := map[*fastjson.Value]bool{}
	for _, pt := range b.parts {
		var list []*fastjson.Value
		var listOK bool
		if pt.step.lookup == transport.LookupEntities && f.ans.Data != nil {
			// The list has one item per representation sent, in order (Federation's
			// _entities contract): a list of another length cannot be matched to them.
			if v := f.ans.Data.Get(r.plan.prefix + strconv.Itoa(pt.base)); v != nil && v.Type() == fastjson.TypeArray {
				list = v.GetArray()
				listOK = len(list) == len(pt.keys)
			}
		}
		for _, t := range pt.targets {
			var v *fastjson.Value
			switch {
			case f.ans.Data == nil:
			case pt.step.lookup == transport.LookupEntities:
				if listOK {
					v = list[t.item]
				}
			default:
				v = f.ans.Data.Get(r.plan.prefix + strconv.Itoa(t.alias))
			}
			switch {
			case v != nil && v.Type() == fastjson.TypeObject:
				if !renamed[v] && len(pt.step.renames) > 0 {
					renamed[v] = true // targets that share a key share its object
					r.rename(pt.step, v)
				}
				merge(t.obj, v)
			case erred[at{t.alias, t.item}] || erred[at{t.alias, -2}] || f.ans.Data == nil:
				r.mark(t.obj, markFailed)
			case pt.step.lookup == transport.LookupEntities && !listOK:
				// No list where the representations were sent, or one of another
				// length: a broken answer.
				keep(r.invalidLookup(pt.step, t))
				r.mark(t.obj, markFailed)
			case v == nil || v.Type() == fastjson.TypeNull:
				if pt.step.lookup == transport.LookupNode {
					r.mark(t.obj, markMissing)
				}
				// An entity the subgraph does not know: its fields stay null.
			default:
				// A string, a number or a list where an object belongs.
				keep(r.invalidLookup(pt.step, t))
				r.mark(t.obj, markFailed)
			}
		}
	}
	for _, ge := range kept {
		r.addError(b.parts[0].step, ge)
	}
}

// invalidLookup is the error of a lookup a subgraph answered with something other than
// an object or null.
func (r *run) invalidLookup(s *step, t *target) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf("subgraph %s returned an invalid value for an object it was asked for", s.sg.Name()),
		Path:       t.path(),
		Extensions: map[string]any{"code": errcode.InternalServerError, "subgraph": s.sg.Name()},
	}
}

// target returns the first target of alias n, and for an entities lookup of its item
// (-1: any).
func (b *batch) target(n, item int) *target {
	for _, pt := range b.parts {
		for _, t := range pt.targets {
			if t.alias == n && (item < 0 || t.item == item) {
				return t
			}
		}
	}
	return nil
}

func trimPrefix(s, prefix string) string {
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return "x"
}

func (r *run) mark(v *fastjson.Value, m mark) {
	if r.marks == nil {
		r.marks = map[*fastjson.Value]mark{}
	}
	if r.marks[v] == 0 {
		r.marks[v] = m
	}
}

// fail records that a step's subgraph gave no answer (err is transport.ErrUnavailable),
// or one too large to read (transport.ErrTooLarge).
func (r *run) fail(s *step, path ast.Path, err error) {
	e := &gqlerror.Error{
		Message:    fmt.Sprintf("subgraph %s did not answer", s.sg.Name()),
		Path:       path,
		Extensions: map[string]any{"code": errcode.SubgraphUnavailable, "subgraph": s.sg.Name()},
	}
	if errors.Is(err, transport.ErrTooLarge) {
		e.Message = fmt.Sprintf("subgraph %s answered more than %d bytes", s.sg.Name(), s.sg.MaxResponseBytes())
		e.Extensions["code"] = errcode.SubgraphResponseTooLarge
	}
	r.addError(s, e)
}

func (r *run) addError(s *step, e *gqlerror.Error) {
	r.errs = append(r.errs, stepError{step: s.index, err: e})
}

// subgraphError turns an error a subgraph sent into a client's error: its message, its
// code and the subgraph's name; its path mapped by path; nothing else of its extensions
// or locations, which describe the gateway's request rather than the client's.
//
// A subgraph's message reaches the client only when its code is one the graph documents
// for clients (errcode.Known) and is about the client's request: a message without such
// a code may be anything (an exception's text with an address in it, as
// "redis: dial tcp 10.0.0.5:6379: connect: connection refused"), an
// INTERNAL_SERVER_ERROR's is by definition not for the client, and a parse or validation
// failure describes the gateway's own subgraph request (the client's was checked
// before). Those become "subgraph NAME returned an error", as Apollo Router redacts
// them, keeping a code of the subgraph's own (ownCode), else INTERNAL_SERVER_ERROR; the
// message is logged. expose (-expose-subgraph-errors)
// keeps every message, for development.
func (r *run) subgraphError(sg *transport.Client, e *fastjson.Value, path func([]any) ast.Path) *gqlerror.Error {
	ge := &gqlerror.Error{Message: string(e.GetStringBytes("message")), Extensions: map[string]any{"subgraph": sg.Name()}}
	code := string(e.GetStringBytes("extensions", "code"))
	if !r.g.exposeSubgraphErrors && !clientMessage(code) {
		r.logger.WarnContext(r.ctx, "subgraph error redacted", "subgraph", sg.Name(), "code", code, "message", ge.Message)
		ge.Message = ""
		if !ownCode(code) {
			code = errcode.InternalServerError
		}
	}
	if ge.Message == "" {
		ge.Message = "subgraph " + sg.Name() + " returned an error"
	}
	if code == "" {
		code = errcode.InternalServerError
	}
	ge.Extensions["code"] = code
	var raw []any
	for _, el := range e.GetArray("path") {
		switch el.Type() {
		case fastjson.TypeString:
			raw = append(raw, string(el.GetStringBytes()))
		case fastjson.TypeNumber:
			raw = append(raw, el.GetInt())
		}
	}
	ge.Path = path(raw)
	return ge
}

// ownCode reports whether code is a subgraph's own machine-readable code (OFFLINE,
// NOT_FOUND), which its client may act on and which the error keeps when its message is
// redacted: upper snake case, at most 64 bytes, and not one of the codes that describe a
// failure of the gateway's own request (those become INTERNAL_SERVER_ERROR).
func ownCode(code string) bool {
	switch code {
	case "", errcode.InternalServerError, errcode.ParseFailed, errcode.ValidationFailed:
		return false
	}
	if len(code) > 64 || code[0] < 'A' || code[0] > 'Z' {
		return false
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// clientMessage reports whether a subgraph error of this code keeps its message.
func clientMessage(code string) bool {
	switch code {
	case errcode.InternalServerError, errcode.ParseFailed, errcode.ValidationFailed:
		return false
	}
	return errcode.Known(code)
}

// clientPath appends a subgraph path's elements to prefix.
func clientPath(prefix ast.Path, p []any) ast.Path {
	out := slices.Clone(prefix)
	for _, el := range p {
		switch v := el.(type) {
		case string:
			out = append(out, ast.PathName(v))
		case int:
			out = append(out, ast.PathIndex(v))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// merge copies src's entries into dst, merging objects present in both, and lists of the
// same length present in both item by item: two subgraphs asked the same shareable root
// field for different fields of its objects.
func merge(dst, src *fastjson.Value) {
	dobj, _ := dst.Object()
	sobj, _ := src.Object()
	if dobj == nil || sobj == nil {
		return
	}
	sobj.Visit(func(key []byte, v *fastjson.Value) {
		k := unsafeString(key)
		if old := dobj.Get(k); old != nil && mergeable(old, v) {
			mergeValue(old, v)
			return
		}
		dobj.Set(k, v)
	})
}

// mergeable reports whether src merges into dst instead of replacing it.
func mergeable(dst, src *fastjson.Value) bool {
	switch {
	case dst.Type() == fastjson.TypeObject && src.Type() == fastjson.TypeObject:
		return true
	case dst.Type() == fastjson.TypeArray && src.Type() == fastjson.TypeArray:
		d, _ := dst.Array()
		s, _ := src.Array()
		return len(d) == len(s)
	}
	return false
}

func mergeValue(dst, src *fastjson.Value) {
	if dst.Type() == fastjson.TypeObject {
		merge(dst, src)
		return
	}
	d, _ := dst.Array()
	s, _ := src.Array()
	for i := range d {
		if mergeable(d[i], s[i]) {
			mergeValue(d[i], s[i])
		}
	}
}

// unsafeString views b as a string without copying. It is used only for bytes that
// belong to a parser of the run, which stay unchanged until the run is released.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
