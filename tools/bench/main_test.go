package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err) // the defaults run Node: node must be on PATH
	}
	if cfg.Duration != 9*time.Second || cfg.Rounds != 9 || cfg.Warmup != time.Second || cfg.Concurrency != 16 || cfg.Soak != 0 || cfg.Bin != "" || cfg.NodeWarmup != 5*time.Second ||
		cfg.PeerWait != time.Minute || len(cfg.Peers) != 0 || cfg.SubgraphPorts != nil || cfg.WriteGraph != "" || cfg.SubgraphProcs != 1 {
		t.Errorf("defaults = %+v", cfg)
	}
	if !slices.Equal(cfg.Workloads, []string{"a", "b", "c", "d"}) || !slices.Equal(cfg.Targets, []string{"fedgraph", "federation", "nautilus", "hive", "apollo", "products"}) {
		t.Errorf("default workloads %v, targets %v", cfg.Workloads, cfg.Targets)
	}
	if !slices.Equal(cfg.Tables, []string{"defaults", "nodedup"}) {
		t.Errorf("default tables %v, want both", cfg.Tables)
	}
}

func TestParseConfigReadsOnlyRedisURL(t *testing.T) {
	env := map[string]string{"REDIS_URL": "redis://r:6379/2", "DURATION": "1h", "CONCURRENCY": "1000"}
	cfg, err := parseConfig([]string{"-workloads", " a, c ", "-targets", "fedgraph"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://r:6379/2" || cfg.Duration != 9*time.Second || cfg.Concurrency != 16 {
		t.Errorf("cfg = %+v: want REDIS_URL read and nothing else", cfg)
	}
	if !slices.Equal(cfg.Workloads, []string{"a", "c"}) || !slices.Equal(cfg.Targets, []string{"fedgraph"}) {
		t.Errorf("workloads %v, targets %v", cfg.Workloads, cfg.Targets)
	}
}

// TestParseConfigReportsEveryBadSetting checks that all bad settings come back in one
// error.
func TestParseConfigReportsEveryBadSetting(t *testing.T) {
	_, err := parseConfig([]string{"-duration", "0s", "-rounds", "0", "-warmup", "-1s", "-concurrency", "0", "-timeout", "0s",
		"-soak", "-1m", "-node-warmup", "-1s", "-workloads", "a,z", "-targets", "", "-tables", "", "-peer-wait", "0s", "-bin", t.TempDir()}, func(string) string { return "" })
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"-duration", "-rounds 0", "-warmup", "-node-warmup", "-concurrency", "-timeout", "-soak", `unknown "z"`, "-targets: empty", "-tables: empty", "-peer-wait", "users: no such file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestParseConfigRounds checks that a round must last at least 10ms.
func TestParseConfigRounds(t *testing.T) {
	if _, err := parseConfig([]string{"-duration", "50ms", "-rounds", "6", "-targets", "fedgraph"}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "at least 10ms a round") {
		t.Errorf("50ms in 6 rounds: error %v, want one on the round's length", err)
	}
	cfg, err := parseConfig([]string{"-duration", "50ms", "-rounds", "5", "-targets", "fedgraph"}, func(string) string { return "" })
	if err != nil || cfg.Rounds != 5 {
		t.Errorf("50ms in 5 rounds: %v, rounds %d; want 5 rounds", err, cfg.Rounds)
	}
}

// TestParseConfigNodeTargets checks what the Node gateways add to validation: -web must
// hold tools/web's scripts, and node must be on PATH.
func TestParseConfigNodeTargets(t *testing.T) {
	_, err := parseConfig([]string{"-targets", "fedgraph,apollo", "-web", t.TempDir()}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "compose.mjs: no such file") {
		t.Errorf("a -web without compose.mjs: error %v", err)
	}
	// Without a Node target, -web is not looked at.
	if _, err := parseConfig([]string{"-targets", "fedgraph", "-web", t.TempDir()}, func(string) string { return "" }); err != nil {
		t.Errorf("-web with no Node target: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err = parseConfig([]string{"-targets", "hive"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "not on PATH") {
		t.Errorf("no node on PATH: error %v", err)
	}
}
