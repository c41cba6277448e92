package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/transport"
)

// The gateway keeps its graph current while it runs. A poller fetches every subgraph's
// SDL each SchemaPollInterval (every second while a subgraph has never answered, or
// has only its cached SDL in the graph; even with polling off, until none is left);
// when one changes, or a missing subgraph appears, the SDLs are merged again and the
// new graph is swapped in whole. Requests in flight finish on the graph they started on
// (each request runs on the graph whose schema the front validated it against), new
// ones get the new graph, and plans are cached per graph generation, so none is served
// against a schema it was not planned for. A set of SDLs that does not merge is
// refused with a logged reason, once, and the old graph keeps serving. A subgraph whose
// SDL cannot be fetched keeps its last SDL: an outage never shrinks the schema. Every
// SDL of a graph that is swapped in is saved in the schema cache, when there is one
// (schema.go).

// sdls is the SDL text of each subgraph, by position in Gateway.subgraphs; "" for one
// that has never answered.
type sdls []string

// complete reports whether every subgraph has an SDL.
func (s sdls) complete() bool {
	for _, t := range s {
		if t == "" {
			return false
		}
	}
	return true
}

// key identifies the set, to remember sets that were refused.
func (s sdls) key() string {
	h := sha256.New()
	for _, t := range s {
		fmt.Fprintf(h, "%d:%s", len(t), t)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fetchSDLs fetches every subgraph's SDL concurrently; a failed fetch keeps prev's.
// answered reports, by position, the subgraphs whose fetch succeeded.
func (g *Gateway) fetchSDLs(ctx context.Context, prev sdls) (out sdls, answered []bool) {
	out = make(sdls, len(g.subgraphs))
	copy(out, prev)
	answered = make([]bool, len(g.subgraphs))
	var wg sync.WaitGroup
	for i, sg := range g.subgraphs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, err := sg.SDL(ctx)
			if err != nil {
				if prev[i] == "" {
					g.logger.DebugContext(ctx, "subgraph schema not available", "subgraph", sg.Name(), "err", err)
				}
				return
			}
			out[i], answered[i] = text, true
		}()
	}
	wg.Wait()
	return out, answered
}

// waitForSDLs fetches the SDLs until every subgraph has answered or ctx ends, with a
// backoff between rounds, and returns what it has.
func (g *Gateway) waitForSDLs(ctx context.Context) sdls {
	got := make(sdls, len(g.subgraphs))
	backoff := 50 * time.Millisecond
	for {
		got, _ = g.fetchSDLs(ctx, got)
		if got.complete() {
			return got
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return got
		case <-t.C:
		}
		backoff = min(backoff*2, time.Second)
	}
}

// first builds the graph the gateway starts with from the SDLs that answered (texts),
// adding the cached SDL of each subgraph that did not. If those do not merge with the
// rest (a subgraph changed its shared types while the other was down), it starts
// without them. With no SDL at all it returns the empty graph: no schema, every
// subgraph missing, which the handler answers with 503 until a subgraph answers.
func (g *Gateway) first(texts sdls) (*graph, error) {
	withCache := slices.Clone(texts)
	var cached []string
	for i, sg := range g.subgraphs {
		// Every file is read, so that an unchanged SDL is not written again.
		if saved := g.cache.load(sg.Name()); withCache[i] == "" && saved != "" {
			withCache[i] = saved
			cached = append(cached, sg.Name())
		}
	}
	if len(cached) > 0 {
		gr, err := g.build(withCache, 1)
		if err == nil {
			for i := range g.subgraphs {
				g.cached[i].Store(texts[i] == "" && withCache[i] != "")
			}
			g.logger.Warn("gateway: starting with the cached schemas of subgraphs that did not answer; their fields fail until they do",
				"cached", strings.Join(cached, ","))
			return gr, nil
		}
		g.logger.Error("gateway: the cached schemas do not merge with the others; starting without them",
			"cached", strings.Join(cached, ","), "err", err)
	}
	if slices.IndexFunc(texts, func(t string) bool { return t != "" }) < 0 {
		return g.emptyGraph(), nil
	}
	return g.build(texts, 1)
}

