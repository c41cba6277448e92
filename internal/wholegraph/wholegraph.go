// Package wholegraph runs the whole graph in one process: every subgraph of the graph's
// table (schema.Subgraphs), each built by its constructor (subgraphs.go) on its own Redis
// and served on its own listener, and the gateway in front of them, in stitch or
// federation mode. tools/devgraph runs it on fixed addresses for `make run`; the
// end-to-end tests run it on free loopback ports, with hooks in front of each subgraph.
// A subgraph added to the table is in all of them without another edit.
package wholegraph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// GatewayName is the name Config.Listen is called with for the gateway's listener.
const GatewayName = "gateway"

// Config is how to run the graph. Start from DefaultConfig and set Store: a missing
// setting is refused by Validate, never taken for its default.
type Config struct {
	// Store gives a subgraph its Redis, by name; the caller closes it after Close.
	// Required.
	Store func(name string) (Store, error)
	// Listen binds the listener of a service: a subgraph by its name, or the gateway
	// (GatewayName). Every listener is bound before anything is built, so every URL is
	// known and requests wait in the backlog until their server runs. Required.
	// default: a free loopback port (127.0.0.1:0)
	Listen func(name string) (net.Listener, error)
	// CursorSecret returns the secret that signs a subgraph's pagination cursors, by
	// name. Required. default: subgraph.DevCursorSecret for every subgraph
	CursorSecret func(name string) string
	// EventsConsumer, when set, makes each subgraph that consumes another's events
	// (products, users' user.deleted) run its consumer under this name.
	// default: "", no consumer: the products of a deleted user stay
	EventsConsumer string
	// Verifier checks bearer tokens in every subgraph and in the gateway, with the same
	// settings, as deployed. default: nil, authentication off
	Verifier *auth.Verifier
	// Logger receives every service's logs, each With("service", name).
	// default: discard
	Logger *slog.Logger
	// Tracer makes every service's spans. default: nil, none
	Tracer trace.TracerProvider
	// Wrap, when set, stands in front of each subgraph's handler: a test's hook that
	// counts requests or injects faults. default: nil, the handler itself
	Wrap func(name string, h http.Handler) http.Handler
	// Federation serves the graph in federation mode: the gateway plans over the graph's
	// supergraph (schema.Supergraph), its subgraphs' URLs overridden with this graph's.
	// A Gateway.Supergraph given is served as it is, in federation mode too.
	// default: false, stitch mode
	Federation bool
	// Gateway is the gateway's configuration. Start sets its Subgraphs (and Supergraph
	// in federation mode), and its Verifier, Logger and Tracer from the graph's when
	// unset; it is validated with them. default: gateway.DefaultConfig()
	Gateway gateway.Config
	// BeforeGateway, when set, runs once every subgraph serves and before the gateway is
	// built, and may change the gateway's configuration: devgraph seeds there, and tests
	// prepare their hooks. default: nil
	BeforeGateway func(ctx context.Context, g *Graph, gc *gateway.Config) error
}

// DefaultConfig returns the configuration with every documented default, and no Store.
func DefaultConfig() Config {
	return Config{
		Listen: func(string) (net.Listener, error) {
			return (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		},
		CursorSecret: func(string) string { return subgraph.DevCursorSecret },
		Gateway:      gateway.DefaultConfig(),
	}
}

// Validate reports every invalid setting at once, the gateway's included (with a
// Subgraphs line for each subgraph of the table, as Start gives it), before anything is
// bound or built.
func (c Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("wholegraph: no Store"))
	}
	if c.Listen == nil {
		errs = append(errs, errors.New("wholegraph: no Listen: start from DefaultConfig"))
	}
	if c.CursorSecret == nil {
		errs = append(errs, errors.New("wholegraph: no CursorSecret: start from DefaultConfig"))
	}
	gc := c.Gateway
	gc.Subgraphs = nil
	for _, s := range schema.Subgraphs() {
		gc.Subgraphs = append(gc.Subgraphs, gateway.Subgraph{Name: s.Name, URL: subgraph.DefaultURL(s.Name)})
	}
	if err := gc.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("wholegraph: gateway: %w", err))
	}
	return errors.Join(errs...)
}

// Graph is the running graph.
type Graph struct {
	// URL is the gateway's GraphQL endpoint; Addr its listener's address.
	URL, Addr string
	// Gateway is the running gateway.
	Gateway *gateway.Gateway
	// Subgraphs are the running subgraphs, in the table's order.
	Subgraphs []*Subgraph

	cancel  context.CancelFunc
	group   *errgroup.Group
	dir     string // the supergraph's directory in federation mode; "" otherwise
	closing sync.Once
}

// Subgraph is one running subgraph.
type Subgraph struct {
	// Name is its name in the table.
	Name string
	// URL is its GraphQL endpoint.
	URL string
	// Store is its Redis.
	Store Store

	server  *http.Server
	stopped atomic.Bool
	mu      sync.Mutex
	conns   map[net.Conn]bool
}

// Subgraph returns the running subgraph named name, or nil.
func (g *Graph) Subgraph(name string) *Subgraph {
	for _, s := range g.Subgraphs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// URLs returns every subgraph's GraphQL endpoint by name.
func (g *Graph) URLs() map[string]string {
	urls := map[string]string{}
	for _, s := range g.Subgraphs {
		urls[s.Name] = s.URL
	}
	return urls
}

// Stop stops the subgraph for good, as a stopped process: its listener and every
// connection close, and new connections are refused.
func (s *Subgraph) Stop() {
	s.stopped.Store(true)
	_ = s.server.Close()
}

// CloseConnections closes every connection to the subgraph, in flight or idle, and
// keeps serving new ones: a subgraph that restarted.
func (s *Subgraph) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Close()
		delete(s.conns, c)
	}
}

