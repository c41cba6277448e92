// Command users runs the users subgraph.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "users:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	f := subgraph.DefaultFlags("users")
	f.RegisterFlags(fs)
	cfg := users.DefaultConfig()
	cfg.RegisterFlags(fs)
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	if err := errors.Join(f.Validate(), cfg.Validate()); err != nil {
		return err
	}
	logger, rdb, closeRedis, err := f.Open(stdout, cfg.CursorSecret)
	if err != nil {
		return err
	}
	defer closeRedis()
	tp, stopTracing, err := subgraph.Tracing(ctx, "users", getenv, logger, rdb)
	if err != nil {
		return err
	}
	defer stopTracing()
	verifier, err := f.Verifier(ctx, logger)
	if err != nil {
		return err
	}
	cfg.Redis, cfg.Logger, cfg.Tracer, cfg.Metrics, cfg.Verifier = rdb, logger, tp, f.Metrics(), verifier
	h, err := users.New(cfg)
	if err != nil {
		return err
	}
	return f.Serve(ctx, "users subgraph", h, logger, stdout)
}
