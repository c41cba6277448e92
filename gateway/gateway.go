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
	"slices"
	"strings"
	"sync/atomic"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/fedgraph/fedgraph/gateway/fedplan"
	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/gateway/transport"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Subgraph is one service the gateway stitches in.
type Subgraph struct {
	// Name identifies the subgraph in logs and errors, e.g. "users".
	Name string
	// URL is the subgraph's GraphQL endpoint, e.g. http://localhost:4001/graphql.
	URL string
	// Timeout bounds one request to it. Zero: no timeout of its own, so
	// Config.SubgraphTimeouts' for its name, else Config.SubgraphTimeout.
	// default: 0
	Timeout time.Duration
}

// SchemaURL is where the subgraph serves its SDL: /schema.graphql beside URL.
func (s Subgraph) SchemaURL() (string, error) { return transport.SchemaURL(s.URL) }

// Config is what the gateway needs. Start from DefaultConfig: a zero setting means what
// its comment says (a zero StartupTimeout does not wait), or Validate refuses it; it
// never stands for a default.
type Config struct {
	// Subgraphs are the services to stitch. Required, at least one, unless Supergraph is
	// set: then they override the URLs of the supergraph's subgraphs of the same names.
	Subgraphs []Subgraph
	// Supergraph is the path of an Apollo Federation supergraph SDL file. When set, the
	// gateway serves it in federation mode (federated.go): its schema and routing come
	// from the file, planned by the gateway's federation planner, and no subgraph is
	// asked anything to start. default: "" (stitch mode, from the subgraphs' SDL)
	Supergraph string
	// StartupTimeout bounds how long New waits for every subgraph to serve its SDL. When
	// it passes, the gateway starts with the subgraphs that answered and the cached SDLs
	// of the others (SchemaCacheDir), and takes the rest in as they appear; with none at
	// all it starts with no graph, answering GraphQL requests with 503 until a subgraph
	// answers. Zero: do not wait; the subgraphs are taken in as they answer.
	// default: DefaultStartupTimeout
	StartupTimeout time.Duration
	// SchemaCacheDir is a directory where the gateway keeps each subgraph's last good SDL
	// (schema.go), one file per subgraph, written whenever a served graph holds a new
	// one: a gateway started while a subgraph is down then serves that subgraph's fields
	// from it, failing them with SUBGRAPH_UNAVAILABLE until the subgraph answers, instead
	// of leaving them out. It is created if need be; a file that cannot be read or does
	// not check is logged and ignored. default: "", no cache
	SchemaCacheDir string
	// SchemaPollInterval is how often each subgraph's SDL is fetched again; a change is
	// merged and swapped in without a restart (see reload.go). A negative value turns
	// polling off once every subgraph has served its SDL (until then each is asked every
	// second); zero is refused. default: DefaultSchemaPollInterval
	SchemaPollInterval time.Duration
	// SubgraphTimeout bounds one request to a subgraph; it must be positive.
	// default: DefaultSubgraphTimeout
	SubgraphTimeout time.Duration
	// SubgraphTimeouts overrides SubgraphTimeout for the subgraphs it names (a
	// Subgraph's own Timeout wins over both); each must be positive. default: none
	SubgraphTimeouts map[string]time.Duration
	// PlanCacheSize bounds the operations whose compiled plans are kept (LRU); it must
	// be positive. default: DefaultPlanCacheSize
	PlanCacheSize int
	// Resilience says how failing subgraphs are treated: retries and circuit breakers.
	// default: DefaultResilience()
	Resilience Resilience
	// Metrics receives the gateway's Prometheus series (see metrics.go). default: none
	Metrics prometheus.Registerer
	// Tracer makes the gateway's spans (see tracing.go). default: one that records
	// nothing
	Tracer trace.TracerProvider
	// Verifier checks bearer tokens at the front (see front.WithVerifier); the verified
	// caller's claims decide which fields it may see (authz.go). default: nil,
	// authentication off
	Verifier *auth.Verifier
	// Transport carries the requests to the subgraphs. default: a pooled transport per
	// subgraph (see package transport); tests and benchmarks put fakes here.
	Transport http.RoundTripper
	// MaxBatch bounds the entity lookups of one subgraph request; a plan step with more
	// is sent as several requests of at most MaxBatch lookups; it must be positive.
	// default: DefaultMaxBatch
	MaxBatch int
	// Front configures the HTTP front: protocol, CORS, CSRF, limits, playground.
	// Required. default: front.DefaultConfig()
	Front *front.Config
	// Logger receives what clients see only as generic messages.
	// default: a logger that discards
	Logger *slog.Logger
	// ExposeSubgraphErrors passes every subgraph error's message to the client, for
	// development. Without it, a subgraph error keeps its message only when its
	// extensions.code is one the graph documents (internal/errcode) and says something to
	// the client; any other becomes "subgraph NAME returned an error",
	// INTERNAL_SERVER_ERROR, at its path, and its text is logged. default: false
	ExposeSubgraphErrors bool
	// MaxSubgraphResponseBytes bounds what the gateway reads of one subgraph answer (and
	// of one subscription event). Past it the read stops, the connection is closed, and
	// the fields the request was for answer SUBGRAPH_RESPONSE_TOO_LARGE. It must be
	// positive. default: DefaultMaxSubgraphResponseBytes
	MaxSubgraphResponseBytes int64
	// Dedup shares identical work in flight: identical queries (dedup.go) share one
	// execution and its answer, and identical subgraph requests of queries share one
	// fetch. Mutations and subscriptions are never shared. default: true
	Dedup bool
}

