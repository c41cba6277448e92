// Package gateway stitches the subgraphs into one graph with nautilus/gateway: it builds
// each subgraph's schema from the SDL the subgraph serves, merges them, plans each
// operation and executes the plan through one pooled HTTP client per subgraph.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
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

	g := &Gateway{subgraphs: map[string]*queryer{}, logger: cfg.Logger}
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

// Execute plans and runs one operation. Errors come back as GraphQL errors with an
// extensions.code; data is whatever the subgraphs that answered produced.
func (g *Gateway) Execute(ctx context.Context, query, operationName string, variables map[string]any) (map[string]any, gqlerror.List) {
	doc, errs := gqlparser.LoadQuery(g.schema, query)
	if errs != nil {
		return nil, toGQLErrors(ctx, g.logger, errs, "GRAPHQL_VALIDATION_FAILED")
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil, gqlerror.List{{Message: "no operation named " + strconv.Quote(clip(operationName)) + " in the document; set operationName", Extensions: map[string]any{"code": "BAD_REQUEST"}}}
	}
	nodes, err := rewriteNodes(g.schema, doc, op, variables, query)
	if err != nil {
		return nil, toGQLErrors(ctx, g.logger, err, "INTERNAL_SERVER_ERROR")
	}
	if nodes.query == "" { // every root field was a node id that names nothing
		return nodes.finish(nil), nodes.errs
	}
	rc := &nautilus.RequestContext{Context: ctx, Query: nodes.query, OperationName: op.Name, Variables: variables}
	plans, err := g.nautilus.GetPlans(rc)
	if err != nil {
		return nil, toGQLErrors(ctx, g.logger, err, "GRAPHQL_VALIDATION_FAILED")
	}
	data, err := g.nautilus.Execute(rc, plans)
	errs = nodes.errs
	if err != nil {
		errs = append(errs, toGQLErrors(ctx, g.logger, err, "INTERNAL_SERVER_ERROR")...)
	}
	return nodes.finish(data), errs
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
