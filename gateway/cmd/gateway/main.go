// Command gateway serves the federated graph, stitching the subgraphs it is given as
// -subgraph NAME=URL (or SUBGRAPHS=NAME=URL,NAME=URL,… in the environment), or, with
// -supergraph FILE, serving an Apollo Federation supergraph in federation mode.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/metrics"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/internal/tracing"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	shared := serve.DefaultFlags(gateway.DefaultPort)
	var subgraphs subgraphFlags
	subgraphs.register(fs)
	supergraphPath := fs.String("supergraph", "", "an Apollo Federation supergraph SDL file to serve in federation mode (watched, reloaded on change); -subgraph NAME=URL then overrides a subgraph's URL")
	cfg := gateway.DefaultConfig()
	cfg.RegisterFlags(fs)
	shared.RegisterFlags(fs)
	cfg.Front.RegisterFlags(fs)
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	var err error
	cfg.Supergraph = *supergraphPath
	if cfg.Subgraphs, err = subgraphs.list(fs, cfg.Supergraph != ""); err != nil {
		// The list's error says what is wrong with it; every other setting is judged too.
		rest := cfg
		rest.Subgraphs, rest.Supergraph = nil, "(any)"
		err = errors.Join(err, rest.Validate())
	} else {
		err = cfg.Validate()
	}
	if err := errors.Join(err, shared.Validate()); err != nil {
		return err
	}
	logger, err := shared.Logger(stdout)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	tr, err := tracing.Setup(ctx, "gateway", getenv)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Shutdown(sctx)
	}()
	cfg.Tracer = tr.Provider
	if cfg.Verifier, err = shared.Verifier(ctx, logger); err != nil {
		return err
	}
	reg := metrics.NewRegistry()
	if shared.MetricsAddr != "" {
		cfg.Metrics = reg
	}
	if err := serve.Debug(ctx, shared.DebugAddr, logger, stdout); err != nil {
		return err
	}
	if err := metrics.Serve(ctx, shared.MetricsAddr, reg, logger, stdout); err != nil {
		return err
	}
	// The listener is bound, and served, before the gateway waits for the subgraphs'
	// schemas: a restart while a subgraph is down refuses no connection. Requests that
	// come meanwhile wait for the gateway (at most -startup-timeout, 1s by default);
	// /healthz answers at once.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", shared.ListenAddr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gateway on http://%s/graphql\n", ln.Addr())
	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	st := &starting{ready: make(chan struct{})}
	served := make(chan error, 1)
	go func() { served <- serve.Run(sctx, cfg.Front.HTTPServer(st), ln, logger) }()
	gw, h, err := newGateway(ctx, cfg)
	if err != nil {
		st.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "the gateway did not start", http.StatusServiceUnavailable)
		}))
		stopServing()
		<-served //nolint:errcheck // http.ErrServerClosed: the listener was closed on purpose
		return err
	}
	defer gw.Close() // after the server has stopped: requests in flight use the gateway
	st.serve(h)
	return <-served
}

// newGateway builds the gateway and its handler.
func newGateway(ctx context.Context, cfg gateway.Config) (*gateway.Gateway, http.Handler, error) {
	gw, err := gateway.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	h, err := gw.Handler()
	if err != nil {
		gw.Close()
		return nil, nil, err
	}
	return gw, h, nil
}

// starting is the handler while the gateway starts: /healthz answers at once (the
// process lives), and every other request, /readyz too, waits until serve gives the
// gateway's handler, which then answers it, or until the request ends. A request that
// comes in the first moments is thus answered as soon as the gateway can, never
// refused, and /readyz never says more than the gateway knows.
type starting struct {
	ready chan struct{} // closed by serve
	h     http.Handler  // set before ready is closed
}

func (s *starting) serve(h http.Handler) {
	s.h = h
	close(s.ready)
}

