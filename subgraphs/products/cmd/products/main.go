// Command products runs the products subgraph.
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
	addr := fs.String("listen-addr", ":4002", "address to serve on")
	redisURL := fs.String("redis-url", "", "Redis URL (redis://host:port/db); empty starts an embedded in-memory Redis")
	redisTimeout := fs.Duration("redis-timeout", subgraph.DefaultRedisTimeout, "bound on dialing Redis and on each command")
	keyPrefix := fs.String("key-prefix", "", "prefix of every Redis key the service writes")
	cursorSecret := fs.String("cursor-secret", subgraph.DevCursorSecret, "secret that signs pagination cursors; replicas must share it")
	usersURL := fs.String("users-url", "http://localhost:4001/graphql", "GraphQL URL of the users subgraph, asked whether an owner exists")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	logger, err := serve.Logger(stdout, *logLevel)
	if err != nil {
		return err
	}
	rdb, closeRedis, err := subgraph.OpenRedis(*redisURL, *redisTimeout)
	if err != nil {
		return err
	}
	defer closeRedis()
	if *redisURL == "" {
		logger.Warn("no REDIS_URL: using an embedded in-memory Redis; data is lost on exit")
	}
	if *cursorSecret == subgraph.DevCursorSecret {
		logger.Warn("CURSOR_SECRET not set: using the development secret")
	}
	owners, err := products.NewUsersClient(*usersURL)
	if err != nil {
		return err
	}
	h, err := products.New(products.Config{Redis: rdb, KeyPrefix: *keyPrefix, CursorSecret: *cursorSecret, Owners: owners, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "products subgraph on http://%s/graphql\n", ln.Addr())
	return serve.Run(ctx, serve.NewServer(h), ln, logger)
}
