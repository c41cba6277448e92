package graphqltest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Stream is a subscription over GraphQL over SSE (distinct connections mode): each
// "next" event is one Response; "complete" ends it.
type Stream struct {
	t       testing.TB
	resp    *http.Response
	events  chan sseEvent
	cancel  context.CancelFunc
	Status  int
	Headers http.Header
}

type sseEvent struct {
	name, data string
}

// Subscribe posts req to url accepting text/event-stream, with the headers hdr, and
// returns its stream once the answer's headers have come; the stream closes when t ends.
func Subscribe(t testing.TB, url string, req Request, hdr map[string]string) *Stream {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": req.Query, "variables": req.Variables})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream")
	for k, v := range hdr {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		cancel()
		t.Fatalf("subscribe: %v", err)
	}
	s := &Stream{t: t, resp: resp, events: make(chan sseEvent, 16), cancel: cancel, Status: resp.StatusCode, Headers: resp.Header}
	t.Cleanup(s.Close)
	go s.read()
	return s
}

func (s *Stream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" || len(data) > 0 {
				ev.data = strings.Join(data, "\n")
				s.events <- ev
			}
			ev, data = sseEvent{}, nil
		case strings.HasPrefix(line, ":"): // a comment: keep-alive
		case strings.HasPrefix(line, "event:"):
			ev.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}

// Next waits up to Timeout for the next event: a "next" event's Response and true, or
// false when the stream completed or ended. It fails the test on any other event or on
// no event in time.
func (s *Stream) Next() (Response, bool) {
	s.t.Helper()
	r, ok, timedOut := s.NextWithin(Timeout)
	if timedOut {
		s.t.Fatalf("stream: no event within %s", Timeout)
	}
	return r, ok
}

// NextWithin is Next waiting at most d, reporting a wait that ended without an event
// instead of failing.
func (s *Stream) NextWithin(d time.Duration) (r Response, ok, timedOut bool) {
	s.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev, open := <-s.events:
		if !open || ev.name == "complete" {
			return Response{}, false, false
		}
		if ev.name != "next" {
			s.t.Fatalf("stream: event %q (%s), want next or complete", ev.name, ev.data)
		}
		if err := json.Unmarshal([]byte(ev.data), &r); err != nil {
			s.t.Fatalf("stream: next event is not a GraphQL response: %v: %s", err, ev.data)
		}
		r.Raw = ev.data
		return r, true, false
	case <-timer.C:
		return Response{}, false, true
	}
}

// Live returns once every stream delivers what is published from now on. A subscriber
// cannot tell when its subscription is in place upstream (GraphQL over SSE has no
// acknowledgement), so Live publishes probes with publish, which returns the id of what
// it made, until each stream has received one, then one last probe, the fence, which
// each stream reads up to: whatever the streams get next was published after Live.
// idOf reads the id out of an event.
func Live(t testing.TB, publish func() string, idOf func(Response) string, streams ...*Stream) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for _, s := range streams {
		for {
			if time.Now().After(deadline) {
				t.Fatalf("stream: no probe arrived within %s", Timeout)
			}
			publish()
			if _, ok, timedOut := s.NextWithin(250 * time.Millisecond); ok {
				break
			} else if !timedOut {
				t.Fatal("stream: ended before it was live")
			}
		}
	}
	fence := publish()
	for _, s := range streams {
		for {
			r, ok := s.Next()
			if !ok {
				t.Fatal("stream: ended before the fence")
			}
			if idOf(r) == fence {
				break
			}
		}
	}
}

// Close ends the subscription from the client's side.
func (s *Stream) Close() {
	s.cancel()
	s.resp.Body.Close()
}