func (s *starting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.ready:
	default:
		if r.URL.Path == "/healthz" {
			_, _ = io.WriteString(w, "ok\n")
			return
		}
		select {
		case <-s.ready:
		case <-r.Context().Done():
			return
		}
	}
	s.h.ServeHTTP(w, r)
}

// subgraphFlags are the subgraphs as the command line and the environment give them:
// -subgraph NAME=URL, once per subgraph, and -subgraphs NAME=URL,NAME=URL,…, the whole
// list in one value, which serve.ParseFlags reads from SUBGRAPHS. Either way their order
// is the merge order. Given on the command line, under either name, the list is the
// command line's alone: the environment's is ignored, bad or not, as for every other
// flag. The values are parsed once the flags are (list), so that only the list in use
// is judged.
type subgraphFlags struct {
	given []givenSubgraphs // in the order they were set
}

// givenSubgraphs is one value of -subgraph or -subgraphs.
type givenSubgraphs struct {
	flag  string // "subgraph" or "subgraphs"
	value string
}

func (l *subgraphFlags) register(fs *flag.FlagSet) {
	fs.Var(&subgraphFlag{l: l, name: "subgraph"}, "subgraph",
		"a subgraph to stitch, as NAME=URL of its GraphQL endpoint (users=http://localhost:4001/graphql); once per subgraph, in merge order")
	fs.Var(&subgraphFlag{l: l, name: "subgraphs"}, "subgraphs",
		"every subgraph to stitch, as NAME=URL,NAME=URL,… in merge order: the form SUBGRAPHS takes in the environment; -subgraph on the command line replaces it")
}

// list returns the subgraphs, once fs is parsed: those of the command line if it gives
// any, else those of the environment. It reports every bad entry, and refuses an empty
// list, a name given twice, and both SUBGRAPH and SUBGRAPHS in the environment.
func (l *subgraphFlags) list(fs *flag.FlagSet, optional bool) ([]gateway.Subgraph, error) {
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	fromArgs := onCommandLine["subgraph"] || onCommandLine["subgraphs"]
	var out []gateway.Subgraph
	var errs []error
	envs := map[string]bool{}
	for _, g := range l.given {
		if onCommandLine[g.flag] != fromArgs {
			continue // the environment's, when the command line gives the list
		}
		var sgs []gateway.Subgraph
		var err error
		if g.flag == "subgraphs" {
			sgs, err = gateway.ParseSubgraphs(g.value)
		} else {
			var sg gateway.Subgraph
			sg, err = gateway.ParseSubgraph(g.value)
			sgs = []gateway.Subgraph{sg}
		}
		source := fmt.Sprintf("-%s %q", g.flag, g.value)
		if !fromArgs {
			source = fmt.Sprintf("%s=%q", serve.EnvName(g.flag), g.value)
			envs[g.flag] = true
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", source, err))
			continue
		}
		out = append(out, sgs...)
	}
	if len(envs) > 1 {
		return nil, errors.New("SUBGRAPH and SUBGRAPHS are both set: give the list once, as SUBGRAPHS=NAME=URL,NAME=URL,…")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		if optional {
			return nil, nil
		}
		return nil, errors.New("no subgraphs: give each as -subgraph NAME=URL, or all as SUBGRAPHS=NAME=URL,NAME=URL,… in the environment, or a -supergraph file")
	}
	if err := gateway.CheckSubgraphs(out); err != nil {
		return nil, err
	}
	return out, nil
}

// subgraphFlag is the flag.Value of -subgraph (one NAME=URL) and of -subgraphs (a list).
type subgraphFlag struct {
	l    *subgraphFlags
	name string
}

func (f *subgraphFlag) String() string {
	if f.l == nil {
		return ""
	}
	var values []string
	for _, g := range f.l.given {
		if g.flag == f.name {
			values = append(values, g.value)
		}
	}
	return strings.Join(values, ",")
}

func (f *subgraphFlag) Set(v string) error {
	f.l.given = append(f.l.given, givenSubgraphs{flag: f.name, value: v})
	return nil
}
