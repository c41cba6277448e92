// Command gateway serves the federated graph, stitching the users and products subgraphs.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/auth"
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
	addr := fs.String("listen-addr", ":4000", "address to serve on")
	usersURL := fs.String("users-url", "http://localhost:4001/graphql", "GraphQL URL of the users subgraph")
	productsURL := fs.String("products-url", "http://localhost:4002/graphql", "GraphQL URL of the products subgraph")
	var cfg gateway.Config
	cfg.RegisterFlags(fs)
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "json", "json or text")
	debugAddr := fs.String("debug-addr", "", "address of a separate listener for /debug/pprof/; empty: none")
	metricsAddr := fs.String("metrics-addr", "", "address of a separate listener for Prometheus /metrics; empty: none")
	frontCfg := front.DefaultConfig()
	frontCfg.RegisterFlags(fs)
	var authCfg auth.Config
	authCfg.RegisterFlags(fs)
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	if err := frontCfg.Validate(); err != nil {
		return err
	}
	logger, err := serve.NewLogger(stdout, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	cfg.Subgraphs = []gateway.Subgraph{
		{Name: "users", URL: *usersURL},
		{Name: "products", URL: *productsURL},
	}
	cfg.Front, cfg.Logger = &frontCfg, logger
	tr, err := tracing.Setup(ctx, "gateway", getenv)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tr.Shutdown(sctx)
	}()
	cfg.Tracer = tr.Provider
	if cfg.Verifier, err = auth.New(ctx, authCfg); err != nil {
		return err
	}
	if cfg.Verifier == nil {
		logger.Warn("no JWKS_URL or JWKS_FILE: authentication is off; tokens are ignored and every caller is anonymous")
	}
	reg := metrics.NewRegistry()
	if *metricsAddr != "" {
		cfg.Metrics = reg
	}
	gw, err := gateway.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer gw.Close()
	if err := serve.Debug(ctx, *debugAddr, logger, stdout); err != nil {
		return err
	}
	if err := metrics.Serve(ctx, *metricsAddr, reg, logger, stdout); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gateway on http://%s/graphql\n", ln.Addr())
	h, err := gw.Handler()
	if err != nil {
		return err
	}
	return serve.Run(ctx, gw.Server(h), ln, logger)
}