// DefaultPort is the gateway's default port: its binary's -listen-addr
// (127.0.0.1:4000), and where `make run` (tools/devgraph) serves it. The subgraphs'
// ports are in the subgraph table (schema.Subgraphs).
const DefaultPort = 4000

// Defaults of Config.
const (
	// DefaultStartupTimeout is short: the listener is bound before New is called, and a
	// subgraph that does not answer within it is taken in when it does (reload.go).
	DefaultStartupTimeout     = time.Second
	DefaultSubgraphTimeout    = transport.DefaultTimeout
	DefaultPlanCacheSize      = 1000
	DefaultSchemaPollInterval = 10 * time.Second
	DefaultMaxBatch           = 500
	// DefaultMaxSubgraphResponseBytes is the subgraphs' own -max-response-bytes default.
	DefaultMaxSubgraphResponseBytes = transport.DefaultMaxResponseBytes
)

// Resilience is how the gateway treats a failing subgraph: each subgraph's client
// (transport.Client) retries and breaks by it.
type Resilience = transport.Resilience

// DefaultResilience returns the resilience settings with every documented default.
func DefaultResilience() Resilience { return transport.DefaultResilience() }

// DefaultConfig returns the configuration with every documented default and no
// subgraphs: the caller adds them (or a Supergraph). A zero setting is not a default:
// Validate refuses the ones that cannot be zero.
func DefaultConfig() Config {
	f := front.DefaultConfig()
	return Config{
		StartupTimeout:           DefaultStartupTimeout,
		SchemaPollInterval:       DefaultSchemaPollInterval,
		SubgraphTimeout:          DefaultSubgraphTimeout,
		PlanCacheSize:            DefaultPlanCacheSize,
		Resilience:               DefaultResilience(),
		MaxBatch:                 DefaultMaxBatch,
		Front:                    &f,
		MaxSubgraphResponseBytes: DefaultMaxSubgraphResponseBytes,
		Dedup:                    true,
	}
}

// Validate reports every invalid setting of c at once, as New would, without changing
// c or starting anything: a command checks its settings before it listens.
func (c Config) Validate() error {
	var errs []error
	if len(c.Subgraphs) == 0 && c.Supergraph == "" {
		errs = append(errs, errors.New("no subgraphs"))
	}
	seen := map[string]bool{}
	for name, d := range c.SubgraphTimeouts {
		if c.Supergraph == "" && !slices.ContainsFunc(c.Subgraphs, func(s Subgraph) bool { return s.Name == name }) {
			errs = append(errs, fmt.Errorf("subgraph timeout for %q: no such subgraph", name))
		}
		if d <= 0 {
			errs = append(errs, fmt.Errorf("subgraph timeout for %q must be positive, got %s", name, d))
		}
	}
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
		} else if c.SchemaCacheDir != "" && !validSubgraphName(s.Name) {
			// The name becomes the cache's file name.
			errs = append(errs, fmt.Errorf("subgraph name %q: want letters, digits, '-' and '_'", s.Name))
		}
		seen[s.Name] = true
	}
	if c.StartupTimeout < 0 {
		errs = append(errs, fmt.Errorf("startup-timeout must be 0 (do not wait) or positive, got %s", c.StartupTimeout))
	}
	if c.SubgraphTimeout <= 0 {
		errs = append(errs, fmt.Errorf("subgraph-timeout must be positive, got %s", c.SubgraphTimeout))
	}
	if c.SchemaPollInterval == 0 {
		errs = append(errs, errors.New("schema-poll-interval must be positive, or negative to stop polling once every subgraph has served its SDL; got 0s"))
	}
	if c.PlanCacheSize <= 0 {
		errs = append(errs, fmt.Errorf("plan-cache-size must be positive, got %d", c.PlanCacheSize))
	}
	if c.MaxBatch <= 0 {
		errs = append(errs, fmt.Errorf("max-lookups-per-request must be positive, got %d", c.MaxBatch))
	}
	if c.MaxSubgraphResponseBytes <= 0 {
		errs = append(errs, fmt.Errorf("max-subgraph-response-bytes must be positive, got %d", c.MaxSubgraphResponseBytes))
	}
	if c.Front == nil {
		errs = append(errs, errors.New("no front configuration: start from DefaultConfig"))
	} else if err := c.Front.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Resilience.Validate())
	return errors.Join(errs...)
}

