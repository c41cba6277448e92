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
	"github.com/valyala/fastjson"
)

// maxSubgraphResponse bounds what the gateway reads from one subgraph answer.
const maxSubgraphResponse = 64 << 20

// subgraph is one service the gateway calls, with its own pooled HTTP client, circuit
// breaker and retry budget, shared by every generation of the graph. Its requests are
// built by the executor (run.go) and its answers decoded here, once.
type subgraph struct {
	Subgraph
	client *http.Client
	guard  *guard
	logger *slog.Logger
}

func newSubgraph(sg Subgraph, timeout time.Duration, rt http.RoundTripper, res Resilience, logger *slog.Logger) *subgraph {
	if sg.Timeout > 0 {
		timeout = sg.Timeout
	}
	if rt == nil {
		rt = &http.Transport{
			Proxy:               nil, // subgraphs are reached directly, never through a proxy
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128, // Go's default of 2 dials a socket per request under fan-out
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}
	}
	s := &subgraph{Subgraph: sg, client: &http.Client{Transport: rt, Timeout: timeout}, logger: logger}
	s.guard = newGuard(sg.Name, res, func(name string, from, to gobreaker.State) {
		logger.Warn("subgraph circuit breaker changed state", "subgraph", name, "from", from.String(), "to", to.String())
	})
	return s
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

// errUnavailable is what a client learns of a subgraph that did not answer, or answered
// something that is not a GraphQL response: which subgraph, never its address or why.
var errUnavailable = errors.New("subgraph did not answer")

// fetch posts body, a JSON GraphQL request, and decodes the answer, through the
// subgraph's breaker, retrying connection errors when retry is set (never for a
// mutation). An error means the subgraph gave no GraphQL response (unreachable, timed
// out, not JSON, wrong shape, breaker open); the detail is logged and the caller sees
// errUnavailable.
func (s *subgraph) fetch(ctx context.Context, body []byte, retry bool) (*answer, error) {
	a, err := s.guard.do(ctx, retry, func() (*answer, error) { return s.post(ctx, body) })
	if err != nil {
		if ctx.Err() == nil {
			s.logger.WarnContext(ctx, "subgraph request failed", "subgraph", s.Name, "err", err)
		}
		return nil, errUnavailable
	}
	return a, nil
}

// post sends one request.
func (s *subgraph) post(ctx context.Context, body []byte) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := s.client.Do(req)
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
	if resp.ContentLength > 0 && resp.ContentLength <= maxSubgraphResponse {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxSubgraphResponse+1))
	if err != nil {
		if isConnError(err) {
			return nil, connError{fmt.Errorf("read response: %w", err)}
		}
		return nil, fmt.Errorf("read response: %w", err)
	}
	if n > maxSubgraphResponse {
		return nil, fmt.Errorf("response larger than %d bytes", maxSubgraphResponse)
	}
	p := parsers.Get()
	a, err := decodeAnswer(p, buf.Bytes()) // the parser copies the body: buf can go back
	if err != nil {
		parsers.Put(p)
		return nil, fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	return a, nil
}

// decodeAnswer parses a GraphQL response: an object with a data entry (object or null)
// and/or an errors entry (a list of objects), at least one of them.
func decodeAnswer(p *fastjson.Parser, body []byte) (*answer, error) {
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
	a, err := s.post(ctx, []byte(`{"query":"{ __typename }"}`))
	if err != nil {
		return err
	}
	defer a.release()
	if a.data == nil {
		return errors.New("no data")
	}
	return nil
}
