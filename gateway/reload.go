package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The gateway keeps its graph current while it runs. A poller fetches every subgraph's
// SDL each SchemaPollInterval (every second while a subgraph has never answered); when
// one changes, or a missing subgraph appears, the SDLs are merged again and the new
// graph is swapped in whole. Requests in flight finish on the graph they started on
// (each request runs on the graph whose schema the front validated it against), new
// ones get the new graph, and plans are cached per graph generation, so none is served
// against a schema it was not planned for. A set of SDLs that does not merge is
// refused with a logged reason, once, and the old graph keeps serving. A subgraph whose
// SDL cannot be fetched keeps its last SDL: an outage never shrinks the schema.

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
func (g *Gateway) fetchSDLs(ctx context.Context, prev sdls) sdls {
	out := make(sdls, len(g.subgraphs))
	copy(out, prev)
	var wg sync.WaitGroup
	for i, sg := range g.subgraphs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, err := getSDL(ctx, sg.http, sg.Subgraph)
			if err != nil {
				if prev[i] == "" {
					g.logger.DebugContext(ctx, "subgraph schema not available", "subgraph", sg.Name, "err", err)
				}
				return
			}
			out[i] = text
		}()
	}
	wg.Wait()
	return out
}

// waitForSDLs fetches the SDLs until every subgraph has answered or ctx ends, with a
// backoff between rounds, and returns what it has.
func (g *Gateway) waitForSDLs(ctx context.Context) sdls {
	got := make(sdls, len(g.subgraphs))
	backoff := 50 * time.Millisecond
	for {
		got = g.fetchSDLs(ctx, got)
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

// build merges the subgraphs that have an SDL into a graph of generation gen.
func (g *Gateway) build(texts sdls, gen uint64) (*graph, error) {
	gr := &graph{generation: gen, mutationOwner: map[string]*subgraph{}, sdls: texts}
	byURL := map[string]*subgraph{}
	var sources []*graphql.RemoteSchema
	for i, sg := range g.subgraphs {
		if texts[i] == "" {
			gr.missing = append(gr.missing, sg.Name)
			continue
		}
		s, err := loadSubgraphSchema(sg.Name, texts[i])
		if err != nil {
			return nil, fmt.Errorf("subgraph %s: parse SDL: %w", sg.Name, err)
		}
		gr.subgraphs = append(gr.subgraphs, sg)
		byURL[sg.URL] = sg
		sources = append(sources, &graphql.RemoteSchema{URL: sg.URL, Schema: s})
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
	for {
		cur := g.graph.Load()
		wait := g.pollInterval
		if !cur.sdls.complete() {
			wait = min(wait, time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		fctx, cancel := context.WithTimeout(ctx, min(g.pollInterval, 5*time.Second))
		texts := g.fetchSDLs(fctx, cur.sdls)
		cancel()
		if texts.key() == cur.sdls.key() || refused[texts.key()] {
			continue
		}
		next, err := g.build(texts, cur.generation+1)
		if err != nil {
			refused[texts.key()] = true
			g.logger.Error("gateway: schema change refused; the current graph keeps serving", "err", err)
			continue
		}
		g.swap(next)
		g.logger.Info("gateway: schema reloaded", "generation", next.generation, "missing", strings.Join(next.missing, ","))
	}
}

// readiness is the body of /readyz.
type readiness struct {
	Status     string           `json:"status"`
	Generation uint64           `json:"generation"`
	Subgraphs  []subgraphStatus `json:"subgraphs"`
}

type subgraphStatus struct {
	Name string `json:"name"`
	// Schema is "loaded", or "missing" for a subgraph that has never answered.
	Schema string `json:"schema"`
	// Reachable says whether it answered a trivial query just now.
	Reachable bool `json:"reachable"`
	// Breaker is its circuit breaker's state: closed, open, half-open or off.
	Breaker string `json:"breaker"`
}

// serveReady answers /readyz: 200 while the gateway serves a graph, whatever its
// subgraphs do (taking every replica out of rotation because a subgraph is down would
// turn a partial outage into a total one), with each subgraph's state in the body.
func (g *Gateway) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	gr := g.graph.Load()
	out := readiness{Status: "ready", Generation: gr.generation, Subgraphs: make([]subgraphStatus, len(g.subgraphs))}
	var wg sync.WaitGroup
	for i, sg := range g.subgraphs {
		st := subgraphStatus{Name: sg.Name, Schema: "loaded", Breaker: sg.guard.state()}
		if gr.sdls[i] == "" {
			st.Schema = "missing"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.Reachable = sg.ping(ctx) == nil
			out.Subgraphs[i] = st
		}()
	}
	wg.Wait()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(out)
}
