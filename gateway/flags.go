package gateway

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ParseSubgraph parses one subgraph as flags give it: NAME=URL, such as
// users=http://localhost:4001/graphql. NAME is letters, digits, '-' and '_' (it names the
// subgraph in errors, logs, metrics and -subgraph-timeout NAME=DURATION); URL is the
// subgraph's GraphQL endpoint, an http or https URL with a host.
func ParseSubgraph(s string) (Subgraph, error) {
	name, u, ok := strings.Cut(s, "=")
	if !ok {
		return Subgraph{}, fmt.Errorf("%q is not NAME=URL", s)
	}
	if name == "" {
		return Subgraph{}, fmt.Errorf("%q has an empty subgraph name: want NAME=URL", s)
	}
	if !validSubgraphName(name) {
		return Subgraph{}, fmt.Errorf("subgraph name %q: want letters, digits, '-' and '_'", name)
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return Subgraph{}, fmt.Errorf("subgraph %s: %q is not an http(s) URL", name, u)
	}
	return Subgraph{Name: name, URL: u}, nil
}

// validSubgraphName reports whether name is letters, digits, '-' and '_' only: fit for
// logs, metrics labels and a file name (the schema cache's).
func validSubgraphName(name string) bool {
	return strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}

// ParseSubgraphs parses a whole subgraph list: NAME=URL,NAME=URL,… in merge order (spaces
// around each entry are ignored), each as ParseSubgraph takes it, no name twice, and at
// least one.
func ParseSubgraphs(s string) ([]Subgraph, error) {
	var out []Subgraph
	for _, part := range strings.Split(s, ",") {
		sg, err := ParseSubgraph(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, sg)
	}
	return out, CheckSubgraphs(out)
}

// CheckSubgraphs reports a subgraph list that is empty or names a subgraph twice.
func CheckSubgraphs(list []Subgraph) error {
	if len(list) == 0 {
		return errors.New("no subgraphs")
	}
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s.Name] {
			return fmt.Errorf("subgraph %s is given twice", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// RegisterFlags binds the gateway's settings, except the subgraph list, to fs, each
// flag defaulting to what c holds (start from DefaultConfig). Per-subgraph timeouts are
// given as -subgraph-timeout NAME=DURATION beside the default -subgraph-timeout
// DURATION; New gives each subgraph its own.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.StartupTimeout, "startup-timeout", c.StartupTimeout,
		"how long requests wait at start for every subgraph's schema; then the gateway serves those that answered (and the cached schemas of the others) and takes the rest in when they answer; 0: do not wait")
	fs.StringVar(&c.SchemaCacheDir, "schema-cache-dir", c.SchemaCacheDir,
		"directory where each subgraph's last good schema is kept, for a start while it is down; empty: none")
	fs.Var(&timeoutsFlag{c: c}, "subgraph-timeout",
		"bound on one request to a subgraph: DURATION for all, NAME=DURATION for one (repeatable, or comma-separated)")
	fs.DurationVar(&c.SchemaPollInterval, "schema-poll-interval", c.SchemaPollInterval,
		"how often each subgraph's SDL is fetched again to pick up schema changes; negative: never, once every subgraph has served its own")
	fs.IntVar(&c.PlanCacheSize, "plan-cache-size", c.PlanCacheSize, "operations whose compiled plans are kept")
	fs.IntVar(&c.MaxBatch, "max-lookups-per-request", c.MaxBatch,
		"entity lookups in one subgraph request; more are split into several requests")
	r := &c.Resilience
	fs.IntVar(&r.Retries, "retries", r.Retries, "retries of a query's subgraph request after a connection error (0 to 10); 0: none")
	fs.DurationVar(&r.RetryBackoff, "retry-backoff", r.RetryBackoff, "longest wait before the first retry (full jitter, doubling)")
	fs.Float64Var(&r.RetryBudget, "retry-budget", r.RetryBudget, "share of subgraph requests that may be retries, above a small reserve; 0: no retries")
	fs.IntVar(&r.BreakerFailures, "breaker-failures", r.BreakerFailures, "failures in a row that open a subgraph's circuit breaker; 0: no breakers")
	fs.DurationVar(&r.BreakerOpen, "breaker-open", r.BreakerOpen, "how long an open breaker fails requests before it probes the subgraph")
	fs.BoolVar(&c.ExposeSubgraphErrors, "expose-subgraph-errors", c.ExposeSubgraphErrors,
		"pass every subgraph error's message to clients (development); off: only messages of documented codes, the others become INTERNAL_SERVER_ERROR naming the subgraph")
	fs.Int64Var(&c.MaxSubgraphResponseBytes, "max-subgraph-response-bytes", c.MaxSubgraphResponseBytes,
		"most bytes read of one subgraph answer; past it the subgraph's fields answer SUBGRAPH_RESPONSE_TOO_LARGE")
	fs.BoolVar(&c.Dedup, "dedup", c.Dedup,
		"share identical work in flight: identical queries (document, variables and forwarded headers, Authorization included) share one execution, identical subgraph requests of queries one fetch; never mutations or subscriptions")
}

// timeoutsFlag parses -subgraph-timeout: a duration for every subgraph, NAME=DURATION
// for one.
type timeoutsFlag struct{ c *Config }

func (f *timeoutsFlag) String() string {
	if f.c == nil {
		return ""
	}
	parts := []string{f.c.SubgraphTimeout.String()}
	names := make([]string, 0, len(f.c.SubgraphTimeouts))
	for n := range f.c.SubgraphTimeouts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		parts = append(parts, n+"="+f.c.SubgraphTimeouts[n].String())
	}
	return strings.Join(parts, ",")
}

func (f *timeoutsFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		name, value, named := strings.Cut(strings.TrimSpace(part), "=")
		if !named {
			value = name
		}
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration such as 2s", value)
		}
		if !named {
			f.c.SubgraphTimeout = d
			continue
		}
		if f.c.SubgraphTimeouts == nil {
			f.c.SubgraphTimeouts = map[string]time.Duration{}
		}
		f.c.SubgraphTimeouts[name] = d
	}
	return nil
}
