package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/fedplan"
	"github.com/fedgraph/fedgraph/gateway/supergraph"
	"github.com/fedgraph/fedgraph/gateway/transport"
	"github.com/fedgraph/fedgraph/internal/jsonesc"
)

// Federation mode: the gateway serves an Apollo Federation supergraph (Config.Supergraph)
// instead of stitching its subgraphs' SDL. The supergraph file gives the API schema and
// says which subgraph resolves what; the gateway's own planner (fedplan) turns each
// operation into root fetches and _entities lookups, which the executor runs as it runs
// a stitched plan. Nothing is asked of any subgraph to start: with every subgraph down,
// introspection and __typename answer, and each subgraph's fields answer
// SUBGRAPH_UNAVAILABLE until it is back. The file is read again every
// SchemaPollInterval; a change that parses is swapped in whole, one that does not is
// refused with a logged reason while the old graph keeps serving.

// federation is what a graph of federation mode adds: the supergraph, and the subgraph
// of each of its graphs.
type federation struct {
	sg        *supergraph.Supergraph
	subgraphs []*transport.Client // by supergraph.Graph.Index
	// sum identifies the file's text, to see it change.
	sum [sha256.Size]byte
}

// readSupergraph reads and parses a supergraph file.
func readSupergraph(path string) (*supergraph.Supergraph, [sha256.Size]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, [sha256.Size]byte{}, fmt.Errorf("read supergraph: %w", err)
	}
	sg, err := supergraph.Parse(string(b))
	return sg, sha256.Sum256(b), err
}

// federatedSubgraphs returns the subgraphs of a supergraph, in its order, each at the
// URL the supergraph gives unless overrides names it (Config.Subgraphs): a supergraph
// composed in one environment runs in another. unknown lists the overrides of subgraphs
// the supergraph lacks: an error at the start (a mistyped name), ignored with a warning
// when a changed file dropped a subgraph.
func federatedSubgraphs(sg *supergraph.Supergraph, overrides []Subgraph) (list []Subgraph, unknown []string) {
	list = make([]Subgraph, len(sg.Graphs))
	for i, g := range sg.Graphs {
		list[i] = Subgraph{Name: g.Name, URL: g.URL}
	}
	for _, o := range overrides {
		g := sg.Graph(o.Name)
		if g == nil {
			unknown = append(unknown, o.Name)
			continue
		}
		list[g.Index] = o
	}
	return list, unknown
}

// buildFederated makes a graph of generation gen from a parsed supergraph. Subgraphs are
// taken from g.subgraphs by name and URL; one the gateway did not start with (a reload
// added it) gets a client of its own.
func (g *Gateway) buildFederated(sg *supergraph.Supergraph, sum [sha256.Size]byte, overrides []Subgraph, gen uint64) (*graph, error) {
	list, unknown := federatedSubgraphs(sg, overrides)
	if len(unknown) > 0 {
		g.logger.Warn("gateway: the changed supergraph has no subgraph of these names; their -subgraph URLs are ignored", "subgraphs", unknown)
	}
	fed := &federation{sg: sg, sum: sum, subgraphs: make([]*transport.Client, len(list))}
	for i, sc := range list {
		for _, have := range g.subgraphs {
			if have.Name() == sc.Name && have.URL() == sc.URL {
				fed.subgraphs[i] = have
			}
		}
		if fed.subgraphs[i] == nil {
			if sc.URL == "" {
				return nil, fmt.Errorf("subgraph %s has no URL: give it with -subgraph %s=URL", sc.Name, sc.Name)
			}
			c, err := g.newClient(sc)
			if err != nil {
				return nil, err
			}
			fed.subgraphs[i] = c
		}
	}
	gr := &graph{generation: gen, schema: publicSchema(sg.API), fed: fed, subgraphs: fed.subgraphs,
		sdls: make(sdls, len(g.subgraphs))}
	for i := range gr.sdls {
		gr.sdls[i] = "supergraph" // every subgraph's schema is the supergraph's
	}
	return gr, nil
}

