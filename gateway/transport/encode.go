package transport

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/fedgraph/fedgraph/internal/jsonesc"
)

// The body of every subgraph request is written here, and only here: a plan's steps are
// compiled once into Queries (the escaped text that never changes), and an Encoder
// writes each request from them, the client's variables and, for a batch of lookups,
// their keys.

// LookupKind is how a dependent step fetches the objects it adds fields to.
type LookupKind uint8

const (
	// LookupNode fetches each object by id, one aliased `node(id:)` per distinct id
	// (stitch mode: the Node contract).
	LookupNode LookupKind = iota
	// LookupEntities fetches a step's objects by representation, in one
	// `_entities(representations:)` (Federation).
	LookupEntities
)

// Query is the part of a plan step's subgraph requests that every request of the plan
// shares: a root document, or a lookup's fragment. It is built once, when the plan is
// compiled, and read-only after.
type Query struct {
	// head is a root document's request body up to the variables object:
	// {"query":…,"variables":
	head []byte
	// vars are the client's variables the document uses.
	vars []string
	// A lookup's: its kind, its selection as the JSON-escaped text of a named fragment
	// (on the parent type for node, on _Entity for entities) and that name, and the
	// JSON-escaped definitions of vars, `$name:Type,` each.
	lookup       LookupKind
	fragment     []byte
	fragmentName string
	varDefs      []byte
}

// Variable is a client variable a lookup's fragment uses.
type Variable struct {
	// Name is the variable's name, without $.
	Name string
	// Definition is how the request declares it: `$name:Type`, and `=default` when the
	// client's operation gives one.
	Definition string
}

// RootQuery compiles a root document: text is the document as sent, vars the client's
// variables it uses.
func RootQuery(text string, vars []string) *Query {
	q := &Query{vars: vars}
	q.head = append(q.head, `{"query":`...)
	q.head = jsonesc.AppendString(q.head, text)
	q.head = append(q.head, `,"variables":`...)
	return q
}

// LookupQuery compiles a lookup: its kind, and the fragment called name, whose text is
// fragment, that selects what it fetches of each object, with the client's variables
// it uses.
func LookupQuery(kind LookupKind, name, fragment string, vars []Variable) *Query {
	q := &Query{lookup: kind, fragmentName: name, fragment: jsonesc.AppendEscaped(nil, fragment)}
	for _, v := range vars {
		q.vars = append(q.vars, v.Name)
		q.varDefs = jsonesc.AppendEscaped(q.varDefs, v.Definition+",")
	}
	return q
}

// Size is the bytes the query keeps of its text, for a plan cache's bound.
func (q *Query) Size() int { return len(q.head) + len(q.fragment) }

// Lookups is one dependent step's share of a batched lookup request.
type Lookups struct {
	Query *Query
	// Keys are the distinct lookup keys, as JSON: ids for node, representations for
	// entities.
	Keys [][]byte
	// Base is the first alias of the share: for node, its keys' aliases are Base,
	// Base+1, …; for entities its one alias is Base.
	Base int
}

// Encoder writes the request bodies of one client request's subgraph requests,
// encoding each of the client's variables once. One goroutine uses it: the executor's
// coordinator writes every body before it hands the request to another.
type Encoder struct {
	vars    map[string]any
	encoded map[string][]byte // each variable encoded once
}

// NewEncoder returns the encoder of a request whose variables are vars.
func NewEncoder(vars map[string]any) Encoder { return Encoder{vars: vars} }

// Root writes the body of a root document's request.
func (e *Encoder) Root(q *Query) []byte {
	return e.appendVariables(slices.Clip(q.head), q.vars, nil)
}

