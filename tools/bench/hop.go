package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// hop stands in front of one subgraph and counts the GraphQL requests sent to it, so
// that subgraph requests per client query are measured, not estimated. A batch (a JSON
// array) is one request: what is counted is what crosses the network.
type hop struct {
	path string // the GraphQL path that counts, "/graphql"
	next http.Handler
	n    atomic.Int64
}

// ServeHTTP counts a POST to the GraphQL path and passes every request on.
func (h *hop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == h.path {
		h.n.Add(1)
	}
	h.next.ServeHTTP(w, r)
}

// count is the number of GraphQL requests so far.
func (h *hop) count() int64 { return h.n.Load() }

// newHop returns a hop that forwards to the subgraph whose GraphQL endpoint is target,
// through tr.
func newHop(target string, tr http.RoundTripper) (*hop, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("hop: target %q: %w", target, err)
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host}
	return &hop{
		path: u.Path,
		next: &httputil.ReverseProxy{
			Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(base) },
			Transport: tr,
			// A failed forward reaches the gateway as a 502, and the client sees it as
			// an error; the proxy's own log line would only duplicate it.
			ErrorLog: log.New(io.Discard, "", 0),
		},
	}, nil
}

// serveHop serves h on a loopback port until ctx ends and returns the GraphQL URL that
// goes through it.
func serveHop(ctx context.Context, h *hop) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("hop: listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	// Serve returns only once the server is closed.
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + h.path, nil
}
