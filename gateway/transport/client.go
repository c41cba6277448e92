// Package transport is the gateway's client of its subgraphs: one Client per subgraph,
// with its connection pools, timeout, retries within a budget, circuit breaker, the SSE
// stream of a subscription, the SDL fetch, its metrics and its span. It also owns the
// wire format of a subgraph request: the headers it carries (headers.go) and its JSON
// body (encode.go), which the executor and subscriptions share.
//
// The package knows nothing of plans or of the gateway: the gateway imports it, never
// the reverse, and hands it what it needs (a logger, a tracer provider, a recorder of
// outcomes) in Config.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/sony/gobreaker/v2"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/fedgraph/fedgraph/internal/inflight"
)

// Config is what one subgraph's client needs. Start from DefaultConfig and set Name and
// URL: a zero setting is not a default, and Validate refuses the ones that cannot be
// zero.
type Config struct {
	// Name identifies the subgraph in logs, metrics and spans, e.g. "users". Required.
	Name string
	// URL is the subgraph's GraphQL endpoint, e.g. http://localhost:4001/graphql; its
	// SDL is at /schema.graphql beside it. Required.
	URL string
	// Timeout bounds one request to the subgraph (each attempt of it); it must be
	// positive. default: DefaultTimeout
	Timeout time.Duration
	// Transport carries the requests: GraphQL requests, subscriptions and SDL fetches
	// all go through it. default: nil, pooled connections of the client's own (see
	// Client); tests and benchmarks put fakes here.
	Transport http.RoundTripper
	// Resilience says how a failing subgraph is treated: retries and circuit breaker.
	// default: DefaultResilience()
	Resilience Resilience
	// MaxResponseBytes bounds what is read of one answer (or one subscription event);
	// past it the read stops, the connection is closed and the request fails with
	// ErrTooLarge. It must be positive. default: DefaultMaxResponseBytes
	MaxResponseBytes int64
	// Logger receives the failures that callers see only as ErrUnavailable, and the
	// breaker's changes of state. default: nil, a logger that discards
	Logger *slog.Logger
	// Tracer makes the client span of each GraphQL request (Fetch). default: nil, one
	// that records nothing (the caller's trace context still reaches the subgraph)
	Tracer trace.TracerProvider
	// Record, when set, is told the outcome and duration (retries included) of every
	// Fetch: the gateway's per-subgraph metrics. default: nil, none
	Record func(o Outcome, d time.Duration)
	// Dedup shares identical requests in flight: a Fetch of a Shareable request that
	// comes while the same request (body and shared headers, AppendSharedHeaders) is
	// being sent waits for its answer instead of sending it again. default: false
	Dedup bool
}

// Defaults of Config.
const (
	DefaultTimeout = 10 * time.Second
	// DefaultMaxResponseBytes is the subgraphs' own -max-response-bytes default.
	DefaultMaxResponseBytes = 16 << 20
)

// DefaultConfig returns the configuration with every documented default, and no Name
// or URL.
func DefaultConfig() Config {
	return Config{Timeout: DefaultTimeout, Resilience: DefaultResilience(), MaxResponseBytes: DefaultMaxResponseBytes}
}

// Validate reports every invalid setting of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("no subgraph name"))
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("subgraph %q: url %q is not an http(s) URL", c.Name, c.URL))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("subgraph %q: timeout must be positive, got %s", c.Name, c.Timeout))
	}
	if c.MaxResponseBytes <= 0 {
		errs = append(errs, fmt.Errorf("subgraph %q: max response bytes must be positive, got %d", c.Name, c.MaxResponseBytes))
	}
	errs = append(errs, c.Resilience.Validate())
	return errors.Join(errs...)
}

