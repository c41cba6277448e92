// Command nautilus is the baseline that tools/bench measures our gateway against: plain
// nautilus/gateway with its defaults (its planner, its executor, its HTTP client, its
// logrus logger) serving its own GraphQLHandler. The one deviation is how it reads the
// subgraphs' schemas: from the SDL each serves at /schema.graphql beside its GraphQL URL,
// parsed with gqlparser, because nautilus's introspection reader rejects the
// DIRECTIVE_DEFINITION location current gqlgen schemas declare (docs/architecture.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	nautilus "github.com/nautilus/gateway"
	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nautilus:", err)
		os.Exit(1)
	}
}

// maxSDL bounds the size of a subgraph's SDL.
const maxSDL = 4 << 20

func run(ctx context.Context, args []string, _ func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("nautilus", flag.ContinueOnError)
	addr := fs.String("listen-addr", "127.0.0.1:4000", "address to serve on")
	// -subgraph NAME=URL, in merge order, as our gateway takes it; nautilus needs the
	// URLs only.
	var urls []string
	fs.Func("subgraph", "a subgraph to stitch, as NAME=URL of its GraphQL endpoint; once per subgraph, in merge order", func(v string) error {
		name, u, ok := strings.Cut(v, "=")
		if !ok || name == "" || u == "" {
			return fmt.Errorf("%q is not NAME=URL", v)
		}
		urls = append(urls, u)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(urls) == 0 {
		return errors.New("no subgraphs: give each as -subgraph NAME=URL")
	}
	var sources []*graphql.RemoteSchema
	for _, u := range urls {
		s, err := loadSchema(ctx, u)
		if err != nil {
			return err
		}
		sources = append(sources, &graphql.RemoteSchema{URL: u, Schema: s})
	}
	gw, err := nautilus.New(sources)
	if err != nil {
		return fmt.Errorf("merge subgraph schemas: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nautilus on http://%s/graphql\n", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/graphql", gw.GraphQLHandler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.Serve(ln) }()
	select {
	case err := <-errCh:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errCh; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadSchema gets the SDL served at /schema.graphql beside graphqlURL and parses it.
func loadSchema(ctx context.Context, graphqlURL string) (*ast.Schema, error) {
	u, err := url.Parse(graphqlURL)
	if err != nil {
		return nil, fmt.Errorf("subgraph url %q: %w", graphqlURL, err)
	}
	u.Path, u.RawQuery = "/schema.graphql", ""
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get SDL %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get SDL %s: status %d", u, resp.StatusCode)
	}
	sdl, err := io.ReadAll(io.LimitReader(resp.Body, maxSDL))
	if err != nil {
		return nil, fmt.Errorf("get SDL %s: %w", u, err)
	}
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: u.String(), Input: string(sdl)})
	if gerr != nil {
		return nil, fmt.Errorf("parse SDL %s: %w", u, gerr)
	}
	return s, nil
}