// track keeps the subgraph's open connections, for CloseConnections.
func (s *Subgraph) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.conns[c] = true
	case http.StateHijacked, http.StateClosed:
		delete(s.conns, c)
	}
}

// Start runs the graph until ctx ends or Close is called (a test passes a context that
// outlives it, and calls Close when it ends): it binds every listener,
// builds each subgraph of the table, serves them, runs BeforeGateway, then builds and
// serves the gateway. On an error, whatever started is stopped.
func Start(ctx context.Context, cfg Config) (_ *Graph, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	table := schema.Subgraphs()
	build := constructors()
	for _, s := range table {
		if build[s.Name] == nil {
			return nil, fmt.Errorf("wholegraph: subgraph %s has no constructor in internal/wholegraph/subgraphs.go", s.Name)
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	group, runCtx := errgroup.WithContext(runCtx)
	g := &Graph{cancel: cancel, group: group}
	var lns []net.Listener // closed on failure, until their servers own them
	defer func() {
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			g.Close()
		}
	}()

	// Every listener first: the URLs are known before anything is built.
	listen := func(name string) (net.Listener, error) {
		ln, err := cfg.Listen(name)
		if err != nil {
			return nil, fmt.Errorf("wholegraph: listen %s: %w", name, err)
		}
		lns = append(lns, ln)
		return ln, nil
	}
	gln, err := listen(GatewayName)
	if err != nil {
		return nil, err
	}
	g.Addr = gln.Addr().String()
	g.URL = "http://" + g.Addr + "/graphql"
	env := Env{Stores: map[string]Store{}, URLs: map[string]string{},
		EventsConsumer: cfg.EventsConsumer, Verifier: cfg.Verifier, Tracer: cfg.Tracer}
	subLns := map[string]net.Listener{}
	for _, s := range table {
		ln, err := listen(s.Name)
		if err != nil {
			return nil, err
		}
		subLns[s.Name] = ln
		store, err := cfg.Store(s.Name)
		if err != nil {
			return nil, fmt.Errorf("wholegraph: %s's redis: %w", s.Name, err)
		}
		env.Stores[s.Name] = store
		env.URLs[s.Name] = "http://" + ln.Addr().String() + "/graphql"
		g.Subgraphs = append(g.Subgraphs, &Subgraph{Name: s.Name, URL: env.URLs[s.Name], Store: store, conns: map[net.Conn]bool{}})
	}

	// Every subgraph with its own Config, then all of them served.
	for _, s := range g.Subgraphs {
		e := env
		e.Logger = logger.With("service", s.Name)
		e.CursorSecret = cfg.CursorSecret(s.Name)
		svc, err := build[s.Name](e)
		if err != nil {
			return nil, err
		}
		h := svc.Handler
		if cfg.Wrap != nil {
			h = cfg.Wrap(s.Name, h)
		}
		s.server = serve.NewServer(h)
		s.server.ConnState = s.track
		ln := subLns[s.Name]
		group.Go(func() error {
			err := serve.Run(runCtx, s.server, ln, logger)
			if s.stopped.Load() {
				return nil // Stop closed it: not a failure of the graph
			}
			return err
		})
		if run := svc.Run; run != nil {
			group.Go(func() error { return run(runCtx) })
		}
	}

	gcfg := cfg.Gateway
	if gcfg.Verifier == nil {
		gcfg.Verifier = cfg.Verifier
	}
	if gcfg.Tracer == nil {
		gcfg.Tracer = cfg.Tracer
	}
	if gcfg.Logger == nil && cfg.Logger != nil {
		gcfg.Logger = cfg.Logger.With("service", GatewayName)
	}
	gcfg.Subgraphs = nil
	for _, s := range g.Subgraphs {
		gcfg.Subgraphs = append(gcfg.Subgraphs, gateway.Subgraph{Name: s.Name, URL: s.URL})
	}
	if cfg.Federation && gcfg.Supergraph == "" {
		// The supergraph's subgraphs are overridden with this graph's URLs.
		if g.dir, err = os.MkdirTemp("", "wholegraph-"); err != nil {
			return nil, fmt.Errorf("wholegraph: supergraph: %w", err)
		}
		file := filepath.Join(g.dir, "supergraph.graphql")
		if err := os.WriteFile(file, []byte(schema.Supergraph()), 0o600); err != nil {
			return nil, fmt.Errorf("wholegraph: supergraph: %w", err)
		}
		gcfg.Supergraph = file
	}
	if cfg.BeforeGateway != nil {
		if err := cfg.BeforeGateway(runCtx, g, &gcfg); err != nil {
			return nil, err
		}
	}
	if g.Gateway, err = gateway.New(runCtx, gcfg); err != nil {
		return nil, err
	}
	gh, err := g.Gateway.Handler()
	if err != nil {
		return nil, err
	}
	lns = nil // every server owns its listener from here
	group.Go(func() error { return serve.Run(runCtx, g.Gateway.Server(gh), gln, logger) })
	return g, nil
}

// Wait waits for the graph to stop (its context ended, Close, or a server failed) and
// returns the first failure.
func (g *Graph) Wait() error {
	err := g.group.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Close stops the graph: every server shuts down gracefully (serve.Run), the background
// work ends, and the gateway closes. It returns once everything has stopped; the Redis
// stay open (Config.Store).
func (g *Graph) Close() {
	g.closing.Do(func() {
		g.cancel()
		_ = g.Wait() // a server that failed has failed the test or the run already
		if g.Gateway != nil {
			g.Gateway.Close()
		}
		if g.dir != "" {
			os.RemoveAll(g.dir)
		}
	})
}