// Client is one subgraph's client, with its own connection pools, circuit breaker and
// retry budget; the gateway shares it between every generation of its graph. Every
// GraphQL request to the subgraph goes through Fetch, every subscription through
// Subscribe; its answers are decoded here, once.
//
// GraphQL requests go through fasthttp's client, which writes and reads in the
// caller's goroutine: measured on the product-with-owner query, net/http's client (its
// per-connection read and write goroutines, and a header copy per request for
// redirects) cost 26 % more gateway CPU per query. The SDL fetches of the control plane
// and subscription streams use net/http, and so does everything when Config.Transport
// is set (tests and benchmarks put fakes there).
//
// The pools of request-scoped memory (answers' parsers, response buffers) are the
// client's own: no state is shared between clients at package level.
type Client struct {
	name, url string
	timeout   time.Duration
	http      *http.Client     // SDL fetches and subscriptions; GraphQL requests too when fast is nil
	fast      *fasthttp.Client // GraphQL requests
	guard     *guard
	record    func(Outcome, time.Duration) // nil: none
	logger    *slog.Logger
	tracer    trace.Tracer
	span      string // the name of a request's span
	// maxResponse bounds what is read of one answer (or one subscription event):
	// Config.MaxResponseBytes.
	maxResponse int64
	// parsers decode answers; an Answer holds one until it is released.
	parsers fastjson.ParserPool
	// bodies are the buffers answers are read into over net/http.
	bodies sync.Pool
	// inflight shares identical requests in flight (Config.Dedup); nil when off.
	inflight *inflight.Group[fetched]
	// shared counts the Fetches answered by another's request.
	shared atomic.Int64
}

// tracerName is the instrumentation scope of the client's spans: the gateway's, whose
// spans they have always been.
const tracerName = "github.com/fedgraph/fedgraph/gateway"

// New returns the client of the subgraph cfg describes, or the invalid settings of cfg.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("transport: config: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tracer == nil {
		cfg.Tracer = noop.NewTracerProvider()
	}
	c := &Client{name: cfg.Name, url: cfg.URL, timeout: cfg.Timeout, record: cfg.Record, logger: cfg.Logger,
		tracer: cfg.Tracer.Tracer(tracerName), span: "subgraph " + cfg.Name, maxResponse: cfg.MaxResponseBytes}
	c.bodies.New = func() any { return new(bytes.Buffer) }
	if cfg.Dedup {
		c.inflight = &inflight.Group[fetched]{}
	}
	rt := cfg.Transport
	if rt == nil {
		rt = &http.Transport{
			Proxy:           nil, // subgraphs are reached directly, never through a proxy
			DialContext:     (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			IdleConnTimeout: 90 * time.Second,
		}
		c.fast = &fasthttp.Client{
			Name:                   "fedgraph-gateway",
			MaxConnsPerHost:        1024,
			MaxIdleConnDuration:    90 * time.Second,
			MaxConnWaitTimeout:     cfg.Timeout,               // a full pool waits, within the request's bound
			MaxResponseBodySize:    int(cfg.MaxResponseBytes), // past it, the read stops and the connection is closed
			DisablePathNormalizing: true,
		}
	}
	c.http = &http.Client{Transport: rt, Timeout: cfg.Timeout}
	logger := cfg.Logger
	c.guard = newGuard(cfg.Name, cfg.Resilience, func(name string, from, to gobreaker.State) {
		logger.Warn("subgraph circuit breaker changed state", "subgraph", name, "from", from.String(), "to", to.String())
	})
	return c, nil
}

// Name is the subgraph's name.
func (c *Client) Name() string { return c.name }

// URL is the subgraph's GraphQL endpoint.
func (c *Client) URL() string { return c.url }

// MaxResponseBytes is the most the client reads of one answer: past it, ErrTooLarge.
func (c *Client) MaxResponseBytes() int64 { return c.maxResponse }

// Breaker names the state of the subgraph's circuit breaker for readiness and logs:
// closed, half-open, open, or off when breakers are.
func (c *Client) Breaker() string { return c.guard.state() }

// BreakerGauge is the breaker's state as a metric: 0 closed, 1 half-open, 2 open, -1 off.
func (c *Client) BreakerGauge() float64 {
	if c.guard.breaker == nil {
		return -1
	}
	return float64(c.guard.breaker.State())
}

// CloseIdle closes the client's idle connections.
func (c *Client) CloseIdle() {
	c.http.CloseIdleConnections()
	if c.fast != nil {
		c.fast.CloseIdleConnections()
	}
}