// compileFederated plans one variant of an operation with fedplan and compiles the
// result.
func (gr *graph) compileFederated(o *operation, v *variant) (*plan, error) {
	p := &plan{prefix: o.prefix, mutation: o.op.Operation == ast.Mutation, untyped: true}
	conds := make(map[string]any, len(v.conds))
	for c, on := range v.conds {
		conds[c] = on
	}
	sel := fedplan.Normalize(o.op, o.doc.Fragments, conds, func(f *ast.Field) bool { return !v.denied[f] })
	fp, err := fedplan.Build(gr.fed.sg, o.op.Operation, sel, o.prefix)
	if err != nil {
		return nil, err
	}
	p.steps = make([]*step, len(fp.Fetches))
	for _, f := range fp.Fetches {
		p.steps[f.Index] = &step{index: f.Index, sg: gr.fed.subgraphs[f.Graph.Index], root: f.Root}
	}
	for _, grp := range fp.Groups {
		group := make([]*step, 0, len(grp.Fetches))
		for _, f := range grp.Fetches {
			s := p.steps[f.Index]
			group = append(group, s)
			for _, rn := range f.Renames {
				s.renames = append(s.renames, rename{path: keyElems(rn.Path), typ: rn.Type, from: rn.From, to: rn.To})
			}
			if f.Root {
				s.text = format(&ast.QueryDocument{Operations: ast.OperationList{o.subgraphOperation(f.Selection)}})
				p.finishRoot(o, s, f.Selection)
				continue
			}
			s.lookup = transport.LookupEntities
			s.path = keyElems(f.Path)
			for _, d := range f.Deps {
				ds := p.steps[d.Index]
				s.deps = append(s.deps, ds)
				ds.dependents = append(ds.dependents, s)
			}
			for _, e := range f.Entities {
				s.entities = append(s.entities, &entityRep{typ: e.Type, static: e.Static,
					typename: jsonesc.AppendString([]byte(`"__typename":`), e.Typename), fields: repFields(e.Fields)})
			}
			p.finishLookup(o, s, &ast.FragmentDefinition{Name: o.prefix + "S" + strconv.Itoa(s.index), TypeCondition: "_Entity", SelectionSet: f.Selection})
		}
		p.groups = append(p.groups, group)
	}
	sb := newShapes(o, v)
	sb.untyped = true
	shape, err := sb.root()
	if err != nil {
		return nil, err
	}
	p.shape, p.unauthorized = shape, sb.unauthorized
	return p, nil
}

func keyElems(path []fedplan.PathElem) []keyElem {
	out := make([]keyElem, len(path))
	for i, el := range path {
		out[i] = keyElem{key: el.Key, types: el.Types}
	}
	return out
}

// repFields compiles a representation's fields: each name as the JSON key it is written
// under.
func repFields(fields []fedplan.RepField) []repField {
	out := make([]repField, len(fields))
	for i, f := range fields {
		out[i] = repField{name: append(jsonesc.AppendString(nil, f.Name), ':'), from: f.From, key: f.Key, fields: repFields(f.Fields)}
	}
	return out
}

// watchSupergraph reads the supergraph file every interval until ctx ends and swaps in
// the graph of a changed file; see the top of this file.
func (g *Gateway) watchSupergraph(ctx context.Context, path string, overrides []Subgraph) {
	defer close(g.polled)
	var refused [sha256.Size]byte
	var unreadable string
	for {
		t := time.NewTimer(g.pollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		cur := g.graph.Load()
		sg, sum, err := readSupergraph(path)
		if errors.Is(err, os.ErrNotExist) || sum == ([sha256.Size]byte{}) && err != nil {
			if err.Error() != unreadable {
				g.logger.Error("gateway: supergraph unreadable; the current graph keeps serving", "file", path, "err", err)
				unreadable = err.Error()
			}
			continue
		}
		unreadable = ""
		if sum == cur.fed.sum || (err != nil && sum == refused) {
			continue
		}
		var next *graph
		if err == nil {
			next, err = g.buildFederated(sg, sum, overrides, cur.generation+1)
		}
		if err != nil {
			if sum != refused {
				g.logger.Error("gateway: supergraph change refused; the current graph keeps serving", "file", path, "err", err)
			}
			refused = sum
			continue
		}
		g.swap(next)
		g.logger.Info("gateway: supergraph reloaded", "file", path, "generation", next.generation)
	}
}
