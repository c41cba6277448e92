// Command products runs the products subgraph and its consumer of the users
// subgraph's events.
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

	"golang.org/x/sync/errgroup"

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
	f := subgraph.DefaultFlags("products")
	f.RegisterFlags(fs)
	cfg := products.DefaultConfig()
	cfg.RegisterFlags(fs)
	usersURL := fs.String("users-url", subgraph.DefaultURL("users"), "GraphQL URL of the users subgraph, asked whether an owner exists")
	usersTimeout := fs.Duration("users-timeout", products.UsersTimeout, "bound on one call to the users subgraph")
	eventsURL := fs.String("events-redis-url", "", "Redis URL of the users subgraph, read for its events stream only; required unless -events=off")
	eventsMode := fs.String("events", eventsOn, "on: consume the users subgraph's user.deleted events from -events-redis-url; off: run without, and the products of deleted users stay")
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	if err := errors.Join(f.Validate(), cfg.Validate(), checkEvents(*eventsMode, *eventsURL)); err != nil {
		return err
	}
	owners, err := products.NewUsersClientTimeout(*usersURL, *usersTimeout)
	if err != nil {
		return err
	}
	logger, rdb, closeRedis, err := f.Open(stdout, cfg.CursorSecret)
	if err != nil {
		return err
	}
	defer closeRedis()
	if *eventsMode == eventsOn {
		erdb, closeEvents, err := subgraph.OpenRedis(*eventsURL, f.RedisTimeout)
		if err != nil {
			return fmt.Errorf("events redis: %w", err)
		}
		defer closeEvents()
		cfg.Events.Redis = erdb
	} else {
		logger.Warn("EVENTS=off: user.deleted events are not consumed; products of deleted users stay")
	}
	tp, stopTracing, err := subgraph.Tracing(ctx, "products", getenv, logger, rdb)
	if err != nil {
		return err
	}
	defer stopTracing()
	verifier, err := f.Verifier(ctx, logger)
	if err != nil {
		return err
	}
	cfg.Redis, cfg.Owners, cfg.Logger, cfg.Tracer, cfg.Metrics, cfg.Verifier = rdb, owners, logger, tp, f.Metrics(), verifier
	svc, err := products.NewService(cfg)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.Run(ctx) })
	g.Go(func() error { return f.Serve(ctx, "products subgraph", svc.Handler(), logger, stdout) })
	return g.Wait()
}

// Values of -events.
const (
	eventsOn  = "on"
	eventsOff = "off"
)

// errNoEvents refuses to start products without its events source: without it the
// products of a deleted user are never deleted, and their owner names nobody. Running
// so must be asked for.
var errNoEvents = errors.New("no events source: give -events-redis-url (EVENTS_REDIS_URL), the users subgraph's Redis, " +
	"so that the products of deleted users are deleted, or -events=off (EVENTS=off) to run without it")

// checkEvents reports a -events setting that is not on or off, a missing events
// source, and a source given with -events=off.
func checkEvents(mode, url string) error {
	switch {
	case mode != eventsOn && mode != eventsOff:
		return fmt.Errorf("-events must be %s or %s, got %q", eventsOn, eventsOff, mode)
	case mode == eventsOn && url == "":
		return errNoEvents
	case mode == eventsOff && url != "":
		return errors.New("-events=off (EVENTS=off) and -events-redis-url (EVENTS_REDIS_URL) are both set: give one")
	}
	return nil
}
