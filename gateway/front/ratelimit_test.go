package front_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/auth/issuer"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// slowRate refills one token in 100 s: within a test, a bucket only empties.
const slowRate = 0.01

func limited(key string) front.Config {
	cfg := front.DefaultConfig()
	cfg.RateLimit, cfg.RateLimitBurst, cfg.RateLimitKey = slowRate, 10, key
	return cfg
}

// ask sends n single requests (or, with batch > 0, one batch of that size) with the
// headers hdr and returns each answer's status and code.
func ask(t *testing.T, url string, hdr map[string]string, batch int) (int, string) {
	t.Helper()
	body := `{"query":"{ hello }"}`
	if batch > 0 {
		body = "[" + strings.TrimSuffix(strings.Repeat(body+",", batch), ",") + "]"
	}
	res := do(t, http.MethodPost, url, "application/json", "", strings.NewReader(body), hdr)
	if batch > 0 && res.status == http.StatusOK {
		return res.status, ""
	}
	return res.status, decode(t, res).code()
}

// TestRateLimit: a client gets its burst, then 429 REQUEST_RATE_LIMITED with a
// Retry-After, under either media type, without running anything; a batch takes one
// token per operation, and one that does not fit is refused whole and takes none.
func TestRateLimit(t *testing.T) {
	exec := newStaticExecutor(t)
	srv := newServer(t, limited(front.RateLimitByAddr), exec)
	url := srv.URL + "/graphql"
	for i := range 7 {
		if status, code := ask(t, url, nil, 0); status != http.StatusOK || code != "" {
			t.Fatalf("request %d of the burst: %d %q", i+1, status, code)
		}
	}
	if status, _ := ask(t, url, nil, 4); status != http.StatusTooManyRequests {
		t.Fatalf("a batch of 4 with 3 tokens left: %d, want 429", status)
	}
	if status, _ := ask(t, url, nil, 3); status != http.StatusOK {
		t.Fatalf("a batch of 3 with 3 tokens left: %d, want 200 (the refused batch took none)", status)
	}
	for _, accept := range []string{"application/json", "application/graphql-response+json"} {
		res := do(t, http.MethodPost, url, "application/json", accept, strings.NewReader(`{"query":"{ hello }"}`), nil)
		if res.status != http.StatusTooManyRequests || decode(t, res).code() != errcode.RequestRateLimited || res.header.Get("Retry-After") != "100" {
			t.Errorf("Accept %s, bucket empty: %d %q Retry-After %q, want 429 %s Retry-After 100: %s",
				accept, res.status, decode(t, res).code(), res.header.Get("Retry-After"), errcode.RequestRateLimited, res.body)
		}
	}
	if n := exec.calls.Load(); n != 10 {
		t.Errorf("the executor ran %d operations, want the 10 of the burst", n)
	}
}

// TestRateLimitKeys: clients are told apart by the configured key: a proxy's header
// (its first value; the address without it), or the token's subject.
func TestRateLimitKeys(t *testing.T) {
	srv := newServer(t, limited("header:X-Forwarded-For"), newStaticExecutor(t))
	url := srv.URL + "/graphql"
	drain := func(hdr map[string]string) {
		t.Helper()
		if status, _ := ask(t, url, hdr, 10); status != http.StatusOK {
			t.Fatalf("%v: the burst was refused (%d)", hdr, status)
		}
		if status, code := ask(t, url, hdr, 0); status != http.StatusTooManyRequests || code != errcode.RequestRateLimited {
			t.Fatalf("%v: past the burst: %d %q, want 429", hdr, status, code)
		}
	}
	drain(map[string]string{"X-Forwarded-For": "203.0.113.1, 10.0.0.1"})
	if status, _ := ask(t, url, map[string]string{"X-Forwarded-For": "203.0.113.1"}, 0); status != http.StatusTooManyRequests {
		t.Errorf("the same client through another proxy: %d, want 429", status)
	}
	drain(map[string]string{"X-Forwarded-For": "203.0.113.2"}) // another client, a full bucket
	drain(nil)                                                 // no header: the address's own bucket

	exec := &claimsExecutor{}
	iss, asrv := authFrontWith(t, limited(front.RateLimitBySubject), exec)
	url = asrv.URL + "/graphql"
	ada := map[string]string{"Authorization": "Bearer " + iss.Token(issuer.Claims{Subject: "User:ada"})}
	grace := map[string]string{"Authorization": "Bearer " + iss.Token(issuer.Claims{Subject: "User:grace"})}
	drain(ada)
	drain(grace) // another subject from the same address
	drain(nil)   // anonymous: the address
}

// TestRateLimitConfig refuses settings that cannot work.
func TestRateLimitConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func(*front.Config)
		want string
	}{
		{"a negative rate", func(c *front.Config) { c.RateLimit = -1 }, "rate-limit must be"},
		{"a burst below the batch size", func(c *front.Config) { c.RateLimit, c.RateLimitBurst = 1, 5 }, "rate-limit-burst (5)"},
		{"an unknown key", func(c *front.Config) { c.RateLimit, c.RateLimitKey = 1, "cookie" }, "rate-limit-key"},
		{"a header key without a name", func(c *front.Config) { c.RateLimit, c.RateLimitKey = 1, "header:" }, "names no valid header"},
		{"no clients", func(c *front.Config) { c.RateLimit, c.RateLimitClients = 1, 0 }, "rate-limit-clients"},
	} {
		cfg := front.DefaultConfig()
		tt.set(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}
