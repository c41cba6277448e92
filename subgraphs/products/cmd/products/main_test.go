package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

// TestEventsSource runs the products binary's run with each way of giving, or not
// giving, its events source: without one it refuses to start, naming both ways to
// start, unless -events=off (or EVENTS=off) says to run without; a source given with
// -events=off, or an -events that is neither on nor off, is refused too.
func TestEventsSource(t *testing.T) {
	users := miniredis.RunT(t)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr []string // parts of the error; nil: it starts
	}{
		{"no source", nil, nil, []string{"-events-redis-url", "EVENTS_REDIS_URL", "-events=off", "EVENTS=off"}},
		{"a source", []string{"-events-redis-url", "redis://" + users.Addr()}, nil, nil},
		{"a source from the environment", nil, map[string]string{"EVENTS_REDIS_URL": "redis://" + users.Addr()}, nil},
		{"-events=off", []string{"-events=off"}, nil, nil},
		{"EVENTS=off", nil, map[string]string{"EVENTS": "off"}, nil},
		{"-events=off and a source", []string{"-events=off", "-events-redis-url", "redis://" + users.Addr()}, nil, []string{"both set"}},
		{"-events=maybe", []string{"-events=maybe", "-events-redis-url", "redis://" + users.Addr()}, nil, []string{"-events must be on or off"}},
		// Zero is a setting, not a default: no bound on subscriptions, and a TTL that is
		// refused, with the other bad settings, before anything starts.
		{"-max-subscriptions 0", []string{"-events=off", "-max-subscriptions", "0"}, nil, nil},
		{"zero TTLs", []string{"-events=off", "-idempotency-ttl", "0", "-owner-tombstone-ttl", "0", "-redis-timeout", "0"}, nil,
			[]string{"idempotency-ttl must be positive", "owner-tombstone-ttl must be positive", "redis-timeout must be positive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out, w := io.Pipe()
			done := make(chan error, 1)
			args := append([]string{"-listen-addr", "127.0.0.1:0", "-log-level", "error"}, tt.args...)
			go func() {
				done <- run(ctx, args, func(k string) string { return tt.env[k] }, w)
				w.Close()
			}()
			serving := false
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				if strings.HasPrefix(lines.Text(), "products subgraph on http://") {
					serving = true
					cancel()
					go io.Copy(io.Discard, out)
					break
				}
			}
			err := <-done
			if tt.wantErr == nil {
				if !serving || err != nil {
					t.Errorf("serving %v, run = %v; want it to serve, then return nil", serving, err)
				}
				return
			}
			if serving || err == nil {
				t.Fatalf("serving %v, run = %v; want an error before it serves", serving, err)
			}
			for _, part := range tt.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("run = %q, want it to name %q", err, part)
				}
			}
			if tt.name == "no source" && !errors.Is(err, errNoEvents) {
				t.Errorf("run = %v, want errNoEvents", err)
			}
		})
	}
}
