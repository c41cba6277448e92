// Command devgraph runs the whole graph in one process for development, as
// internal/wholegraph builds it for the tests too: every subgraph of the graph's table
// (schema.Subgraphs), each on its own Redis (an embedded in-memory one unless a URL is
// given) and each built with its own Config by its entry in
// internal/wholegraph/subgraphs.go, the products subgraph's consumer of the users subgraph's events (it
// reads them from the users Redis, as the products binary does with -events-redis-url),
// and the gateway in front of them, seeded with demo data. With -auth (the default) every
// service verifies bearer tokens against a development key made at start, and devgraph
// prints a token for a seeded user and one with the admin scope. `make run` starts it.
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

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/internal/wholegraph"
	"github.com/fedgraph/fedgraph/schema"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
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
	// Of the settings every service shares, the gateway's address and the log level
	// apply; logs are text, for a terminal.
	shared := serve.DefaultFlags(gateway.DefaultPort)
	shared.LogLevel, shared.LogFormat = "warn", "text"
	shared.RegisterListen(fs)
	shared.RegisterLogLevel(fs)
	// Each subgraph of the table: -NAME-addr, on its port, and -NAME-redis-url.
	subgraphs := schema.Subgraphs()
	addrs, redisURLs := map[string]*string{}, map[string]*string{}
	for _, s := range subgraphs {
		addrs[s.Name] = fs.String(s.Name+"-addr", serve.DefaultAddr(s.Port), "address of the "+s.Name+" subgraph")
		redisURLs[s.Name] = fs.String(s.Name+"-redis-url", "", "Redis of the "+s.Name+" subgraph; empty: embedded in-memory")
	}
	seed := fs.Bool("seed", true, "create demo users and products when the users store is empty")
	federation := fs.Bool("federation", false, "serve the graph in federation mode: the gateway plans over the subgraphs' composed supergraph (schema/supergraph.graphql) instead of stitching their SDL")
	withAuth := fs.Bool("auth", true, "verify bearer tokens in every service against a development key, and print tokens; false: authentication off")
	if err := serve.ParseFlags(fs, args, getenv); err != nil {
		return err
	}
	if err := shared.Validate(); err != nil {
		return err
	}
	logger, err := shared.Logger(stdout)
	if err != nil {
		return err
	}

	listen := map[string]string{wholegraph.GatewayName: shared.ListenAddr}
	for name, a := range addrs {
		listen[name] = *a
	}

	var dev *devAuth
	var verifier *auth.Verifier
	if *withAuth {
		d, closeAuth, err := newDevAuth(ctx)
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		defer closeAuth()
		dev, verifier = d, d.verifier
	} else {
		serve.WarnAuthOff(logger, "-auth")
	}

	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	// The whole graph from the table (internal/wholegraph), on this run's addresses. The
	// seed goes to the subgraphs directly, with the admin token, as an operator's script
	// would, before the gateway is built: the playground's headers editor starts with a
	// seeded user's token, known only once the seed ran.
	var ada, adminToken string // adminToken: empty with authentication off
	if dev != nil {
		adminToken = dev.adminToken()
	}
	var adaToken string
	cfg := wholegraph.DefaultConfig()
	cfg.Listen = func(name string) (net.Listener, error) { return (&net.ListenConfig{}).Listen(ctx, "tcp", listen[name]) }
	cfg.Store = func(name string) (wholegraph.Store, error) {
		rdb, closeRedis, err := subgraph.OpenRedis(*redisURLs[name], subgraph.DefaultRedisTimeout)
		if err != nil {
			return wholegraph.Store{}, err
		}
		closers = append(closers, closeRedis)
		return wholegraph.Store{Client: rdb}, nil
	}
	cfg.EventsConsumer, cfg.Verifier, cfg.Logger, cfg.Federation = "devgraph", verifier, logger, *federation
	cfg.Gateway.Front.ExposeQueryPlan = true // a development graph: X-Include-Query-Plan: true shows the plan
	cfg.BeforeGateway = func(ctx context.Context, g *wholegraph.Graph, gc *gateway.Config) error {
		if *seed {
			var err error
			if ada, err = seedDemo(ctx, g.URLs(), adminToken, logger); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		if dev != nil && ada != "" {
			adaToken = dev.token(ada)
			gc.Front.PlaygroundHeaders = playgroundHeaders(adaToken)
		}
		return nil
	}
	graph, err := wholegraph.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer graph.Close()
	urls := graph.URLs()
	gatewayURL := graph.URL

	fmt.Fprintf(stdout, "playground         http://%s/\n", graph.Addr)
	for _, s := range subgraphs {
		fmt.Fprintf(stdout, "%-19s%s\n", s.Name+" subgraph", urls[s.Name])
	}
	if dev != nil {
		// Printed before the gateway's line, which tells a reader (and the tests) that
		// everything is up.
		if adaToken != "" {
			fmt.Fprintf(stdout, "token (Ada, 24h)   %s\n", adaToken)
		}
		fmt.Fprintf(stdout, "token (admin, 24h) %s\n", adminToken)
	}
	fmt.Fprintf(stdout, "gateway            %s\n", gatewayURL)
	fmt.Fprintf(stdout, "try: curl -s %s -H 'Content-Type: application/json' -d '{\"query\":\"{ products(first: 3) { edges { node { id name price { amount currencyCode } owner { name email } } } } }\"}'\n", gatewayURL)
	return graph.Wait()
}

// seedDemo creates demo users and products, unless there are users already, calling the
// users and products subgraphs directly with token (the admin token; empty with
// authentication off). It returns the id of Ada Lovelace, whose token the playground
// starts with: the one it created, or the one it finds; empty when there is none.
func seedDemo(ctx context.Context, urls map[string]string, token string, logger *slog.Logger) (ada string, err error) {
	const adaEmail = "ada@example.com"
	var existing struct {
		Users struct {
			Edges []struct{ Node struct{ ID, Email string } }
		}
	}
	if err := call(ctx, urls["users"], token, `{ users(first: 100) { edges { node { id email } } } }`, nil, &existing); err != nil {
		return "", err
	}
	if len(existing.Users.Edges) > 0 {
		for _, e := range existing.Users.Edges {
			if e.Node.Email == adaEmail {
				return e.Node.ID, nil
			}
		}
		return "", nil
	}
	people := []struct{ name, email string }{
		{"Ada Lovelace", adaEmail},
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
		if err := call(ctx, urls["users"], token, `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": p.name, "email": p.email}}, &d); err != nil {
			return "", err
		}
		ids = append(ids, d.CreateUser.ID)
	}
	for i, t := range things {
		var d struct{ CreateProduct struct{ ID string } }
		if err := call(ctx, urls["products"], token, `mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": t.name, "description": t.description, "ownerId": ids[i%len(ids)],
				"price": map[string]any{"amount": t.amount, "currencyCode": t.currency}}}, &d); err != nil {
			return "", err
		}
	}
	logger.Info("seeded demo data", "users", len(people), "products", len(things))
	return ids[0], nil
}

// call posts one GraphQL request to url, with token as its bearer token unless empty,
// and decodes its data into out; the first error, if any, is the result.
func call(ctx context.Context, url, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
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
