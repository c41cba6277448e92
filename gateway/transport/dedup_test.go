package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// TestFetchShared sends identical requests of queries at once while the subgraph holds
// them: with Dedup they share one request, and each caller gets an answer of its own to
// change; a request with another Authorization, one not Shareable and a write are sent
// on their own.
func TestFetchShared(t *testing.T) {
	const response = `{"data":{"a":{"b":"x\u00e9","c":[1,2.5e3,null]}},"errors":[{"message":"m","path":["a","\u0063"]}],"extensions":{"cost":1}}`
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			release := make(chan struct{})
			s := newSubgraph(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				<-release
				io.WriteString(w, response)
			})
			c := newClient(t, s, p.transport(), func(cfg *Config) { cfg.Dedup = true })
			body := []byte(`{"query":"{ a { b c } }"}`)
			as := func(token string) Forward {
				return Forward{RequestID: token + "-id", Header: http.Header{"Authorization": {"Bearer " + token}}}
			}
			requests := []Request{
				{Body: body, Forward: as("ada"), Shareable: true},
				{Body: body, Forward: as("ada"), Shareable: true},
				{Body: body, Forward: as("ada"), Shareable: true},
				{Body: body, Forward: as("ada"), Shareable: true},
				{Body: body, Forward: as("bob"), Shareable: true},
				{Body: body, Forward: as("ada")},
				{Body: body, Forward: as("ada"), Shareable: true, Write: true},
			}
			type out struct {
				a   *Answer
				err error
			}
			outs := make([]chan out, len(requests))
			for i, req := range requests {
				outs[i] = make(chan out, 1)
				go func() {
					a, err := c.Fetch(t.Context(), req)
					outs[i] <- out{a, err}
				}()
			}
			// One request for ada's four, one for bob's, and one each for the two that
			// are not shared.
			deadline := time.Now().Add(10 * time.Second)
			for s.requests.Load() != 4 || c.inflight.Waiting() != 5 {
				if time.Now().After(deadline) {
					t.Fatalf("%d requests sent, %d callers waiting; want 4 and 5", s.requests.Load(), c.inflight.Waiting())
				}
				time.Sleep(time.Millisecond)
			}
			close(release)
			var answers []*Answer
			for i := range requests {
				o := <-outs[i]
				if o.err != nil {
					t.Fatalf("request %d: %v", i, o.err)
				}
				if got := string(o.a.Data.Get("a", "b").GetStringBytes()); got != "xé" || len(o.a.Errors) != 1 ||
					len(o.a.Data.GetArray("a", "c")) != 3 || string(o.a.Errors[0].GetStringBytes("path", "1")) != "c" {
					t.Fatalf("request %d: data %s errors %v", i, o.a.Data, o.a.Errors)
				}
				answers = append(answers, o.a)
			}
			// Each answer is its own: changing one changes no other.
			answers[0].Data.Set("a", fastjson.MustParse(`"changed"`))
			for i, a := range answers[1:] {
				if a.Data.Get("a").Type() != fastjson.TypeObject {
					t.Fatalf("answer %d changed with answer 0's", i+1)
				}
			}
			for _, a := range answers {
				a.Release()
			}
			if got := s.requests.Load(); got != 4 {
				t.Errorf("the subgraph got %d requests, want 4", got)
			}
			if got := c.SharedFetches(); got != 3 {
				t.Errorf("SharedFetches %d, want 3", got)
			}
		})
	}
}

// TestFetchSharedCallerLeaves: a caller that shared a request and leaves gets
// ErrUnavailable at once; the request goes on for the one that sent it.
func TestFetchSharedCallerLeaves(t *testing.T) {
	release := make(chan struct{})
	s := newSubgraph(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		ok(w, r)
	})
	c := newClient(t, s, nil, func(cfg *Config) { cfg.Dedup = true })
	req := Request{Body: []byte(`{"query":"{ a }"}`), Shareable: true}
	first := make(chan error, 1)
	go func() {
		a, err := c.Fetch(t.Context(), req)
		a.Release()
		first <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.requests.Load() != 1 { // the first caller sends the request
		if time.Now().After(deadline) {
			t.Fatal("the first request never came")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(t.Context())
	second := make(chan error, 1)
	go func() { _, err := c.Fetch(ctx, req); second <- err }()
	for c.inflight.Waiting() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the second caller never joined")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-second; !errors.Is(err, ErrUnavailable) {
		t.Fatalf("leaving caller: %v, want ErrUnavailable", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first caller: %v", err)
	}
}
