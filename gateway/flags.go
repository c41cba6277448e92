package gateway

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RegisterFlags binds the gateway's settings, except the subgraph list, to fs, each
// defaulting to what c holds (DefaultConfig-style zero values mean the documented
// defaults). Per-subgraph timeouts are given as -subgraph-timeout NAME=DURATION beside
// the default -subgraph-timeout DURATION; ApplyTimeouts puts them on the subgraphs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	or := func(d, def time.Duration) time.Duration {
		if d == 0 {
			return def
		}
		return d
	}
	c.StartupTimeout = or(c.StartupTimeout, DefaultStartupTimeout)
	c.SubgraphTimeout = or(c.SubgraphTimeout, DefaultSubgraphTimeout)
	c.SchemaPollInterval = or(c.SchemaPollInterval, DefaultSchemaPollInterval)
	fs.DurationVar(&c.StartupTimeout, "startup-timeout", c.StartupTimeout,
		"how long to wait for every subgraph's schema at start; then start with those that answered")
	fs.Var(&timeoutsFlag{c: c}, "subgraph-timeout",
		"bound on one request to a subgraph: DURATION for all, NAME=DURATION for one (repeatable, or comma-separated)")
	fs.DurationVar(&c.SchemaPollInterval, "schema-poll-interval", c.SchemaPollInterval,
		"how often each subgraph's SDL is fetched again to pick up schema changes; negative: never")
	fs.IntVar(&c.PlanCacheSize, "plan-cache-size", max(c.PlanCacheSize, DefaultPlanCacheSize), "operations whose compiled plans are kept")
	fs.IntVar(&c.MaxBatch, "max-lookups-per-request", max(c.MaxBatch, DefaultMaxBatch),
		"entity lookups in one subgraph request; more are split into several requests")
	r := &c.Resilience
	fs.IntVar(&r.Retries, "retries", max(r.Retries, DefaultRetries), "retries of a query's subgraph request after a connection error; negative: none")
	fs.DurationVar(&r.RetryBackoff, "retry-backoff", or(r.RetryBackoff, DefaultRetryBackoff), "longest wait before the first retry (full jitter, doubling)")
	fs.Float64Var(&r.RetryBudget, "retry-budget", DefaultRetryBudget, "share of subgraph requests that may be retries, above a small reserve")
	fs.IntVar(&r.BreakerFailures, "breaker-failures", max(r.BreakerFailures, DefaultBreakerFailures), "failures in a row that open a subgraph's circuit breaker; negative: no breakers")
	fs.DurationVar(&r.BreakerOpen, "breaker-open", or(r.BreakerOpen, DefaultBreakerOpen), "how long an open breaker fails requests before it probes the subgraph")
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
