package gateway

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
	Subgraph string     `json:"subgraph"`
	Path     []string   `json:"path,omitempty"`
	Query    string     `json:"query,omitempty"`
	Lookup   string     `json:"lookup,omitempty"`
	Fragment string     `json:"fragment,omitempty"`
	Then     []stepView `json:"then,omitempty"`
}

// describe is the plan as a client sees it.
func (p *plan) describe() planView {
	v := planView{Kind: "query", Groups: make([][]stepView, 0, len(p.groups))}
	if p.mutation {
		v.Kind = "mutation"
	}
	for _, group := range p.groups {
		views := make([]stepView, 0, len(group))
		for _, s := range group {
			views = append(views, s.describe())
		}
		v.Groups = append(v.Groups, views)
	}
	return v
}

func (s *step) describe() stepView {
	v := stepView{Subgraph: s.sg.Name}
	if s.root {
		v.Query = s.text
	} else {
		v.Path, v.Lookup, v.Fragment = s.path, "node", s.text
	}
	for _, c := range s.children {
		v.Then = append(v.Then, c.describe())
	}
	return v
}