// Request is one GraphQL request to a subgraph.
type Request struct {
	// Body is the JSON request: an Encoder writes it.
	Body []byte
	// Forward is what the client's request passes on to it (headers.go).
	Forward Forward
	// Write marks the root fields of a mutation: they are sent once whatever happens
	// (they may have been applied), and carry the client's Idempotency-Key, which no
	// other request does.
	Write bool
	// Lookups is how many entity lookups Body batches, 0 for a root document: an
	// attribute of the request's span.
	Lookups int
	// Shareable marks a request of a query (or of a subscription's event, past its
	// stream): with Config.Dedup it shares an identical request in flight. A mutation's
	// requests never do, not even its reads, which must see its writes.
	Shareable bool
}

// Request headers of every subgraph call.
const (
	jsonType      = "application/json"
	graphqlAccept = "application/graphql-response+json, application/json"
)

// ErrUnavailable is what a client learns of a subgraph that did not answer, or answered
// something that is not a GraphQL response: which subgraph, never its address or why.
var ErrUnavailable = errors.New("subgraph did not answer")

// ErrTooLarge is an answer longer than the client's MaxResponseBytes: the client
// stopped reading it there.
var ErrTooLarge = errors.New("subgraph answer too large")

// Fetch is the one way a GraphQL request reaches the subgraph. It posts req.Body in a
// client span of its own ("subgraph NAME", whose trace context goes to the subgraph in
// traceparent) and decodes the answer, through the subgraph's breaker, retrying
// connection errors unless req.Write. An error means the subgraph gave no GraphQL
// response (unreachable, timed out, not JSON, wrong shape, breaker open); the detail is
// logged and the caller sees ErrUnavailable, or ErrTooLarge for an answer past
// MaxResponseBytes. The caller releases the answer.
func (c *Client) Fetch(ctx context.Context, req Request) (*Answer, error) {
	ctx, span := c.tracer.Start(ctx, c.span, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("graphql.subgraph", c.name), attribute.Int("graphql.lookups", req.Lookups)))
	hdr := headers(req.Forward, req.Write, span.SpanContext())
	var a *Answer
	var err error
	if c.inflight != nil && req.Shareable && !req.Write {
		a, err = c.fetchShared(ctx, req, hdr, span)
	} else {
		a, err = c.fetch(ctx, req.Body, hdr, !req.Write)
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
	return a, err
}

// fetched is a shared request's outcome: the first caller's answer, or, for the callers
// that shared it, the response they decode for themselves.
type fetched struct {
	answer   *Answer
	response []byte
	err      error
}

// fetchShared is fetch for a request that may share an identical one in flight. The
// callers that share it each decode the answer anew: the executor changes an answer's
// values as it merges them.
func (c *Client) fetchShared(ctx context.Context, req Request, hdr []header, span trace.Span) (*Answer, error) {
	key := AppendSharedHeaders(append(append(make([]byte, 0, len(req.Body)+64), req.Body...), 0), req.Forward.Header)
	f, shared, err := c.inflight.DoWith(ctx, unsafe.String(unsafe.SliceData(key), len(key)), func(ctx context.Context) fetched {
		a, err := c.fetch(ctx, req.Body, hdr, true)
		return fetched{answer: a, err: err}
	}, func(f fetched) fetched {
		if f.err == nil {
			f.response = f.answer.appendResponse(nil)
		}
		return fetched{response: f.response, err: f.err}
	})
	if !shared {
		return f.answer, f.err
	}
	span.SetAttributes(attribute.Bool("graphql.shared", true))
	if err != nil { // this caller's context ended first
		return nil, ErrUnavailable
	}
	c.shared.Add(1)
	if f.err != nil {
		return nil, f.err
	}
	return c.decodeBody(http.StatusOK, f.response)
}

// Waiting is how many Fetches are waiting now on shareable requests in flight, their own
// or identical ones (Config.Dedup); 0 with Dedup off.
func (c *Client) Waiting() int {
	if c.inflight == nil {
		return 0
	}
	return c.inflight.Waiting()
}

// SharedFetches is how many Fetches were answered by an identical request in flight
// rather than sent (Config.Dedup).
func (c *Client) SharedFetches() int64 { return c.shared.Load() }

