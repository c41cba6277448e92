// Package fedplan is the gateway's query planner for Apollo Federation supergraphs: it
// turns an operation, normalised (Normalize), into fetches to the subgraphs that a
// supergraph (package supergraph) says can resolve each field.
//
// A plan is groups of fetches. Groups run one after another: a query has one, a
// mutation one per run of consecutive root fields sent to the same subgraph, so that
// root fields execute in document order. A group's root fetches send a fixed document;
// its entity fetches send `_entities(representations: $r) { ... on T { … } }` for the
// objects their path reaches in the response, built from fields other fetches have
// already brought (keys, and @requires), and run once every fetch they depend on has
// answered.
//
// Fields the planner adds (key fields, required fields, __typename) have aliases that
// start with a reserved prefix, so they never clash with the client's fields, and are
// left out of the answer.
package fedplan

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/fedgraph/fedgraph/gateway/supergraph"
)

// Plan is an operation's plan.
type Plan struct {
	// Groups run one after another.
	Groups []*Group
	// Fetches holds every fetch, in the order the planner made them: a fetch's index.
	Fetches []*Fetch
}

// Group is fetches that run together: the root fetches at once, every other as soon as
// the fetches it depends on have answered.
type Group struct {
	Fetches []*Fetch
}

// Fetch is one request to a subgraph per client request: a root fetch, or an entity
// fetch for every object its path reaches.
type Fetch struct {
	Index int
	Graph *supergraph.Graph
	// Root is set for a root fetch, whose Selection is root fields of the operation's
	// type.
	Root bool
	// Path leads from the response's root to the objects an entity fetch is for,
	// crossing lists item by item.
	Path []PathElem
	// Deps are the fetches whose answers an entity fetch needs: the objects and their
	// key and required fields.
	Deps []*Fetch
	// Selection is what the fetch asks: a root fetch's root fields, or an entity
	// fetch's inline fragments, one per distinct Entity.Typename.
	Selection ast.SelectionSet
	// Entities say, for each runtime type the fetch is for, how to make an object's
	// representation.
	Entities []*Entity
	// Renames restore the response keys of fields the fetch had to ask under another
	// alias, in order: they apply to its answer before it is merged.
	Renames []Rename
}

// Rename moves, in the objects of runtime type Type at Path (from the fetch's data, or
// from each of its entities), the value at From to the key To. A subgraph refuses two
// fields of one response key whose types differ in shape (an ID! on one implementation,
// an ID on another): the planner asks one of them under an alias of its own.
type Rename struct {
	Path     []PathElem
	Type     string
	From, To string
}

// PathElem is one response key of a path. Types, when set, keep only the objects (after
// lists are crossed) whose runtime type is one of them.
type PathElem struct {
	Key   string
	Types []string
}

// Entity is how an entity fetch represents objects of one runtime type.
type Entity struct {
	// Type is the runtime type of the objects this applies to: the value of their
	// typename field (TypenameKey); "" for objects without one, which an interface
	// object brought.
	Type string
	// Typename is the __typename of the representation: Type, or the name of an
	// interface a subgraph resolves as an interface object.
	Typename string
	// Static is set where every object the fetch is for is of Type, the type of its
	// position: the planner did not ask for their typename, and an object without one
	// is of Type.
	Static bool
	// Fields are the representation's other fields: the key, and the fields the
	// fetched fields @require.
	Fields []RepField
}

// RepField is one field of a representation: its value is the object's value at From,
// and for an object value, Fields of it. A field whose From the object lacks is left
// out; a key field that is missing or null leaves the object without a representation.
type RepField struct {
	Name   string
	From   string
	Key    bool
	Fields []RepField
}

// TypenameKey is the response key under which the planner asks for __typename:
// prefix + "t". The executor reads runtime types from it.
func TypenameKey(prefix string) string { return prefix + "t" }

// String prints the plan for tests and debugging: one line per fetch, then its
// document.
func (p *Plan) String() string {
	var b strings.Builder
	for gi, g := range p.Groups {
		if len(p.Groups) > 1 {
			fmt.Fprintf(&b, "group %d\n", gi)
		}
		for _, f := range g.Fetches {
			fmt.Fprintf(&b, "[%d] %s", f.Index, f.Graph.Name)
			if !f.Root {
				fmt.Fprintf(&b, " at %s", PathString(f.Path))
				if len(f.Deps) > 0 {
					var deps []string
					for _, d := range f.Deps {
						deps = append(deps, fmt.Sprint(d.Index))
					}
					fmt.Fprintf(&b, " after %s", strings.Join(deps, ","))
				}
				for _, e := range f.Entities {
					fmt.Fprintf(&b, " %s", e.String())
				}
			}
			for _, r := range f.Renames {
				fmt.Fprintf(&b, " rename %s[%s].%s->%s", PathString(r.Path), r.Type, r.From, r.To)
			}
			b.WriteString("\n")
			b.WriteString(indent(FormatSelection(f.Selection), "  "))
		}
	}
	return b.String()
}

// String prints a representation's shape: Type(as Typename){name<-from …}.
func (e *Entity) String() string {
	var b strings.Builder
	if e.Type == "" {
		b.WriteString("(untyped)")
	}
	b.WriteString(e.Type)
	if e.Static {
		b.WriteString("(static)")
	}
	if e.Typename != e.Type {
		b.WriteString("(as " + e.Typename + ")")
	}
	b.WriteString(repFieldsString(e.Fields))
	return b.String()
}

func repFieldsString(fs []RepField) string {
	var parts []string
	for _, f := range fs {
		s := f.Name
		if f.From != f.Name {
			s += "<-" + f.From
		}
		if len(f.Fields) > 0 {
			s += repFieldsString(f.Fields)
		}
		parts = append(parts, s)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// PathString prints a path: keys joined by dots, type filters in brackets.
func PathString(p []PathElem) string {
	var parts []string
	for _, e := range p {
		s := e.Key
		if len(e.Types) > 0 {
			s += "[" + strings.Join(e.Types, "|") + "]"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, ".")
}

// FormatSelection prints a selection set as GraphQL, one field per line.
func FormatSelection(set ast.SelectionSet) string {
	var buf bytes.Buffer
	op := &ast.OperationDefinition{Operation: ast.Query, SelectionSet: set}
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatQueryDocument(&ast.QueryDocument{Operations: ast.OperationList{op}})
	return buf.String()
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}