// withSubgraphTimeouts returns c's subgraphs, each with the timeout it is given: its own,
// else SubgraphTimeouts' (New falls back on SubgraphTimeout for none).
func (c Config) withSubgraphTimeouts() []Subgraph {
	out := slices.Clone(c.Subgraphs)
	for i, s := range out {
		if s.Timeout == 0 {
			out[i].Timeout = c.SubgraphTimeouts[s.Name]
		}
	}
	return out
}

// Gateway is the stitched graph.
type Gateway struct {
	front    front.Config
	logger   *slog.Logger
	maxBatch int
	plans    *planCache
	// subgraphs are the configured subgraphs' clients, in order; every graph shares
	// them, with their connections, breakers and retry budgets.
	subgraphs []*transport.Client
	// cached says, by position in subgraphs, which of them the graph holds only by the
	// SDL the gateway started from the schema cache: they have not served it since.
	cached       []atomic.Bool
	cache        *schemaCache          // nil: none
	graph        atomic.Pointer[graph] // what new requests use; never nil once New returns
	previous     atomic.Pointer[graph] // what graph replaced, for requests in flight
	pollInterval time.Duration
	metrics      *gatewayMetrics // nil: none
	verifier     *auth.Verifier
	tracer       trace.TracerProvider
	stopPoll     context.CancelFunc
	polled       chan struct{} // closed when the poller has stopped
	// closing ends when Close is called: it ends the subscriptions still streaming.
	closing context.Context
	closed  context.CancelFunc
	// subscriptions streaming now, and the events they have sent (metrics.go).
	subscriptions, events atomic.Int64
	// client is what every subgraph's client is made with, but its name, URL and own
	// timeout (newClient): a subgraph that a supergraph reload adds gets one too.
	client transport.Config
	// series are the subgraphs' metrics, nil without Config.Metrics.
	series *subgraphSeries
	// exposeSubgraphErrors is Config's ExposeSubgraphErrors.
	exposeSubgraphErrors bool
	// operations shares identical queries in flight; nil when Config.Dedup is off.
	operations *operations
}

// graph is one merged view of the subgraphs. It is immutable: a schema change builds a
// new one, and the plan cache keys every plan by its generation. The empty graph
// (emptyGraph: generation 0, no schema, no planner) stands for none before a subgraph
// has answered; no request reaches the executor with it (untilGraph).
type graph struct {
	generation uint64
	schema     *ast.Schema
	planner    *nautilus.Gateway
	// subgraphs are those merged in; missing names those without an SDL yet.
	subgraphs []*transport.Client
	missing   []string
	sdls      sdls
	// mutationOwner is the subgraph that owns each mutation field.
	mutationOwner map[string]*transport.Client
	// fed is set in federation mode (federated.go), where planner is nil.
	fed *federation
}

