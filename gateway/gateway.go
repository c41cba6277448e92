// Package gateway stitches the subgraphs into one graph with nautilus/gateway: it builds
// each subgraph's schema from the SDL the subgraph serves, merges them, plans each
// operation and executes the plan through one pooled HTTP client per subgraph.
package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// Subgraph is one service the gateway stitches in.
type Subgraph struct {
	// Name identifies the subgraph in logs and errors, e.g. "users".
	Name string
	// URL is the subgraph's GraphQL endpoint, e.g. http://localhost:4001/graphql.
	URL string
}

// SchemaURL is where the subgraph serves its SDL: /schema.graphql beside URL.
func (s Subgraph) SchemaURL() (string, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "", err
	}
	u.Path, u.RawQuery = "/schema.graphql", ""
	return u.String(), nil
}

// Config is what the gateway needs.
type Config struct {
	// Subgraphs are the services to stitch. Required, at least one.
	Subgraphs []Subgraph
	// StartupTimeout bounds how long New waits for every subgraph to serve its SDL.
	// default: DefaultStartupTimeout
	StartupTimeout time.Duration
	// SubgraphTimeout bounds one request to a subgraph. default: DefaultSubgraphTimeout
	SubgraphTimeout time.Duration
	// Front configures the HTTP front: protocol, CORS, CSRF, limits, playground.
	// default: front.DefaultConfig()
	Front *front.Config
	// Logger receives what clients see only as generic messages.
	// default: a logger that discards
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultStartupTimeout  = 30 * time.Second
	DefaultSubgraphTimeout = 10 * time.Second
)

func (c *Config) init() error {
	if c.StartupTimeout == 0 {
		c.StartupTimeout = DefaultStartupTimeout
	}
	if c.SubgraphTimeout == 0 {
		c.SubgraphTimeout = DefaultSubgraphTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Front == nil {
		f := front.DefaultConfig()
		c.Front = &f
	}
	var errs []error
	if len(c.Subgraphs) == 0 {
		errs = append(errs, errors.New("no subgraphs"))
	}
	seen := map[string]bool{}
	for _, s := range c.Subgraphs {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("subgraph %q: url %q is not an http(s) URL", s.Name, s.URL))
		}
		if s.Name == "" || seen[s.Name] {
			errs = append(errs, fmt.Errorf("subgraph name %q is empty or repeated", s.Name))
		}
		seen[s.Name] = true
	}
	if c.StartupTimeout < 0 || c.SubgraphTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	return errors.Join(errs...)
}

// Gateway is the stitched graph.
type Gateway struct {
	front     front.Config
	nautilus  *nautilus.Gateway
	schema    *ast.Schema
	subgraphs map[string]*queryer // by URL
	logger    *slog.Logger
}

// New fetches every subgraph's SDL (retrying until cfg.StartupTimeout), merges the
// schemas and returns the gateway.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if err := cfg.init(); err != nil {
		return nil, fmt.Errorf("gateway: config: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()

	g := &Gateway{front: *cfg.Front, subgraphs: map[string]*queryer{}, logger: cfg.Logger}
	var sources []*graphql.RemoteSchema
	for _, sg := range cfg.Subgraphs {
		q := newQueryer(sg, cfg.SubgraphTimeout, cfg.Logger)
		s, err := fetchSchema(ctx, q.client, sg)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		g.subgraphs[sg.URL] = q
		sources = append(sources, &graphql.RemoteSchema{URL: sg.URL, Schema: s})
	}

	factory := nautilus.QueryerFactory(func(_ *nautilus.PlanningContext, url string) graphql.Queryer {
		return g.subgraphs[url]
	})
	cache := &planCache{}
	gw, err := nautilus.New(sources,
		nautilus.WithQueryerFactory(&factory),
		nautilus.WithQueryPlanCache(cache),
		nautilus.WithLogger(newLogger(cfg.Logger)),
	)
	if err != nil {
		return nil, fmt.Errorf("gateway: merge subgraph schemas: %w", err)
	}
	g.nautilus = gw
	// nautilus keeps the merged schema to itself but hands it to the plan cache with
	// every plan; planning the smallest query once captures it for the HTTP front.
	if _, err := gw.GetPlans(&nautilus.RequestContext{Context: ctx, Query: "{ __typename }"}); err != nil {
		return nil, fmt.Errorf("gateway: plan probe query: %w", err)
	}
	g.schema = cache.schema.Load()
	return g, nil
}

// Schema returns the merged schema the gateway serves.
func (g *Gateway) Schema() *ast.Schema { return g.schema }

// Execute implements front.Executor: it plans and runs one operation the front has
// parsed and validated. Errors come back as GraphQL errors with an extensions.code; data
// is whatever the subgraphs that answered produced.
func (g *Gateway) Execute(ctx context.Context, op *front.Operation) *front.Result {
	sel := op.Document.Operations.ForName(op.OperationName)
	if sel == nil {
		return &front.Result{Errors: gqlerror.List{{Message: "no operation by that name in the document", Extensions: map[string]any{"code": "OPERATION_RESOLUTION_FAILURE"}}}}
	}
	query := op.Query
	if normalise(op.Document, sel, op.Variables) { // nautilus's planner crashes on untyped fragments
		var buf bytes.Buffer
		formatter.NewFormatter(&buf).FormatQueryDocument(op.Document)
		query = buf.String()
	}
	root := rewriteRoot(g.schema, op.Document, sel, op.Variables, query)
	if root.query == "" { // nothing left for the subgraphs to answer
		return &front.Result{Data: marshalData(root.finish(nil)), Errors: root.errs}
	}
	rc := &nautilus.RequestContext{Context: ctx, Query: root.query, OperationName: sel.Name, Variables: op.Variables}
	plans, err := g.nautilus.GetPlans(rc)
	if err != nil {
		return &front.Result{Errors: toGQLErrors(ctx, g.logger, err, "GRAPHQL_VALIDATION_FAILED")}
	}
	data, err := g.nautilus.Execute(rc, plans)
	errs := root.errs
	if err != nil {
		errs = append(errs, toGQLErrors(ctx, g.logger, err, "INTERNAL_SERVER_ERROR")...)
	}
	return &front.Result{Data: marshalData(root.finish(data)), Errors: errs}
}

func marshalData(data map[string]any) []byte {
	if data == nil {
		return nil
	}
	b, _ := json.Marshal(data)
	return b
}

// planCache plans every request afresh and records the schema nautilus plans against.
// It is the seam for a bounded plan cache.
type planCache struct {
	schema atomic.Pointer[ast.Schema]
}

func (c *planCache) Retrieve(ctx *nautilus.PlanningContext, _ *string, planner nautilus.QueryPlanner) (nautilus.QueryPlanList, error) {
	c.schema.Store(ctx.Schema)
	return planner.Plan(ctx)
}
