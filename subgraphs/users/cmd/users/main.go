// Command users runs the users subgraph.
package main

import (
	"context"
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
	var f subgraph.Flags
	f.Register(fs, serve.DefaultAddr(4001))
	eventsMaxLen := fs.Int64("events-max-len", users.DefaultEventsMaxLen, "approximate bound on the events stream (user.deleted)")
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	logger, rdb, closeRedis, err := f.Open(stdout)
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
	h, err := users.New(users.Config{
		Redis: rdb, KeyPrefix: f.KeyPrefix, CursorSecret: f.CursorSecret, IdempotencyTTL: f.IdempotencyTTL,
		EventsMaxLen: *eventsMaxLen, Limits: f.Limits, Logger: logger, Tracer: tp, Metrics: f.Metrics(),
		Verifier: verifier,
	})
	if err != nil {
		return err
	}
	return f.Serve(ctx, "users subgraph", h, logger, stdout)
}
