package gateway

import (
	"strings"

	"github.com/fedgraph/fedgraph/gateway/transport"
)

// The plan a client sees when it asks for it (front.Config.ExposeQueryPlan), in the
// response's extensions.queryPlan: the groups of steps in the order they run (a query
// has one; a mutation one per run of root fields owned by the same subgraph), and in each
// the root steps that run in parallel, each with the steps that wait for its answer.
//
//	{"kind": "query", "groups": [[{"subgraph": "products", "query": "{ products … }",
//	  "then": [{"subgraph": "users", "path": ["products", "edges", "node", "owner"],
//	            "lookup": "node", "fragment": "fragment _fS1 on User { name }"}]}]]}
//
// A dependent step fetches every object its path reaches in its parent's answer, by id,
// in one request to its subgraph (several past -max-lookups-per-request); "lookup" names
// the root field it asks them through.

type planView struct {
	Kind   string       `json:"kind"`
	Groups [][]stepView `json:"groups"`
}

type stepView struct {
	// ID is the step's number, given when a step waits for more than one other, whose
	// After lists them; it is nested under the last of them.
	ID       *int       `json:"id,omitempty"`
	Subgraph string     `json:"subgraph"`
	Path     []string   `json:"path,omitempty"`
	Query    string     `json:"query,omitempty"`
	Lookup   string     `json:"lookup,omitempty"`
	Fragment string     `json:"fragment,omitempty"`
	After    []int      `json:"after,omitempty"`
	Then     []stepView `json:"then,omitempty"`
}

// describe is the plan as a client sees it.
func (p *plan) describe() planView {
	v := planView{Kind: "query", Groups: make([][]stepView, 0, len(p.groups))}
	if p.mutation {
		v.Kind = "mutation"
	}
	ids := false
	for _, s := range p.steps {
		ids = ids || len(s.deps) > 1
	}
	for _, group := range p.groups {
		views := make([]stepView, 0, len(group))
		for _, s := range group {
			if s.root {
				views = append(views, s.describe(ids))
			}
		}
		v.Groups = append(v.Groups, views)
	}
	return v
}

// describe is a step with the steps nested under it: those whose last dependency it is.
func (s *step) describe(ids bool) stepView {
	v := stepView{Subgraph: s.sg.Name()}
	if ids {
		id := s.index
		v.ID = &id
	}
	if s.root {
		v.Query = s.text
	} else {
		v.Lookup, v.Fragment = "node", s.text
		if s.lookup == transport.LookupEntities {
			v.Lookup = "_entities"
		}
		for _, el := range s.path {
			key := el.key
			if len(el.types) > 0 {
				key += "[" + strings.Join(el.types, "|") + "]"
			}
			v.Path = append(v.Path, key)
		}
		if len(s.deps) > 1 {
			for _, d := range s.deps {
				v.After = append(v.After, d.index)
			}
		}
	}
	for _, c := range s.dependents {
		if c.deps[len(c.deps)-1] == s {
			v.Then = append(v.Then, c.describe(ids))
		}
	}
	return v
}
