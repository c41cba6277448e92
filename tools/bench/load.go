package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// maxAnswer bounds the size of one answer the client reads.
const maxAnswer = 16 << 20

// client sends GraphQL requests, each bounded by timeout, so that a hung answer counts
// as an error instead of stalling the run.
//
// The workload goes over fasthttp: each worker sends and reads on its own goroutine
// and into buffers it reuses, where net/http's client hands every request to two
// goroutines of the connection's and reads every answer into a new slice. The tool
// shares the cores it measures, and net/http cost it about as much CPU per list query as
// the gateway under test.
type client struct {
	fast    *fasthttp.Client
	conns   conns
	http    *http.Client // what is not the workload: the gateway's goroutine profile
	timeout time.Duration
	sel     selections
	checked checked
}

// conns are the client's open connections. fasthttp bounds a request by a deadline, not
// by a context: a run abandoned mid-request closes them, so that the requests in
// flight end at once (load).
type conns struct {
	mu sync.Mutex
	m  map[*trackedConn]struct{}
}

// trackedConn is a connection that leaves conns when it is closed.
type trackedConn struct {
	net.Conn
	cs   *conns
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.cs.mu.Lock()
		delete(c.cs.m, c)
		c.cs.mu.Unlock()
	})
	return c.Conn.Close()
}

// dial connects to addr and tracks the connection.
func (cs *conns) dial(addr string) (net.Conn, error) {
	nc, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &trackedConn{Conn: nc, cs: cs}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.m == nil {
		cs.m = map[*trackedConn]struct{}{}
	}
	cs.m[c] = struct{}{}
	return c, nil
}

// closeAll closes every open connection.
func (cs *conns) closeAll() {
	cs.mu.Lock()
	open := make([]*trackedConn, 0, len(cs.m))
	for c := range cs.m {
		open = append(open, c)
	}
	cs.mu.Unlock()
	for _, c := range open {
		_ = c.Close()
	}
}

// Bounds of the answers a client remembers as checked.
const (
	maxCheckedRequests = 1024 // distinct requests (URL and body)
	maxCheckedAnswers  = 4    // distinct answers to one request
)

// checked remembers the answers that passed every check, by URL and request body, so
// that an answer byte-identical to one already checked is not decoded and checked
// again: every check is a function of the request and the answer alone, so it would
// pass again. A gateway answers an identical request with identical bytes, so on the
// workloads that repeat one request the client's cost per answer is a comparison, and
// the machine's CPU goes to the gateways and subgraphs under test rather than to
// decoding their answers. An answer that differs in one byte is checked in full.
//
// It remembers for one round of a measurement (forget): the requests of one workload
// against one target. Were it kept for the run, the mixed workload's many one-off
// requests would fill its bounds, and every later measurement would decode every answer
// in full: a cost of the tool, on the machine's shared cores, that once took more CPU
// per list query than the gateway under test.
type checked struct {
	mu sync.Mutex
	m  map[string][]checkedAnswer
}

type checkedAnswer struct {
	raw     []byte
	ordered bool
}

// lookup says whether raw was checked before as the answer to key, and if so whether
// its keys were in selection order.
func (c *checked) lookup(key string, raw []byte) (found, ordered bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.m[key] {
		if bytes.Equal(a.raw, raw) {
			return true, a.ordered
		}
	}
	return false, false
}

// forget drops every answer remembered, before the next measurement.
func (c *checked) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

// add remembers a copy of raw as a checked answer to key, within the bounds.
func (c *checked) add(key string, raw []byte, ordered bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]checkedAnswer{}
	}
	as, known := c.m[key]
	if (!known && len(c.m) >= maxCheckedRequests) || len(as) >= maxCheckedAnswers {
		return
	}
	c.m[key] = append(as, checkedAnswer{raw: bytes.Clone(raw), ordered: ordered})
}

func newClient(concurrency int, timeout time.Duration) *client {
	c := &client{http: &http.Client{Transport: &http.Transport{DisableCompression: true}}, timeout: timeout}
	c.fast = &fasthttp.Client{
		Name:                "fedgraph-bench",
		Dial:                c.conns.dial,
		MaxConnsPerHost:     concurrency + 4,
		MaxResponseBodySize: maxAnswer,
		// A connection idle this long is closed by the client, before a server's own
		// keep-alive timeout (Node's is 5 s) can close it under a request: a POST is not
		// sent again.
		MaxIdleConnDuration:    2 * time.Second,
		DisablePathNormalizing: true,
	}
	return c
}

// close closes the client's connections.
func (c *client) close() {
	c.fast.CloseIdleConnections()
	c.http.CloseIdleConnections()
}

// do sends req to url and checks the answer: HTTP 200, no errors, and the data req.check
// accepts (or the answer is byte-identical to one that passed: see checked). Every
// failure comes back as an error.
func (c *client) do(ctx context.Context, url string, req request) error {
	_, err := c.send(ctx, url, req)
	return err
}