func (c *Client) fetch(ctx context.Context, body []byte, hdr []header, retry bool) (*Answer, error) {
	start := time.Now()
	a, err := c.guard.do(ctx, retry, func() (*Answer, error) { return c.post(ctx, body, hdr) })
	c.observe(a, err, time.Since(start))
	if err != nil {
		if ctx.Err() == nil {
			c.logger.WarnContext(ctx, "subgraph request failed", "subgraph", c.name, "err", err)
		}
		if errors.Is(err, ErrTooLarge) {
			return nil, ErrTooLarge
		}
		return nil, ErrUnavailable
	}
	return a, nil
}

// Outcome is how a request ended, for metrics.
type Outcome string

// Outcomes of a request.
const (
	OK            Outcome = "ok"
	GraphQLErrors Outcome = "graphql_errors" // an answer with errors
	Unavailable   Outcome = "unavailable"    // no GraphQL answer
	BreakerOpen   Outcome = "breaker_open"   // refused by the open breaker, not sent
)

func (c *Client) observe(a *Answer, err error, d time.Duration) {
	if c.record == nil {
		return
	}
	switch {
	case errors.Is(err, errBreakerOpen):
		c.record(BreakerOpen, d)
	case err != nil:
		c.record(Unavailable, d)
	case len(a.Errors) > 0:
		c.record(GraphQLErrors, d)
	default:
		c.record(OK, d)
	}
}

// post sends one request within the subgraph's timeout and decodes the answer. Errors
// that mean the subgraph never answered are connErrors, which may be retried.
func (c *Client) post(ctx context.Context, body []byte, hdr []header) (*Answer, error) {
	if c.fast == nil {
		return c.postHTTP(ctx, body, hdr)
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.url)
	req.Header.SetMethod(http.MethodPost)
	req.Header.SetContentType("application/json")
	req.Header.Set("Accept", graphqlAccept)
	for _, h := range hdr {
		req.Header.Add(h.name, h.value)
	}
	req.SetBodyRaw(body)
	// fasthttp takes a deadline, not a context: a request whose client went away ends at
	// the earlier of its own deadline and the subgraph's timeout.
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.fast.DoDeadline(req, resp, deadline); err != nil {
		if errors.Is(err, fasthttp.ErrBodyTooLarge) {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.maxResponse)
		}
		if isConnError(err) {
			return nil, connError{err}
		}
		return nil, err
	}
	return c.decodeBody(resp.StatusCode(), resp.Body())
}

// postHTTP is post over net/http, for a configured Transport.
func (c *Client) postHTTP(ctx context.Context, body []byte, hdr []header) (*Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = http.Header{"Content-Type": {jsonType}, "Accept": {graphqlAccept}}
	for _, h := range hdr {
		req.Header.Add(h.name, h.value)
	}
	// The transport alone: http.Client adds redirect handling (and a copy of the
	// headers for it) that a subgraph call never uses.
	resp, err := c.http.Transport.RoundTrip(req)
	if err != nil {
		if isConnError(err) {
			return nil, connError{err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	buf := c.bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep the pool from pinning rare huge answers
			buf.Reset()
			c.bodies.Put(buf)
		}
	}()
	buf.Reset()
	if resp.ContentLength > c.maxResponse {
		return nil, fmt.Errorf("%w: Content-Length %d, more than %d bytes", ErrTooLarge, resp.ContentLength, c.maxResponse)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxResponse+1))
	if err != nil {
		if isConnError(err) {
			return nil, connError{fmt.Errorf("read response: %w", err)}
		}
		return nil, fmt.Errorf("read response: %w", err)
	}
	if n > c.maxResponse {
		// Closing the body unread closes the connection: nothing more is read.
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.maxResponse)
	}
	return c.decodeBody(resp.StatusCode, buf.Bytes())
}

// Ping asks the subgraph a trivial query, once, outside the breaker: readiness.
func (c *Client) Ping(ctx context.Context) error {
	a, err := c.post(ctx, []byte(`{"query":"{ __typename }"}`), nil)
	if err != nil {
		return err
	}
	defer a.Release()
	if a.Data == nil {
		return errors.New("no data")
	}
	return nil
}
