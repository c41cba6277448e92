package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", []time.Duration{7}, 99, 7},
		{"p50 of 100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 100", hundred, 99, 99 * time.Millisecond},
		{"p100 of 100", hundred, 100, 100 * time.Millisecond},
		{"p1 of 100", hundred, 1, 1 * time.Millisecond},
		{"p50 of 3", []time.Duration{1, 2, 3}, 50, 2},
		{"p99 of 3", []time.Duration{1, 2, 3}, 99, 3},
		{"p50 of 4", []time.Duration{1, 2, 3, 4}, 50, 2},
		{"tiny p", []time.Duration{1, 2, 3, 4}, 0.001, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestErrorKindMasksWhatVaries(t *testing.T) {
	a := errorKind(errors.New(`errors: user "User:0193b7c2-aaaa-7bbb-8ccc-0123456789ab" via 127.0.0.1:40123 failed`))
	b := errorKind(errors.New(`errors: user "User:0193b7c2-ffff-7bbb-8ccc-999999999999" via 127.0.0.1:40999 failed`))
	if a != b || strings.Contains(a, "40123") {
		t.Errorf("errorKind = %q and %q, want one masked kind", a, b)
	}
	if got := errorKind(errors.New(strings.Repeat("x", 500))); len(got) != 160 {
		t.Errorf("errorKind of a long message has %d bytes, want 160", len(got))
	}
}

// graphQLServer answers each POST with answer(n), n counting from 0.
func graphQLServer(t *testing.T, answer func(n int64, w http.ResponseWriter)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		answer(n.Add(1)-1, w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestSendChecksEveryAnswer(t *testing.T) {
	hang := make(chan struct{})
	answers := map[string]func(w http.ResponseWriter){
		"/ok":        func(w http.ResponseWriter) { io.WriteString(w, `{"data":{"a":1,"b":2}}`) },
		"/unordered": func(w http.ResponseWriter) { io.WriteString(w, `{"data":{"b":2,"a":1}}`) },
		"/status":    func(w http.ResponseWriter) { w.WriteHeader(500); io.WriteString(w, `{"errors":[{"message":"boom"}]}`) },
		"/errors": func(w http.ResponseWriter) {
			io.WriteString(w, `{"data":{"a":1,"b":null},"errors":[{"message":"b failed"}]}`)
		},
		"/blank": func(w http.ResponseWriter) {
			io.WriteString(w, `{"data":{"a":1,"b":null},"errors":[{"message":"","path":["b"]}]}`)
		},
		"/null":  func(w http.ResponseWriter) { io.WriteString(w, `{"data":null}`) },
		"/html":  func(w http.ResponseWriter) { io.WriteString(w, `<html>`) },
		"/shape": func(w http.ResponseWriter) { io.WriteString(w, `{"data":{"a":2,"b":2}}`) },
		"/hang":  func(w http.ResponseWriter) { <-hang },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answers[r.URL.Path](w)
	}))
	defer srv.Close()
	defer close(hang) // before Close, which waits for the hanging handler
	c := newClient(1, 200*time.Millisecond)
	req := request{query: "{ a b }", check: func(data json.RawMessage) error {
		var d struct{ A int }
		if err := json.Unmarshal(data, &d); err != nil || d.A != 1 {
			return errors.New("shape: a is not 1")
		}
		return nil
	}}
	tests := []struct {
		path        string
		wantOrdered bool
		wantErr     string
	}{
		{"/ok", true, ""},
		{"/unordered", false, ""},
		{"/status", false, "HTTP 500: boom"},
		{"/errors", false, "errors: b failed (1 in the answer)"},
		{"/blank", false, `errors: no message: {"message":"","path":["b"]}`},
		{"/null", false, "data is null"},
		{"/html", false, "not JSON"},
		{"/shape", false, "shape: a is not 1"},
		{"/hang", false, "no answer within 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ordered, err := c.send(context.Background(), srv.URL+tt.path, req)
			checkErr(t, err, tt.wantErr)
			if ordered != tt.wantOrdered {
				t.Errorf("ordered = %v, want %v", ordered, tt.wantOrdered)
			}
		})
	}
}