// send is do that also reports whether the answer's keys follow the query's selection
// order (see inSelectionOrder).
func (c *client) send(ctx context.Context, url string, req request) (ordered bool, err error) {
	sel, err := c.sel.of(req.query)
	if err != nil {
		return false, fmt.Errorf("bench: query %q: %w", req.query, err)
	}
	body, err := json.Marshal(map[string]any{"query": req.query, "variables": req.vars})
	if err != nil {
		return false, err
	}
	hreq := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(hreq)
	defer fasthttp.ReleaseResponse(resp)
	hreq.SetRequestURI(url)
	hreq.Header.SetMethod(http.MethodPost)
	hreq.Header.SetContentType("application/json")
	hreq.Header.Set("Accept", "application/json")
	hreq.SetBodyRaw(body)
	if err := c.fast.DoTimeout(hreq, resp, c.timeout); err != nil {
		return false, c.transportError(ctx, err)
	}
	raw := resp.Body() // resp's own: a checked answer is remembered as a copy (add)
	status := resp.StatusCode()
	key := url + "\x00" + string(body)
	if status == http.StatusOK {
		if found, ordered := c.checked.lookup(key, raw); found {
			return ordered, nil
		}
	}
	var answer struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	jerr := json.Unmarshal(raw, &answer)
	if status != http.StatusOK {
		se := &statusError{code: status}
		if jerr == nil && len(answer.Errors) > 0 {
			se.msg = describeError(answer.Errors[0])
		}
		return false, se
	}
	if jerr != nil {
		return false, fmt.Errorf("answer is not JSON: %w", jerr)
	}
	if len(answer.Errors) > 0 {
		return false, fmt.Errorf("errors: %s (%d in the answer)", describeError(answer.Errors[0]), len(answer.Errors))
	}
	if len(answer.Data) == 0 || string(answer.Data) == "null" {
		return false, errors.New("shape: data is null")
	}
	if err := req.check(answer.Data); err != nil {
		return false, err
	}
	ordered, err = inSelectionOrder(answer.Data, sel)
	if err != nil {
		return false, fmt.Errorf("answer is not JSON: %w", err)
	}
	c.checked.add(key, raw, ordered)
	return ordered, nil
}

// describeError is a GraphQL error's message, or the whole error when its message is
// empty (nautilus answers some failures so).
func describeError(raw json.RawMessage) string {
	var e struct{ Message string }
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return e.Message
	}
	return "no message: " + string(raw)
}

func (c *client) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, fasthttp.ErrTimeout) {
		return fmt.Errorf("no answer within %s", c.timeout)
	}
	return err
}

// stats is what one run of load measured.
type stats struct {
	latencies []time.Duration // every request, failed ones included
	errors    int
	unordered int            // correct answers whose keys are not in selection order
	kinds     map[string]int // error message (ids masked) → count
	elapsed   time.Duration
}

func (s *stats) requests() int { return len(s.latencies) }

func (s *stats) merge(o *stats) {
	s.latencies = append(s.latencies, o.latencies...)
	s.errors += o.errors
	s.unordered += o.unordered
	for k, n := range o.kinds {
		if s.kinds == nil {
			s.kinds = map[string]int{}
		}
		s.kinds[k] += n
	}
}

// load runs a closed loop: concurrency workers, each sending its next request as soon
// as the previous one is answered, until d has passed. A worker does not start a
// request after d, and load returns once every request it started is answered (each is
// bounded by the client's timeout), so the counters read before and after it cover
// exactly these requests. The n-th request sent is next(n), n counting on from *seq.
func load(ctx context.Context, c *client, url string, concurrency int, d time.Duration, seq *atomic.Uint64, next func(n uint64) request) *stats {
	stop := context.AfterFunc(ctx, c.conns.closeAll) // ends the requests in flight
	defer stop()
	start := time.Now()
	deadline := start.Add(d)
	per := make([]stats, concurrency)
	var wg sync.WaitGroup
	for w := range per {
		wg.Go(func() {
			s := &per[w]
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req := next(seq.Add(1) - 1)
				t0 := time.Now()
				ordered, err := c.send(ctx, url, req)
				if ctx.Err() != nil {
					return // interrupted: the run is being abandoned
				}
				s.latencies = append(s.latencies, time.Since(t0))
				if err == nil && !ordered {
					s.unordered++
				}
				if err != nil {
					s.errors++
					if s.kinds == nil {
						s.kinds = map[string]int{}
					}
					s.kinds[req.label+errorKind(err)]++
				}
			}
		})
	}
	wg.Wait()
	total := &stats{elapsed: time.Since(start)}
	for i := range per {
		total.merge(&per[i])
	}
	return total
}

var (
	uuidLike = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	portLike = regexp.MustCompile(`127\.0\.0\.1:\d+`)
)

// errorKind is err's message with what varies per request (ids, ports) masked and its
// length bounded, so that errors of one kind are tallied together.
func errorKind(err error) string {
	s := uuidLike.ReplaceAllString(err.Error(), "<uuid>")
	s = portLike.ReplaceAllString(s, "127.0.0.1:<port>")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:157]) + "..."
	}
	return s
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the nearest-rank
// method, 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The small epsilon keeps 99% of 100 samples at rank 99 despite float rounding.
	rank := int(math.Ceil(float64(len(sorted))*p/100 - 1e-9))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// sortedLatencies returns the latencies in increasing order.
func (s *stats) sortedLatencies() []time.Duration {
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l
}
