package transport

import (
	"strings"
	"testing"
	"time"
)

// TestRetryBudget checks the budget's arithmetic: a reserve of retryReserve tokens,
// a share of a token per request, a whole one per retry, and no retries at all with a
// share of 0.
func TestRetryBudget(t *testing.T) {
	for _, tt := range []struct {
		name     string
		share    float64
		requests int // deposits before the withdrawals
		want     int // withdrawals allowed
	}{
		{"reserve only", 0.2, 0, retryReserve},
		{"the reserve is a ceiling", 0.2, 1000, retryReserve},
		{"no budget, no reserve", 0, 1000, 0},
		{"all may retry", 1, 0, retryReserve},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newRetryBudget(tt.share)
			for range tt.requests {
				b.deposit()
			}
			got := 0
			for b.withdraw() {
				got++
			}
			if got != tt.want {
				t.Errorf("withdrawals: got %d, want %d", got, tt.want)
			}
		})
	}
	// Once spent, each request earns its share: five requests at 0.2 pay for one retry.
	b := newRetryBudget(0.2)
	for b.withdraw() {
	}
	for range 5 {
		if b.withdraw() {
			t.Fatal("a retry allowed before the requests paid for it")
		}
		b.deposit()
	}
	if !b.withdraw() {
		t.Error("five requests at 0.2 do not pay for a retry")
	}
}

// TestResilienceValidate checks that every invalid setting is reported at once, and
// that zero is a setting.
func TestResilienceValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func(*Resilience)
		want []string // substrings of the error, none: valid
	}{
		{"defaults", func(*Resilience) {}, nil},
		{"all off", func(r *Resilience) { *r = Resilience{} }, nil},
		{"retries out of range", func(r *Resilience) { r.Retries = 11 }, []string{"retries"}},
		{"negative backoff", func(r *Resilience) { r.RetryBackoff = -time.Second }, []string{"retry-backoff"}},
		{"budget above 1", func(r *Resilience) { r.RetryBudget = 1.5 }, []string{"retry-budget"}},
		{"breaker without open time", func(r *Resilience) { r.BreakerOpen = 0 }, []string{"breaker-open"}},
		{"every problem", func(r *Resilience) { *r = Resilience{Retries: -1, RetryBudget: -1, BreakerFailures: -1} },
			[]string{"retries", "retry-budget", "breaker-failures"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultResilience()
			tt.set(&r)
			err := r.Validate()
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("Validate: %v, want errors about %v", err, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate: %v, want it to name %s", err, w)
				}
			}
		})
	}
}

// TestConfigValidate checks that New refuses what it cannot work with, all at once.
func TestConfigValidate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Name, cfg.URL = "users", "http://localhost:4001/graphql"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("a default config with a name and URL: %v", err)
	}
	bad := DefaultConfig()
	bad.URL, bad.Timeout, bad.MaxResponseBytes = "localhost:4001", 0, 0
	bad.Resilience.Retries = 11
	_, err := New(bad)
	if err == nil {
		t.Fatal("New accepted an invalid config")
	}
	for _, w := range []string{"no subgraph name", "not an http(s) URL", "timeout", "max response bytes", "retries"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("New: %v, want it to report %q", err, w)
		}
	}
}
