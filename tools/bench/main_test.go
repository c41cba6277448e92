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
		t.Fatal(err)
	}
	if cfg.Duration != 3*time.Second || cfg.Warmup != time.Second || cfg.Concurrency != 16 || cfg.Soak != 0 || cfg.Bin != "" {
		t.Errorf("defaults = %+v", cfg)
	}
	if !slices.Equal(cfg.Workloads, []string{"a", "b", "c", "d"}) || !slices.Equal(cfg.Targets, []string{"fedgraph", "nautilus", "products"}) {
		t.Errorf("default workloads %v, targets %v", cfg.Workloads, cfg.Targets)
	}
}

func TestParseConfigReadsOnlyRedisURL(t *testing.T) {
	env := map[string]string{"REDIS_URL": "redis://r:6379/2", "DURATION": "1h", "CONCURRENCY": "1000"}
	cfg, err := parseConfig([]string{"-workloads", " a, c ", "-targets", "fedgraph"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://r:6379/2" || cfg.Duration != 3*time.Second || cfg.Concurrency != 16 {
		t.Errorf("cfg = %+v: want REDIS_URL read and nothing else", cfg)
	}
	if !slices.Equal(cfg.Workloads, []string{"a", "c"}) || !slices.Equal(cfg.Targets, []string{"fedgraph"}) {
		t.Errorf("workloads %v, targets %v", cfg.Workloads, cfg.Targets)
	}
}

// TestParseConfigReportsEveryBadSetting checks that all bad settings come back in one
// error.
func TestParseConfigReportsEveryBadSetting(t *testing.T) {
	_, err := parseConfig([]string{"-duration", "0s", "-warmup", "-1s", "-concurrency", "0", "-timeout", "0s",
		"-soak", "-1m", "-workloads", "a,z", "-targets", "", "-bin", t.TempDir()}, func(string) string { return "" })
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"-duration", "-warmup", "-concurrency", "-timeout", "-soak", `unknown "z"`, "-targets: empty", "users: no such file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
