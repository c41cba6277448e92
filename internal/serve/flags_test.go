package serve

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
)

// TestFlags checks the settings every service shares: each flag defaults to the value
// it is bound to, every bad setting is reported at once, and a service without keys
// says that authentication is off, once.
func TestFlags(t *testing.T) {
	f := DefaultFlags(4123)
	f.LogLevel = "warn"
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f.RegisterFlags(fs)
	for name, want := range map[string]string{
		"listen-addr": "127.0.0.1:4123", "log-level": "warn", "log-format": "json", "metrics-addr": "",
		"debug-addr": "", "jwks-timeout": "5s", "jwt-algorithms": "RS256,ES256",
	} {
		if got := fs.Lookup(name).DefValue; got != want {
			t.Errorf("-%s default = %q, want %q", name, got, want)
		}
	}
	if err := fs.Parse([]string{"-listen-addr", "", "-log-level", "loud", "-jwks-file", "f"}); err != nil {
		t.Fatal(err)
	}
	err := f.Validate()
	for _, want := range []string{"-listen-addr must not be empty", `log level "loud"`, "-jwt-issuer and -jwt-audience are required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, lacks %q", err, want)
		}
	}

	var log bytes.Buffer
	off := DefaultFlags(4123)
	logger, err := NewLogger(&log, "info", "text")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := off.Verifier(context.Background(), logger); v != nil || err != nil {
		t.Fatalf("Verifier() without keys = %v, %v; want nil, nil", v, err)
	}
	if n := strings.Count(log.String(), "authentication is off"); n != 1 {
		t.Errorf("log says authentication is off %d times, want once:\n%s", n, log.String())
	}
}
