package gateway_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
)

// TestFlagsDefaultToTheConfig checks that every flag RegisterFlags binds defaults to the
// value the Config holds, so that DefaultConfig is the one place a default is written.
func TestFlagsDefaultToTheConfig(t *testing.T) {
	cfg := gateway.DefaultConfig()
	cfg.StartupTimeout, cfg.PlanCacheSize, cfg.Resilience.RetryBudget, cfg.MaxSubgraphResponseBytes = 3*time.Second, 7, 0.5, 99
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	for name, want := range map[string]string{
		"startup-timeout": "3s", "plan-cache-size": "7", "retry-budget": "0.5", "max-subgraph-response-bytes": "99",
		"subgraph-timeout": "10s", "retries": "2", "breaker-failures": "5", "breaker-open": "5s", "retry-backoff": "25ms",
		"schema-poll-interval": "10s", "max-lookups-per-request": "500",
	} {
		if got := fs.Lookup(name).DefValue; got != want {
			t.Errorf("-%s default = %s, want %s", name, got, want)
		}
	}
}

// TestZeroIsASetting parses flags as the gateway's command does: a zero that has a
// meaning keeps it (no retries, no breakers, no wait at start), and a zero that has none
// is refused, every one at once, instead of silently becoming its default.
func TestZeroIsASetting(t *testing.T) {
	parse := func(args ...string) (gateway.Config, error) {
		cfg := gateway.DefaultConfig()
		cfg.Subgraphs = []gateway.Subgraph{{Name: "users", URL: "http://127.0.0.1:4001/graphql"}}
		fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.RegisterFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return cfg, cfg.Validate()
	}
	cfg, err := parse("-retries", "0", "-retry-budget", "0", "-breaker-failures", "0", "-retry-backoff", "0", "-startup-timeout", "0")
	if err != nil {
		t.Fatalf("meaningful zeros refused: %v", err)
	}
	r := cfg.Resilience
	if r.Retries != 0 || r.RetryBudget != 0 || r.BreakerFailures != 0 || r.RetryBackoff != 0 || cfg.StartupTimeout != 0 {
		t.Errorf("zeros did not stay zero: %+v, startup timeout %s", r, cfg.StartupTimeout)
	}
	_, err = parse("-subgraph-timeout", "0", "-schema-poll-interval", "0", "-plan-cache-size", "0",
		"-max-lookups-per-request", "0", "-max-subgraph-response-bytes", "0", "-breaker-open", "0", "-retries", "-1")
	for _, want := range []string{
		"subgraph-timeout must be positive", "schema-poll-interval must be positive", "plan-cache-size must be positive",
		"max-lookups-per-request must be positive", "max-subgraph-response-bytes must be positive",
		"breaker-open must be positive", "retries must be between 0 (none) and 10",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("zeros without a meaning: %v, lacks %q", err, want)
		}
	}
}