// Lookups writes the body of one request that batches lookups, every alias and
// reserved name starting with prefix:
//
//	node:     query($_f0:ID!,…,$v:T,){_f0:node(id:$_f0){..._fS3} …} fragment _fS3 on T {…}
//	entities: query($_f0:[_Any!]!,…,$v:T,){_f0:_entities(representations:$_f0){..._fS3} …} fragment _fS3 on _Entity {…}
//
// parts' aliases run from 0, in order.
func (e *Encoder) Lookups(prefix string, parts []Lookups) []byte {
	size := 256
	for _, pt := range parts {
		for _, k := range pt.Keys {
			size += len(k) + 16
		}
	}
	out := make([]byte, 0, size)
	out = append(out, `{"query":"query(`...)
	alias := func(n int) {
		out = append(out, prefix...)
		out = strconv.AppendInt(out, int64(n), 10)
	}
	for _, pt := range parts {
		if pt.Query.lookup == LookupEntities {
			out = append(out, '$')
			alias(pt.Base)
			out = append(out, ":[_Any!]!,"...)
			continue
		}
		for i := range pt.Keys {
			out = append(out, '$')
			alias(pt.Base + i)
			out = append(out, ":ID!,"...)
		}
	}
	var vars []string
	for _, pt := range parts {
		for i, v := range pt.Query.vars {
			if !slices.Contains(vars, v) {
				vars = append(vars, v)
				out = append(out, pt.Query.varDef(i)...)
			}
		}
	}
	out = append(out, "){"...)
	for _, pt := range parts {
		if pt.Query.lookup == LookupEntities {
			alias(pt.Base)
			out = append(out, ":_entities(representations:$"...)
			alias(pt.Base)
			out = append(out, "){..."...)
			out = append(out, pt.Query.fragmentName...)
			out = append(out, '}')
			continue
		}
		for i := range pt.Keys {
			alias(pt.Base + i)
			out = append(out, ":node(id:$"...)
			alias(pt.Base + i)
			out = append(out, "){..."...)
			out = append(out, pt.Query.fragmentName...)
			out = append(out, '}')
		}
	}
	out = append(out, '}')
	for i, pt := range parts {
		if !slices.ContainsFunc(parts[:i], func(p Lookups) bool { return p.Query == pt.Query }) {
			out = append(out, ' ')
			out = append(out, pt.Query.fragment...)
		}
	}
	out = append(out, `","variables":`...)
	keys := func(out []byte) []byte {
		for _, pt := range parts {
			if pt.Query.lookup == LookupEntities {
				out = append(out, '"')
				out = append(out, prefix...)
				out = strconv.AppendInt(out, int64(pt.Base), 10)
				out = append(out, `":[`...)
				for i, k := range pt.Keys {
					if i > 0 {
						out = append(out, ',')
					}
					out = append(out, k...)
				}
				out = append(out, "],"...)
				continue
			}
			for i, k := range pt.Keys {
				out = append(out, '"')
				out = append(out, prefix...)
				out = strconv.AppendInt(out, int64(pt.Base+i), 10)
				out = append(out, `":`...)
				out = append(out, k...)
				out = append(out, ',')
			}
		}
		return out
	}
	return e.appendVariables(out, vars, keys)
}

// varDef returns the definition text of the query's i-th variable.
func (q *Query) varDef(i int) []byte {
	// varDefs holds `$name:Type,` per variable, in vars order, JSON-escaped.
	defs := q.varDefs
	for ; i > 0; i-- {
		defs = defs[indexComma(defs)+1:]
	}
	return defs[:indexComma(defs)+1]
}

// indexComma finds the comma ending a variable definition: types hold no commas.
func indexComma(b []byte) int {
	for i, c := range b {
		if c == ',' {
			return i
		}
	}
	return len(b) - 1
}

// appendVariables writes the variables object and closes the body.
func (e *Encoder) appendVariables(out []byte, names []string, extra func([]byte) []byte) []byte {
	out = append(out, '{')
	if extra != nil {
		out = extra(out)
	}
	for _, n := range names {
		v, ok := e.vars[n]
		if !ok {
			continue
		}
		if e.encoded == nil {
			e.encoded = map[string][]byte{}
		}
		js, ok := e.encoded[n]
		if !ok {
			var err error
			if js, err = json.Marshal(v); err != nil {
				js = []byte("null")
			}
			e.encoded[n] = js
		}
		out = jsonesc.AppendString(out, n)
		out = append(out, ':')
		out = append(out, js...)
		out = append(out, ',')
	}
	if out[len(out)-1] == ',' {
		out = out[:len(out)-1]
	}
	return append(out, "}}"...)
}