// New fetches every subgraph's SDL (retrying until cfg.StartupTimeout), merges the
// schemas, with the cached SDLs of the subgraphs that did not answer, and returns the
// gateway, which keeps its graph current (see reload.go) until Close. It fails on a bad
// Config, or when the SDLs that answered do not merge; not when no subgraph answered:
// that gateway has no graph (Schema returns nil) until one does.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway: config: %w", err)
	}
	cfg.Subgraphs = cfg.withSubgraphTimeouts()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{front: *cfg.Front, logger: cfg.Logger, maxBatch: cfg.MaxBatch,
		plans: newPlanCache(cfg.PlanCacheSize), pollInterval: cfg.SchemaPollInterval, tracer: cfg.Tracer, verifier: cfg.Verifier,
		exposeSubgraphErrors: cfg.ExposeSubgraphErrors, series: newSubgraphSeries(cfg.Metrics)}
	if g.tracer == nil {
		g.tracer = noop.NewTracerProvider()
	}
	if cfg.Dedup {
		g.operations = &operations{}
	}
	g.client = transport.Config{Timeout: cfg.SubgraphTimeout, Transport: cfg.Transport, Resilience: cfg.Resilience,
		MaxResponseBytes: cfg.MaxSubgraphResponseBytes, Logger: cfg.Logger, Tracer: g.tracer, Dedup: cfg.Dedup}
	if cfg.Supergraph != "" {
		return g.newFederated(cfg)
	}
	for _, sc := range cfg.Subgraphs {
		c, err := g.newClient(sc)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		g.subgraphs = append(g.subgraphs, c)
	}
	g.cached = make([]atomic.Bool, len(g.subgraphs))
	g.cache = openSchemaCache(cfg.SchemaCacheDir, cfg.Logger)
	wctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	texts := g.waitForSDLs(wctx)
	cancel()
	gr, err := g.first(texts)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w (waited %s for the subgraphs' schemas)", err, cfg.StartupTimeout)
	}
	switch {
	case gr.schema == nil:
		g.logger.Warn("gateway: no subgraph answered and none has a cached schema; GraphQL requests get 503 until one answers",
			"missing", strings.Join(gr.missing, ","))
	case len(gr.missing) > 0:
		g.logger.Warn("gateway: starting without some subgraphs; they are taken in when they answer",
			"missing", strings.Join(gr.missing, ","))
	}
	g.graph.Store(gr)
	answered := make([]bool, len(texts))
	for i, t := range texts {
		answered[i] = t != ""
	}
	g.settle(gr, texts, answered)
	g.registerMetrics(cfg.Metrics)
	pctx, stop := context.WithCancel(context.Background())
	g.stopPoll, g.polled = stop, make(chan struct{})
	g.closing, g.closed = context.WithCancel(context.Background())
	// The poller runs even with polling off while a subgraph is missing or cached: it
	// stops once none is (reload.go).
	go g.poll(pctx)
	return g, nil
}

// newFederated is New in federation mode: from the supergraph file, at once.
func (g *Gateway) newFederated(cfg Config) (*Gateway, error) {
	sg, sum, err := readSupergraph(cfg.Supergraph)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %w", cfg.Supergraph, err)
	}
	list, unknown := federatedSubgraphs(sg, cfg.Subgraphs)
	if len(unknown) > 0 {
		return nil, fmt.Errorf("gateway: %s: -subgraph names subgraphs it has not: %s", cfg.Supergraph, strings.Join(unknown, ", "))
	}
	for _, sc := range list {
		if sc.URL == "" {
			return nil, fmt.Errorf("gateway: %s: subgraph %s has no URL: give it with -subgraph %s=URL", cfg.Supergraph, sc.Name, sc.Name)
		}
		if sc.Timeout == 0 {
			sc.Timeout = cfg.SubgraphTimeouts[sc.Name]
		}
		c, err := g.newClient(sc)
		if err != nil {
			return nil, fmt.Errorf("gateway: %s: %w", cfg.Supergraph, err)
		}
		g.subgraphs = append(g.subgraphs, c)
	}
	g.cached = make([]atomic.Bool, len(g.subgraphs)) // a supergraph's schemas are never a cache's
	gr, err := g.buildFederated(sg, sum, cfg.Subgraphs, 1)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %w", cfg.Supergraph, err)
	}
	g.graph.Store(gr)
	g.registerMetrics(cfg.Metrics)
	pctx, stop := context.WithCancel(context.Background())
	g.stopPoll, g.polled = stop, make(chan struct{})
	g.closing, g.closed = context.WithCancel(context.Background())
	if g.pollInterval > 0 {
		go g.watchSupergraph(pctx, cfg.Supergraph, cfg.Subgraphs)
	} else {
		close(g.polled)
	}
	return g, nil
}

// newClient makes the client of the subgraph sc: with sc's own timeout when it has one,
// else Config.SubgraphTimeout.
func (g *Gateway) newClient(sc Subgraph) (*transport.Client, error) {
	cfg := g.client
	cfg.Name, cfg.URL = sc.Name, sc.URL
	if sc.Timeout > 0 {
		cfg.Timeout = sc.Timeout
	}
	cfg.Record = g.series.recorder(sc.Name)
	return transport.New(cfg)
}

// publicSchema is the merged schema as clients see it: without the directives the
// gateway does not honour (gqlparser declares @defer, which the gateway never streams).
func publicSchema(s *ast.Schema) *ast.Schema {
	for _, name := range []string{"defer", "stream"} {
		delete(s.Directives, name)
	}
	return s
}