// emptyGraph is the graph of a gateway that has no SDL yet: generation 0, no schema
// (Schema returns nil), every subgraph missing.
func (g *Gateway) emptyGraph() *graph {
	gr := &graph{sdls: make(sdls, len(g.subgraphs)), mutationOwner: map[string]*transport.Client{}}
	for _, sg := range g.subgraphs {
		gr.missing = append(gr.missing, sg.Name())
	}
	return gr
}

// settle records what the subgraphs that answered (texts, answered) say of gr, the
// graph now served: a cached SDL that its subgraph served again is cached no more; and
// it saves gr's SDLs that came from the subgraphs in the schema cache.
func (g *Gateway) settle(gr *graph, texts sdls, answered []bool) {
	for i, sg := range g.subgraphs {
		if answered[i] && texts[i] == gr.sdls[i] {
			g.cached[i].Store(false)
		}
		if gr.sdls[i] != "" && !g.cached[i].Load() {
			g.cache.save(sg.Name(), gr.sdls[i])
		}
	}
}

// unsettled reports whether gr lacks a subgraph, or holds one only by its cached SDL:
// then the poller asks every second.
func (g *Gateway) unsettled(gr *graph) bool {
	if !gr.sdls.complete() {
		return true
	}
	for i := range g.cached {
		if g.cached[i].Load() {
			return true
		}
	}
	return false
}

