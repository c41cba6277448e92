// Package gateway stitches the subgraphs into one graph with nautilus/gateway: it builds
// each subgraph's schema from the SDL the subgraph serves, merges them, plans each
// operation and executes the plan through one pooled HTTP client per subgraph.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// Subgraph is one service the gateway stitches in.
type Subgraph struct {
	// Name identifies the subgraph in logs and errors, e.g. "users".
	Name string
	// URL is the subgraph's GraphQL endpoint, e.g. http://localhost:4001/graphql.
	URL string
	// Timeout bounds one request to it. default: Config.SubgraphTimeout
	Timeout time.Duration
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
	// PlanCacheSize bounds the operations whose compiled plans are kept (LRU).
	// default: DefaultPlanCacheSize
	PlanCacheSize int
	// Resilience says how failing subgraphs are treated: retries and circuit breakers.
	// default: the defaults of Resilience
	Resilience Resilience
	// Transport carries the requests to the subgraphs. default: a pooled transport per
	// subgraph (see transport.go); tests and benchmarks put fakes here.
	Transport http.RoundTripper
	// MaxBatch bounds the entity lookups of one subgraph request; a plan step with more
	// is sent as several requests of at most MaxBatch lookups. default: DefaultMaxBatch
	MaxBatch int
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
	DefaultPlanCacheSize   = 1000
	DefaultMaxBatch        = 500
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
	if c.PlanCacheSize == 0 {
		c.PlanCacheSize = DefaultPlanCacheSize
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
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
		if s.Timeout < 0 {
			errs = append(errs, fmt.Errorf("subgraph %q: timeout must not be negative", s.Name))
		}
		if s.Name == "" || seen[s.Name] {
			errs = append(errs, fmt.Errorf("subgraph name %q is empty or repeated", s.Name))
		}
		seen[s.Name] = true
	}
	if c.StartupTimeout < 0 || c.SubgraphTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	if c.PlanCacheSize < 0 {
		errs = append(errs, fmt.Errorf("plan cache size %d is negative", c.PlanCacheSize))
	}
	if c.MaxBatch < 0 {
		errs = append(errs, fmt.Errorf("max batch %d is negative", c.MaxBatch))
	}
	if err := c.Resilience.init(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Gateway is the stitched graph.
type Gateway struct {
	front    front.Config
	logger   *slog.Logger
	maxBatch int
	graph    atomic.Pointer[graph]
	plans    *planCache
}

// graph is one merged view of the subgraphs. It is immutable: a schema change builds a
// new one, and the plan cache keys every plan by its generation.
type graph struct {
	generation uint64
	schema     *ast.Schema
	planner    *nautilus.Gateway
	subgraphs  []*subgraph
	// mutationOwner is the subgraph that owns each mutation field.
	mutationOwner map[string]*subgraph
}

// New fetches every subgraph's SDL (retrying until cfg.StartupTimeout), merges the
// schemas and returns the gateway.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if err := cfg.init(); err != nil {
		return nil, fmt.Errorf("gateway: config: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()

	g := &Gateway{front: *cfg.Front, logger: cfg.Logger, maxBatch: cfg.MaxBatch, plans: newPlanCache(cfg.PlanCacheSize)}
	gr := &graph{generation: 1, mutationOwner: map[string]*subgraph{}}
	byURL := map[string]*subgraph{}
	var sources []*graphql.RemoteSchema
	for _, sc := range cfg.Subgraphs {
		sg := newSubgraph(sc, cfg.SubgraphTimeout, cfg.Transport, cfg.Resilience, cfg.Logger)
		s, err := fetchSchema(ctx, sg.client, sc)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		gr.subgraphs = append(gr.subgraphs, sg)
		byURL[sc.URL] = sg
		sources = append(sources, &graphql.RemoteSchema{URL: sc.URL, Schema: s})
		if s.Mutation != nil {
			for _, f := range s.Mutation.Fields {
				if gr.mutationOwner[f.Name] == nil {
					gr.mutationOwner[f.Name] = sg
				}
			}
		}
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
		nautilus.WithLogger(newLogger(cfg.Logger)),
	)
	if err != nil {
		return nil, fmt.Errorf("gateway: merge subgraph schemas: %w", err)
	}
	gr.planner = planner
	// nautilus keeps the merged schema to itself but hands it to the plan cache with
	// every plan; planning the smallest query once captures it.
	if _, err := planner.GetPlans(&nautilus.RequestContext{Context: ctx, Query: "{ __typename }"}); err != nil {
		return nil, fmt.Errorf("gateway: plan probe query: %w", err)
	}
	gr.schema = publicSchema(capture.schema.Load())
	g.graph.Store(gr)
	return g, nil
}

// publicSchema is the merged schema as clients see it: without the directives the
// gateway does not honour (gqlparser declares @defer, which the gateway never streams).
func publicSchema(s *ast.Schema) *ast.Schema {
	for _, name := range []string{"defer", "stream"} {
		delete(s.Directives, name)
	}
	return s
}

// Close releases the gateway's idle connections to the subgraphs.
func (g *Gateway) Close() {
	for _, sg := range g.graph.Load().subgraphs {
		sg.client.CloseIdleConnections()
	}
}

// Schema returns the merged schema the gateway serves.
func (g *Gateway) Schema() *ast.Schema { return g.graph.Load().schema }

// Execute implements front.Executor: it plans (or finds the plan of) one operation the
// front has parsed and validated, runs it, and writes the answer. Errors come back as
// GraphQL errors with an extensions.code.
func (g *Gateway) Execute(ctx context.Context, op *front.Operation) *front.Result {
	gr := g.graph.Load()
	def := op.Document.Operations.ForName(op.OperationName)
	if def == nil {
		return &front.Result{Errors: gqlerror.List{{Message: "The document contains no operation by that name.",
			Extensions: map[string]any{"code": front.CodeOperationResolutionFailure}}}}
	}
	e := g.plans.operation(gr.generation, gr.schema, op.Query, op.Document, def)
	v := e.op.variant(op.Variables)
	p, err := g.plans.plan(e, &v, func() (*plan, error) { return gr.compile(e.op, &v) })
	if err != nil {
		g.logger.ErrorContext(ctx, "gateway: planning failed", "operation", op.OperationName, "err", err)
		return &front.Result{Errors: gqlerror.List{{Message: "The gateway could not plan this operation.",
			Extensions: map[string]any{"code": front.CodeInternalServerError}}}}
	}
	r := p.run(ctx, op.Variables, g.logger, g.maxBatch)
	defer r.release()
	w := &writer{r: r, g: gr, doc: e.op.doc}
	return &front.Result{Data: w.write(), Errors: w.errors()}
}

// schemaCapture records the schema nautilus plans against; the gateway caches plans
// itself, so nautilus plans every document it is given.
type schemaCapture struct {
	schema atomic.Pointer[ast.Schema]
}

func (c *schemaCapture) Retrieve(ctx *nautilus.PlanningContext, _ *string, planner nautilus.QueryPlanner) (nautilus.QueryPlanList, error) {
	c.schema.CompareAndSwap(nil, ctx.Schema)
	return planner.Plan(ctx)
}

// Codes of the errors the executor writes.
const (
	codeBadUserInput        = front.CodeBadUserInput
	codeInternal            = front.CodeInternalServerError
	codeSubgraphUnavailable = front.CodeSubgraphUnavailable
)