// Close stops the schema poller and releases the idle connections to the subgraphs.
func (g *Gateway) Close() {
	g.closed()
	g.stopPoll()
	<-g.polled
	for _, sg := range g.subgraphs {
		sg.CloseIdle()
	}
}

// Missing names the configured subgraphs the current graph lacks, because they have not
// answered since the gateway started (and had no cached schema): their fields are not
// in the schema yet.
func (g *Gateway) Missing() []string { return g.graph.Load().missing }

// Schema returns the merged schema the gateway serves; nil while it has none, before
// any subgraph has answered.
func (g *Gateway) Schema() *ast.Schema { return g.graph.Load().schema }

// Execute implements front.Executor: it plans (or finds the plan of) one operation the
// front has parsed and validated, runs it, and writes the answer, or shares the answer
// of an identical query in flight (Config.Dedup). Errors come back as GraphQL errors
// with an extensions.code.
func (g *Gateway) Execute(ctx context.Context, op *front.Operation) *front.Result {
	if g.operations != nil {
		return g.operations.execute(ctx, op, func(ctx context.Context) *front.Result { return g.execute(ctx, op) })
	}
	return g.execute(ctx, op)
}

// execute is Execute without sharing.
func (g *Gateway) execute(ctx context.Context, op *front.Operation) *front.Result {
	pl, failed := g.planFor(ctx, op)
	if failed != nil {
		return failed
	}
	r := pl.plan.run(ctx, op, g, g.maxBatch)
	defer r.release()
	res := pl.answer(r)
	if op.IncludePlan {
		res.Extensions = map[string]any{"queryPlan": pl.plan.describe()}
	}
	return res
}

// planned is an operation's plan with what writing its answers needs.
type planned struct {
	plan *plan
	gr   *graph
	doc  *ast.QueryDocument
}

// answer writes the client's answer from a run of the plan.
func (pl planned) answer(r *run) *front.Result {
	w := &writer{r: r, g: pl.gr, doc: pl.doc}
	return &front.Result{Data: w.write(), Errors: w.errors()}
}

// planFor finds, or compiles and caches, the plan of op for its variables and token; a
// non-nil Result is the client's answer when there is none.
func (g *Gateway) planFor(ctx context.Context, op *front.Operation) (planned, *front.Result) {
	gr := g.graphFor(op.Schema)
	def := op.Document.Operations.ForName(op.OperationName)
	if def == nil {
		return planned{}, &front.Result{Errors: gqlerror.List{{Message: "The document contains no operation by that name.",
			Extensions: map[string]any{"code": errcode.OperationResolutionFailure}}}}
	}
	e := g.plans.operation(gr, op.Query, op.Document, def)
	v := e.op.variant(op.Variables, auth.FromContext(ctx))
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("graphql.operation.name", op.OperationName))
	p, err := g.plans.plan(e, &v, func() (*plan, error) {
		_, span := g.tracer.Tracer(tracerName).Start(ctx, "plan")
		p, err := gr.compile(e.op, &v)
		endSpan(span, err)
		return p, err
	})
	if err == nil && def.Operation == ast.Subscription && (len(p.groups) != 1 || len(p.groups[0]) == 0 || !p.groups[0][0].root ||
		len(p.groups[0]) > 1 && p.groups[0][1].root) {
		err = fmt.Errorf("a subscription's plan has %d groups, not one root step", len(p.groups))
	}
	if errors.Is(err, fedplan.ErrTooComplex) {
		return planned{}, &front.Result{Errors: gqlerror.List{{Message: "The operation is too complex to plan.",
			Extensions: map[string]any{"code": errcode.CostLimitExceeded}}}}
	}
	if err != nil {
		g.logger.ErrorContext(ctx, "gateway: planning failed", "operation", op.OperationName, "err", err)
		return planned{}, &front.Result{Errors: gqlerror.List{{Message: "The gateway could not plan this operation.",
			Extensions: map[string]any{"code": errcode.InternalServerError}}}}
	}
	return planned{plan: p, gr: gr, doc: e.op.doc}, nil
}

// HonoursContext implements front.ContextHonouring: every subgraph request ends by the
// request's deadline, and so does Execute.
func (g *Gateway) HonoursContext() {}

// schemaCapture records the schema nautilus plans against; the gateway caches plans
// itself, so nautilus plans every document it is given.
type schemaCapture struct {
	schema atomic.Pointer[ast.Schema]
}

func (c *schemaCapture) Retrieve(ctx *nautilus.PlanningContext, _ *string, planner nautilus.QueryPlanner) (nautilus.QueryPlanList, error) {
	c.schema.CompareAndSwap(nil, ctx.Schema)
	return planner.Plan(ctx)
}
