// Command products runs the products subgraph.
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
	"github.com/fedgraph/fedgraph/subgraphs/products"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "products:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("products", flag.ContinueOnError)
	var f subgraph.Flags
	f.Register(fs, ":4002")
	usersURL := fs.String("users-url", "http://localhost:4001/graphql", "GraphQL URL of the users subgraph, asked whether an owner exists")
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	owners, err := products.NewUsersClient(*usersURL)
	if err != nil {
		return err
	}
	logger, rdb, closeRedis, err := f.Open(stdout)
	if err != nil {
		return err
	}
	defer closeRedis()
	h, err := products.New(products.Config{Redis: rdb, KeyPrefix: f.KeyPrefix, CursorSecret: f.CursorSecret, Owners: owners, Logger: logger})
	if err != nil {
		return err
	}
	return f.Serve(ctx, "products subgraph", h, logger, stdout)
}