// TestSendChecksAnAnswerOnce checks that an answer byte-identical to one that passed is
// not checked again, and that any other answer to the same request, or the same answer
// to another request, is checked in full.
func TestSendChecksAnAnswerOnce(t *testing.T) {
	bodies := []string{
		`{"data":{"b":2,"a":1}}`, // checked: passes, out of order
		`{"data":{"b":2,"a":1}}`, // the same bytes: not checked again
		`{"data":{"a":1,"b":2}}`, // another answer: checked
		`{"data":{"a":2,"b":2}}`, // a wrong one: checked, fails
		`{"data":{"a":2,"b":2}}`, // and fails again: failures are not remembered
		`{"data":{"b":2,"a":1}}`, // the first again: not checked
	}
	srv, _ := graphQLServer(t, func(n int64, w http.ResponseWriter) { io.WriteString(w, bodies[n%int64(len(bodies))]) })
	c := newClient(1, time.Second)
	var checks int
	check := func(data json.RawMessage) error {
		checks++
		var d struct{ A int }
		if err := json.Unmarshal(data, &d); err != nil || d.A != 1 {
			return errors.New("shape: a is not 1")
		}
		return nil
	}
	req := request{query: "{ a b }", check: check}
	want := []struct {
		checks  int
		ordered bool
		err     string
	}{{1, false, ""}, {1, false, ""}, {2, true, ""}, {3, false, "shape: a is not 1"}, {4, false, "shape: a is not 1"}, {4, false, ""}}
	for i, w := range want {
		ordered, err := c.send(context.Background(), srv.URL, req)
		checkErr(t, err, w.err)
		if checks != w.checks || ordered != w.ordered {
			t.Errorf("answer %d: %d checks, ordered %v; want %d, %v", i, checks, ordered, w.checks, w.ordered)
		}
	}
	// The same answer to another request (other variables) is checked.
	other := request{query: "{ a b }", vars: map[string]any{"x": 1}, check: check}
	if _, err := c.send(context.Background(), srv.URL, other); err != nil || checks != 5 {
		t.Errorf("another request's answer: err %v, %d checks; want nil, 5", err, checks)
	}
}

// TestCheckedForgets checks that the answers remembered are dropped between
// measurements, so that one measurement's many requests (the mixed workload's) do not
// fill the bounds and leave the next measurement decoding every answer.
func TestCheckedForgets(t *testing.T) {
	var c checked
	for i := range maxCheckedRequests {
		c.add(fmt.Sprint("mixed ", i), []byte("answer"), true)
	}
	c.add("list", []byte("answer"), true)
	if found, _ := c.lookup("list", []byte("answer")); found {
		t.Fatalf("an answer remembered past the bound of %d requests", maxCheckedRequests)
	}
	c.forget()
	c.add("list", []byte("answer"), true)
	if found, ordered := c.lookup("list", []byte("answer")); !found || !ordered {
		t.Errorf("after forget: found %v, ordered %v; want the answer remembered", found, ordered)
	}
	if found, _ := c.lookup("mixed 0", []byte("answer")); found {
		t.Error("after forget: an answer of the measurement before is still remembered")
	}
}

// TestLoadClosedLoop checks that load keeps at most concurrency requests in flight,
// stops by itself, records every answered request and counts every failure.
func TestLoadClosedLoop(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv, served := graphQLServer(t, func(n int64, w http.ResponseWriter) {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		time.Sleep(time.Millisecond) // stands in for the work of a server, not a wait for readiness
		if n%5 == 0 {
			io.WriteString(w, `{"errors":[{"message":"every fifth fails"}]}`)
			return
		}
		io.WriteString(w, `{"data":{"x":1}}`)
	})
	const concurrency = 4
	c := newClient(concurrency, time.Second)
	var seq atomic.Uint64
	var sent atomic.Int64
	next := func(n uint64) request {
		sent.Add(1)
		return request{query: "{ x }", check: func(json.RawMessage) error { return nil }}
	}
	st := load(context.Background(), c, srv.URL, concurrency, 150*time.Millisecond, &seq, next)

	if st.requests() == 0 || int64(st.requests()) != served.Load() || int64(st.requests()) != sent.Load() {
		t.Errorf("load recorded %d requests; the server answered %d, next was asked %d times", st.requests(), served.Load(), sent.Load())
	}
	if seq.Load() != uint64(st.requests()) {
		t.Errorf("seq = %d, want %d", seq.Load(), st.requests())
	}
	if p := peak.Load(); p > concurrency {
		t.Errorf("peak in flight = %d, want at most %d", p, concurrency)
	}
	wantErrs := int((served.Load() + 4) / 5)
	if st.errors != wantErrs || st.kinds["errors: every fifth fails (1 in the answer)"] != wantErrs {
		t.Errorf("errors = %d (%v), want %d", st.errors, st.kinds, wantErrs)
	}
	if st.elapsed < 150*time.Millisecond {
		t.Errorf("elapsed = %v, want at least the duration", st.elapsed)
	}
}

// TestLoadStopsOnCancel checks that a cancelled run returns without waiting for
// answers.
func TestLoadStopsOnCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv, _ := graphQLServer(t, func(_ int64, w http.ResponseWriter) { <-release })
	c := newClient(2, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *stats)
	go func() {
		var seq atomic.Uint64
		done <- load(ctx, c, srv.URL, 2, time.Hour, &seq, func(uint64) request {
			return request{query: "{ x }", check: func(json.RawMessage) error { return nil }}
		})
	}()
	cancel()
	select {
	case st := <-done:
		if st.requests() != 0 {
			t.Errorf("a cancelled run recorded %d requests, want 0", st.requests())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("load did not return after cancel")
	}
}
