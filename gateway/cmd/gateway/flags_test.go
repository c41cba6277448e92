package main

import (
	"context"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/serve"
)

// parseSubgraphs parses args and env as run does, and returns the subgraph list.
func parseSubgraphs(args []string, env map[string]string) ([]gateway.Subgraph, error) {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var l subgraphFlags
	l.register(fs)
	cfg := gateway.DefaultConfig()
	cfg.RegisterFlags(fs) // -subgraph-timeout, whose name both others start
	if err := serve.ParseFlags(fs, args, func(k string) string { return env[k] }); err != nil {
		return nil, err
	}
	return l.list(fs, false)
}

// TestSubgraphFlags checks the subgraph list from the command line and the environment:
// each good form, in order, the command line winning over the environment; and each bad
// input refused, by run too, before anything starts.
func TestSubgraphFlags(t *testing.T) {
	const (
		u = "http://users:4001/graphql"
		p = "http://products:4002/graphql"
	)
	sg := func(name, url string) gateway.Subgraph { return gateway.Subgraph{Name: name, URL: url} }
	good := []struct {
		name string
		args []string
		env  map[string]string
		want []gateway.Subgraph
	}{
		{"one -subgraph", []string{"-subgraph", "users=" + u}, nil, []gateway.Subgraph{sg("users", u)}},
		{"-subgraph repeated, in its order", []string{"-subgraph", "products=" + p, "-subgraph", "users=" + u}, nil,
			[]gateway.Subgraph{sg("products", p), sg("users", u)}},
		{"SUBGRAPHS, in its order", nil, map[string]string{"SUBGRAPHS": "users=" + u + ",products=" + p},
			[]gateway.Subgraph{sg("users", u), sg("products", p)}},
		{"SUBGRAPHS with spaces around entries", nil, map[string]string{"SUBGRAPHS": " users=" + u + " , products=" + p + " "},
			[]gateway.Subgraph{sg("users", u), sg("products", p)}},
		{"-subgraphs on the command line", []string{"-subgraphs", "products=" + p + ",users=" + u}, nil,
			[]gateway.Subgraph{sg("products", p), sg("users", u)}},
		{"-subgraph and -subgraphs together, in command-line order", []string{"-subgraph", "a=http://a/graphql", "-subgraphs", "b=http://b/graphql,c=http://c/graphql", "-subgraph", "d=http://d/graphql"}, nil,
			[]gateway.Subgraph{sg("a", "http://a/graphql"), sg("b", "http://b/graphql"), sg("c", "http://c/graphql"), sg("d", "http://d/graphql")}},
		{"the command line wins over SUBGRAPHS", []string{"-subgraph", "users=" + u}, map[string]string{"SUBGRAPHS": "products=" + p},
			[]gateway.Subgraph{sg("users", u)}},
		{"the command line wins over a bad SUBGRAPHS", []string{"-subgraph", "users=" + u}, map[string]string{"SUBGRAPHS": "nonsense"},
			[]gateway.Subgraph{sg("users", u)}},
		{"-subgraphs wins over SUBGRAPH", []string{"-subgraphs", "users=" + u}, map[string]string{"SUBGRAPH": "products=" + p},
			[]gateway.Subgraph{sg("users", u)}},
		{"https, a port, a path and a query", []string{"-subgraph", "users=https://users.example:8443/api/graphql?x=1"}, nil,
			[]gateway.Subgraph{sg("users", "https://users.example:8443/api/graphql?x=1")}},
		{"a URL with = in it", []string{"-subgraph", "users=http://users/graphql?a=b"}, nil,
			[]gateway.Subgraph{sg("users", "http://users/graphql?a=b")}},
		{"names with digits, - and _", []string{"-subgraph", "Users_2-eu=" + u}, nil, []gateway.Subgraph{sg("Users_2-eu", u)}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSubgraphs(tt.args, tt.env)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("subgraphs = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}

	bad := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{"no subgraph at all", nil, nil, "no subgraphs"},
		{"no =", []string{"-subgraph", "users"}, nil, `-subgraph "users": "users" is not NAME=URL`},
		{"no = in SUBGRAPHS", nil, map[string]string{"SUBGRAPHS": "users=" + u + ",products"}, `SUBGRAPHS="users=http://users:4001/graphql,products": "products" is not NAME=URL`},
		{"only a URL", []string{"-subgraph", u}, nil, "is not NAME=URL"},
		{"an empty name", []string{"-subgraph", "=" + u}, nil, "empty subgraph name"},
		{"an empty name in SUBGRAPHS", nil, map[string]string{"SUBGRAPHS": "users=" + u + ",=" + p}, "empty subgraph name"},
		{"a name with a space", []string{"-subgraph", "my users=" + u}, nil, `subgraph name "my users"`},
		{"an empty entry in SUBGRAPHS", nil, map[string]string{"SUBGRAPHS": "users=" + u + ",,products=" + p}, `"" is not NAME=URL`},
		{"a trailing comma in SUBGRAPHS", nil, map[string]string{"SUBGRAPHS": "users=" + u + ","}, `"" is not NAME=URL`},
		{"a name twice", []string{"-subgraph", "users=" + u, "-subgraph", "users=" + p}, nil, "subgraph users is given twice"},
		{"a name twice in SUBGRAPHS", nil, map[string]string{"SUBGRAPHS": "users=" + u + ",users=" + p}, "subgraph users is given twice"},
		{"a name twice across -subgraph and -subgraphs", []string{"-subgraph", "users=" + u, "-subgraphs", "users=" + p}, nil, "subgraph users is given twice"},
		{"an empty URL", []string{"-subgraph", "users="}, nil, `subgraph users: "" is not an http(s) URL`},
		{"another scheme", []string{"-subgraph", "users=ftp://users/graphql"}, nil, `"ftp://users/graphql" is not an http(s) URL`},
		{"no scheme", []string{"-subgraph", "users=users:4001/graphql"}, nil, `"users:4001/graphql" is not an http(s) URL`},
		{"no host", []string{"-subgraph", "users=http:///graphql"}, nil, `"http:///graphql" is not an http(s) URL`},
		{"not a URL", []string{"-subgraph", "users=http://[::1"}, nil, "is not an http(s) URL"},
		{"a bad URL in SUBGRAPHS", nil, map[string]string{"SUBGRAPHS": "users=" + u + ",products=products:4002"}, `SUBGRAPHS="users=http://users:4001/graphql,products=products:4002": subgraph products: "products:4002" is not an http(s) URL`},
		{"a bad -subgraph, a good SUBGRAPHS", []string{"-subgraph", "users"}, map[string]string{"SUBGRAPHS": "users=" + u}, `"users" is not NAME=URL`},
		{"two bad entries, both reported", []string{"-subgraph", "users", "-subgraph", "products=ftp://products"}, nil, `-subgraph "users": "users" is not NAME=URL
-subgraph "products=ftp://products": subgraph products: "ftp://products" is not an http(s) URL`},
		{"SUBGRAPH and SUBGRAPHS both", nil, map[string]string{"SUBGRAPH": "users=" + u, "SUBGRAPHS": "products=" + p}, "SUBGRAPH and SUBGRAPHS are both set"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSubgraphs(tt.args, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("subgraphs = %+v, %v; want an error with %q", got, err, tt.want)
			}
			// run refuses it at start, with the same error, before it listens or asks a
			// subgraph for anything.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			args := append([]string{"-listen-addr", "127.0.0.1:0"}, tt.args...)
			if err := run(ctx, args, func(k string) string { return tt.env[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run = %v, want an error with %q", err, tt.want)
			}
		})
	}
}