// build merges the subgraphs that have an SDL into a graph of generation gen.
func (g *Gateway) build(texts sdls, gen uint64) (*graph, error) {
	gr := &graph{generation: gen, mutationOwner: map[string]*transport.Client{}, sdls: texts}
	byURL := map[string]*transport.Client{}
	var sources []*graphql.RemoteSchema
	for i, sg := range g.subgraphs {
		if texts[i] == "" {
			gr.missing = append(gr.missing, sg.Name())
			continue
		}
		s, err := loadSubgraphSchema(sg.Name(), texts[i])
		if err != nil {
			return nil, fmt.Errorf("subgraph %s: parse SDL: %w", sg.Name(), err)
		}
		gr.subgraphs = append(gr.subgraphs, sg)
		byURL[sg.URL()] = sg
		sources = append(sources, &graphql.RemoteSchema{URL: sg.URL(), Schema: s})
		if s.Mutation != nil {
			for _, f := range s.Mutation.Fields {
				if gr.mutationOwner[f.Name] == nil {
					gr.mutationOwner[f.Name] = sg
				}
			}
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("no subgraph answered")
	}
	factory := nautilus.QueryerFactory(func(_ *nautilus.PlanningContext, url string) graphql.Queryer {
		if sg := byURL[url]; sg != nil {
			return locator{sg: sg}
		}
		return nil
	})
	capture := &schemaCapture{}
	planner, err := nautilus.New(sources,
		nautilus.WithQueryerFactory(&factory),
		nautilus.WithQueryPlanCache(capture),
		nautilus.WithLogger(newLogger(g.logger)),
	)
	if err != nil {
		return nil, fmt.Errorf("merge subgraph schemas: %w", err)
	}
	// nautilus keeps the merged schema to itself but hands it to the plan cache with
	// every plan; planning the smallest query once captures it.
	if _, err := planner.GetPlans(&nautilus.RequestContext{Context: context.Background(), Query: "{ __typename }"}); err != nil {
		return nil, fmt.Errorf("plan probe query: %w", err)
	}
	gr.planner = planner
	gr.schema = publicSchema(capture.schema.Load())
	return gr, nil
}

// swap makes gr the graph new requests use; the one it replaces stays reachable for the
// requests that were validated against it.
func (g *Gateway) swap(gr *graph) {
	if old := g.graph.Load(); old != nil {
		g.previous.Store(old)
	}
	g.graph.Store(gr)
}

// graphFor returns the graph whose schema a request was validated against: the current
// one, or the one it replaced while the request was on its way.
func (g *Gateway) graphFor(schema *ast.Schema) *graph {
	cur := g.graph.Load()
	if schema == nil || schema == cur.schema {
		return cur
	}
	if prev := g.previous.Load(); prev != nil && prev.schema == schema {
		return prev
	}
	return cur
}

// poll keeps the graph current until ctx ends; see the top of this file.
func (g *Gateway) poll(ctx context.Context) {
	defer close(g.polled)
	refused := map[string]bool{}
	// A fetch gets 5s, or the poll interval when that is shorter.
	fetchTimeout := 5 * time.Second
	if g.pollInterval > 0 {
		fetchTimeout = min(fetchTimeout, g.pollInterval)
	}
	for {
		cur := g.graph.Load()
		wait := g.pollInterval
		if g.unsettled(cur) {
			if wait < 0 || wait > time.Second {
				wait = time.Second
			}
		} else if wait < 0 {
			return // polling is off, and nothing is missing any more
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		fctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		texts, answered := g.fetchSDLs(fctx, cur.sdls)
		cancel()
		if texts.key() == cur.sdls.key() || refused[texts.key()] {
			g.settle(cur, texts, answered)
			continue
		}
		next, err := g.build(texts, cur.generation+1)
		if err != nil {
			refused[texts.key()] = true
			g.logger.Error("gateway: schema change refused; the current graph keeps serving", "err", err)
			g.settle(cur, texts, answered)
			continue
		}
		g.swap(next)
		g.settle(next, texts, answered)
		g.logger.Info("gateway: schema reloaded", "generation", next.generation, "missing", strings.Join(next.missing, ","))
	}
}

// readiness is the body of /readyz.
type readiness struct {
	// Status is "ready" while the gateway serves a graph, "unavailable" before any
	// subgraph has answered (and none had a cached schema).
	Status string `json:"status"`
	// Generation is the served graph's; 0 before there is one.
	Generation uint64           `json:"generation"`
	Subgraphs  []subgraphStatus `json:"subgraphs"`
}

type subgraphStatus struct {
	Name string `json:"name"`
	// Schema is "loaded" (the subgraph served it), "cached" (the gateway started from
	// the schema cache's copy while the subgraph did not answer, and it has not served
	// its SDL since) or "missing" (no SDL: its fields are not in the schema).
	Schema string `json:"schema"`
	// Reachable says whether it answered a trivial query just now.
	Reachable bool `json:"reachable"`
	// Breaker is its circuit breaker's state: closed, open, half-open or off.
	Breaker string `json:"breaker"`
}

// Schema states in /readyz.
const (
	schemaLoaded  = "loaded"
	schemaCached  = "cached"
	schemaMissing = "missing"
)

// serveReady answers /readyz: 200 while the gateway serves a graph, whatever its
// subgraphs do (taking every replica out of rotation because a subgraph is down would
// turn a partial outage into a total one), with each subgraph's state in the body; 503
// while it has no graph at all.
func (g *Gateway) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	gr := g.graph.Load()
	out := readiness{Status: "ready", Generation: gr.generation, Subgraphs: make([]subgraphStatus, len(g.subgraphs))}
	code := http.StatusOK
	if gr.schema == nil {
		out.Status, code = "unavailable", http.StatusServiceUnavailable
	}
	var wg sync.WaitGroup
	for i, sg := range g.subgraphs {
		st := subgraphStatus{Name: sg.Name(), Schema: schemaLoaded, Breaker: sg.Breaker()}
		switch {
		case gr.sdls[i] == "":
			st.Schema = schemaMissing
		case g.cached[i].Load():
			st.Schema = schemaCached
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.Reachable = sg.Ping(ctx) == nil
			out.Subgraphs[i] = st
		}()
	}
	wg.Wait()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(out)
}
