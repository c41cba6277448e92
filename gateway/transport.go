package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/jsonesc"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// subgraph is one service the gateway calls, with its own connection pools, circuit
// breaker and retry budget, shared by every generation of the graph. Its requests are
// built by the executor (run.go) and its answers decoded here, once.
//
// GraphQL requests go through fasthttp's client, which writes and reads in the
// caller's goroutine: measured on the product-with-owner query, net/http's client (its
// per-connection read and write goroutines, and a header copy per request for
// redirects) cost 26 % more gateway CPU per query. The SDL fetches of the control plane
// use net/http, and so does everything when Config.Transport is set (tests and
// benchmarks put fakes there).
type subgraph struct {
	Subgraph
	timeout time.Duration
	http    *http.Client     // SDL fetches; GraphQL requests too when fast is nil
	fast    *fasthttp.Client // GraphQL requests
	guard   *guard
	metrics *subgraphMetrics // nil: none
	logger  *slog.Logger
	// maxResponse bounds what is read of one answer (or one subscription event):
	// Config.MaxSubgraphResponseBytes.
	maxResponse int64
}

func newSubgraph(sg Subgraph, timeout time.Duration, rt http.RoundTripper, res Resilience, maxResponse int64, logger *slog.Logger) *subgraph {
	if sg.Timeout > 0 {
		timeout = sg.Timeout
	}
	s := &subgraph{Subgraph: sg, timeout: timeout, logger: logger, maxResponse: maxResponse}
	if rt == nil {
		rt = &http.Transport{
			Proxy:           nil, // subgraphs are reached directly, never through a proxy
			DialContext:     (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			IdleConnTimeout: 90 * time.Second,
		}
		s.fast = &fasthttp.Client{
			Name:                   "fedgraph-gateway",
			MaxConnsPerHost:        1024,
			MaxIdleConnDuration:    90 * time.Second,
			MaxConnWaitTimeout:     timeout,          // a full pool waits, within the request's bound
			MaxResponseBodySize:    int(maxResponse), // past it, the read stops and the connection is closed
			DisablePathNormalizing: true,
		}
	}
	s.http = &http.Client{Transport: rt, Timeout: timeout}
	s.guard = newGuard(sg.Name, res, func(name string, from, to gobreaker.State) {
		logger.Warn("subgraph circuit breaker changed state", "subgraph", name, "from", from.String(), "to", to.String())
	})
	return s
}

// closeIdle closes the subgraph's idle connections.
func (s *subgraph) closeIdle() {
	s.http.CloseIdleConnections()
	if s.fast != nil {
		s.fast.CloseIdleConnections()
	}
}

// answer is one decoded subgraph response. Its values belong to a pooled parser and stay
// valid until release; the executor releases every answer of a request once the client's
// response is written.
type answer struct {
	parser *fastjson.Parser
	// data is the data entry, an object, or nil when the subgraph sent null or none.
	data *fastjson.Value
	// errors are the entries of the errors list, each an object.
	errors []*fastjson.Value
	// size is the body's length.
	size int
}

func (a *answer) release() {
	if a != nil && a.parser != nil {
		parsers.Put(a.parser)
		a.parser = nil
	}
}

var (
	parsers fastjson.ParserPool
	bodies  = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// header is one request header the gateway forwards to a subgraph.
type header struct{ name, value string }

// forwardedHeaders returns the headers of a request's subgraph calls: its id and what
// the front lets through (front.Operation.Header), Idempotency-Key only for a mutation's
// root fields (withKey), which are the writes it protects.
func forwardedHeaders(requestID string, fwd http.Header, withKey bool) []header {
	var out []header
	if requestID != "" {
		out = append(out, header{front.RequestIDHeader, requestID})
	}
	for name, values := range fwd {
		// The trace context goes from the call's own span (tracing.go), which is the
		// client's when tracing is off.
		if name == "Idempotency-Key" && !withKey || name == "Traceparent" || name == "Tracestate" {
			continue
		}
		for _, v := range values {
			out = append(out, header{name, v})
		}
	}
	return out
}

// Request headers of every subgraph call, shared and never modified.
var (
	jsonType      = []string{"application/json"}
	graphqlAccept = []string{"application/graphql-response+json, application/json"}
)

// errUnavailable is what a client learns of a subgraph that did not answer, or answered
// something that is not a GraphQL response: which subgraph, never its address or why.
var errUnavailable = errors.New("subgraph did not answer")

// errTooLarge is an answer longer than the subgraph's maxResponse: the gateway stopped
// reading it there.
var errTooLarge = errors.New("subgraph answer too large")

// fetch posts body, a JSON GraphQL request, and decodes the answer, through the
// subgraph's breaker, retrying connection errors when retry is set (never for a
// mutation). An error means the subgraph gave no GraphQL response (unreachable, timed
// out, not JSON, wrong shape, breaker open); the detail is logged and the caller sees
// errUnavailable, or errTooLarge for an answer past maxResponse.
func (s *subgraph) fetch(ctx context.Context, body []byte, hdr []header, retry bool) (*answer, error) {
	start := time.Now()
	a, err := s.guard.do(ctx, retry, func() (*answer, error) { return s.post(ctx, body, hdr) })
	s.metrics.record(a, err, time.Since(start))
	if err != nil {
		if ctx.Err() == nil {
			s.logger.WarnContext(ctx, "subgraph request failed", "subgraph", s.Name, "err", err)
		}
		if errors.Is(err, errTooLarge) {
			return nil, errTooLarge
		}
		return nil, errUnavailable
	}
	return a, nil
}

// post sends one request within the subgraph's timeout and decodes the answer. Errors
// that mean the subgraph never answered are connErrors, which may be retried.
func (s *subgraph) post(ctx context.Context, body []byte, hdr []header) (*answer, error) {
	if s.fast == nil {
		return s.postHTTP(ctx, body, hdr)
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(s.URL)
	req.Header.SetMethod(http.MethodPost)
	req.Header.SetContentType("application/json")
	req.Header.Set("Accept", graphqlAccept[0])
	for _, h := range hdr {
		req.Header.Add(h.name, h.value)
	}
	req.SetBodyRaw(body)
	// fasthttp takes a deadline, not a context: a request whose client went away ends at
	// the earlier of its own deadline and the subgraph's timeout.
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := s.fast.DoDeadline(req, resp, deadline); err != nil {
		if errors.Is(err, fasthttp.ErrBodyTooLarge) {
			return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, s.maxResponse)
		}
		if isConnError(err) {
			return nil, connError{err}
		}
		return nil, err
	}
	return decodeBody(resp.StatusCode(), resp.Body())
}

// postHTTP is post over net/http, for a configured Transport.
func (s *subgraph) postHTTP(ctx context.Context, body []byte, hdr []header) (*answer, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = http.Header{"Content-Type": jsonType, "Accept": graphqlAccept}
	for _, h := range hdr {
		req.Header.Add(h.name, h.value)
	}
	// The transport alone: http.Client adds redirect handling (and a copy of the
	// headers for it) that a subgraph call never uses.
	resp, err := s.http.Transport.RoundTrip(req)
	if err != nil {
		if isConnError(err) {
			return nil, connError{err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep the pool from pinning rare huge answers
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	buf.Reset()
	if resp.ContentLength > s.maxResponse {
		return nil, fmt.Errorf("%w: Content-Length %d, more than %d bytes", errTooLarge, resp.ContentLength, s.maxResponse)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, s.maxResponse+1))
	if err != nil {
		if isConnError(err) {
			return nil, connError{fmt.Errorf("read response: %w", err)}
		}
		return nil, fmt.Errorf("read response: %w", err)
	}
	if n > s.maxResponse {
		// Closing the body unread closes the connection: nothing more is read.
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, s.maxResponse)
	}
	return decodeBody(resp.StatusCode, buf.Bytes())
}

// decodeBody decodes an answer's body with a pooled parser, which copies it: the body
// can be reused as soon as this returns.
func decodeBody(status int, body []byte) (*answer, error) {
	p := parsers.Get()
	a, err := decodeAnswer(p, body)
	if err != nil {
		parsers.Put(p)
		return nil, fmt.Errorf("status %d: %w", status, err)
	}
	return a, nil
}

// decodeAnswer parses a GraphQL response: an object with a data entry (object or null)
// and/or an errors entry (a list of objects), at least one of them. Its strings mean what
// encoding/json reads (jsonesc.Normalize rewrites body, which the caller owns): a lone
// surrogate escape or a byte that is not UTF-8 reaches the client as U+FFFD, never
// passed through to be read otherwise.
func decodeAnswer(p *fastjson.Parser, body []byte) (*answer, error) {
	body = jsonesc.Normalize(body)
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("undecodable body: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("response is a JSON %s, not an object", v.Type())
	}
	a := &answer{parser: p, size: len(body)}
	data := v.Get("data")
	switch {
	case data == nil || data.Type() == fastjson.TypeNull:
	case data.Type() == fastjson.TypeObject:
		a.data = data
	default:
		return nil, fmt.Errorf("data is a JSON %s", data.Type())
	}
	if errs := v.Get("errors"); errs != nil && errs.Type() != fastjson.TypeNull {
		list, err := errs.Array()
		if err != nil {
			return nil, errors.New("errors is not a list")
		}
		for _, e := range list {
			if e.Type() != fastjson.TypeObject {
				return nil, errors.New("an error is not an object")
			}
		}
		a.errors = list
	}
	if data == nil && len(a.errors) == 0 {
		return nil, errors.New("neither data nor errors")
	}
	return a, nil
}

// ping asks the subgraph a trivial query: readiness.
func (s *subgraph) ping(ctx context.Context) error {
	a, err := s.post(ctx, []byte(`{"query":"{ __typename }"}`), nil)
	if err != nil {
		return err
	}
	defer a.release()
	if a.data == nil {
		return errors.New("no data")
	}
	return nil
}
