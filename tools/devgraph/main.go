// Command devgraph runs the whole graph in one process for development: the users and
// products subgraphs, each on its own Redis (an embedded in-memory one unless a URL is
// given), the products subgraph's consumer of the users subgraph's events (it reads
// them from the users Redis, as the products binary does with -events-redis-url), and
// the gateway in front of them, seeded with demo data. `make run` starts it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/subgraphs/products"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/users"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "devgraph:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("devgraph", flag.ContinueOnError)
	addr := fs.String("listen-addr", "127.0.0.1:4000", "address of the gateway")
	usersAddr := fs.String("users-addr", "127.0.0.1:4001", "address of the users subgraph")
	productsAddr := fs.String("products-addr", "127.0.0.1:4002", "address of the products subgraph")
	usersRedis := fs.String("users-redis-url", "", "Redis of the users subgraph; empty: embedded in-memory")
	productsRedis := fs.String("products-redis-url", "", "Redis of the products subgraph; empty: embedded in-memory")
	seed := fs.Bool("seed", true, "create demo users and products when the users store is empty")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	logger, err := serve.NewLogger(stdout, *logLevel, "text")
	if err != nil {
		return err
	}

	// Bind every listener first: the URLs are known, and requests wait in the backlog
	// until each server runs, so nothing polls.
	lns := map[string]net.Listener{}
	for name, a := range map[string]string{"gateway": *addr, "users": *usersAddr, "products": *productsAddr} {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer ln.Close()
		lns[name] = ln
	}
	usersURL := "http://" + lns["users"].Addr().String() + "/graphql"
	productsURL := "http://" + lns["products"].Addr().String() + "/graphql"
	gatewayURL := "http://" + lns["gateway"].Addr().String() + "/graphql"

	urdb, closeU, err := subgraph.OpenRedis(*usersRedis, 0)
	if err != nil {
		return err
	}
	defer closeU()
	prdb, closeP, err := subgraph.OpenRedis(*productsRedis, 0)
	if err != nil {
		return err
	}
	defer closeP()
	uh, err := users.New(users.Config{Redis: urdb, CursorSecret: subgraph.DevCursorSecret, Logger: logger.With("service", "users")})
	if err != nil {
		return err
	}
	owners, err := products.NewUsersClient(usersURL)
	if err != nil {
		return err
	}
	ps, err := products.NewService(products.Config{
		Redis: prdb, CursorSecret: subgraph.DevCursorSecret, Owners: owners,
		Events: products.EventsConfig{Redis: urdb, Consumer: "devgraph"}, Logger: logger.With("service", "products"),
	})
	if err != nil {
		return err
	}

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.Run(ctx, serve.NewServer(uh), lns["users"], logger) })
	g.Go(func() error { return serve.Run(ctx, serve.NewServer(ps.Handler()), lns["products"], logger) })
	g.Go(func() error { return ps.Run(ctx) })
	gw, err := gateway.New(ctx, gateway.Config{
		Subgraphs: []gateway.Subgraph{{Name: "users", URL: usersURL}, {Name: "products", URL: productsURL}},
		Logger:    logger.With("service", "gateway"),
	})
	if err != nil {
		return err
	}
	gh, err := gw.Handler()
	if err != nil {
		return err
	}
	g.Go(func() error { return serve.Run(ctx, gw.Server(gh), lns["gateway"], logger) })

	if *seed {
		if err := seedDemo(ctx, gatewayURL, logger); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	fmt.Fprintf(stdout, "playground         http://%s/\ngateway            %s\nusers subgraph     %s\nproducts subgraph  %s\n", lns["gateway"].Addr(), gatewayURL, usersURL, productsURL)
	fmt.Fprintf(stdout, "try: curl -s %s -H 'Content-Type: application/json' -d '{\"query\":\"{ products(first: 3) { edges { node { id name price { amount currencyCode } owner { name email } } } } }\"}'\n", gatewayURL)
	return g.Wait()
}

// seedDemo creates demo users and products through the gateway, as a client would,
// unless there are users already.
func seedDemo(ctx context.Context, url string, logger *slog.Logger) error {
	var existing struct {
		Users struct{ Edges []any }
	}
	if err := call(ctx, url, `{ users(first: 1) { edges { cursor } } }`, nil, &existing); err != nil {
		return err
	}
	if len(existing.Users.Edges) > 0 {
		return nil
	}
	people := []struct{ name, email string }{
		{"Ada Lovelace", "ada@example.com"},
		{"Grace Hopper", "grace@example.com"},
		{"Alan Turing", "alan@example.com"},
		{"Katherine Johnson", "katherine@example.com"},
	}
	things := []struct{ name, description, amount, currency string }{
		{"Analytical Engine", "General-purpose mechanical computer.", "1843.00", "GBP"},
		{"Compiler", "Turns words into machine code.", "19.52", "USD"},
		{"Bombe", "Finds Enigma settings.", "1939.99", "GBP"},
		{"Trajectory tables", "Orbits, by hand.", "62.00", "USD"},
		{"Difference Engine", "Tabulates polynomials.", "1822.50", "GBP"},
		{"COBOL manual", "Common business-oriented language.", "12.00", "USD"},
		{"Turing machine kit", "Tape not included.", "42.00", "EUR"},
		{"Slide rule", "Analog, exact enough.", "1500", "JPY"},
	}
	var ids []string
	for _, p := range people {
		var d struct{ CreateUser struct{ ID string } }
		if err := call(ctx, url, `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": p.name, "email": p.email}}, &d); err != nil {
			return err
		}
		ids = append(ids, d.CreateUser.ID)
	}
	for i, t := range things {
		var d struct{ CreateProduct struct{ ID string } }
		if err := call(ctx, url, `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": t.name, "description": t.description, "ownerId": ids[i%len(ids)],
				"price": map[string]any{"amount": t.amount, "currencyCode": t.currency}}}, &d); err != nil {
			return err
		}
	}
	logger.Info("seeded demo data", "users", len(people), "products", len(things))
	return nil
}

func call(ctx context.Context, url, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s", r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, out)
}
