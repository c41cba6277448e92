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

	"github.com/valyala/fastjson"
)

// maxSubgraphResponse bounds what the gateway reads from one subgraph answer.
const maxSubgraphResponse = 64 << 20

// subgraph is one service the gateway calls, with its own pooled HTTP client. Its
// requests are built by the executor (run.go) and its answers decoded here, once.
type subgraph struct {
	Subgraph
	client *http.Client
	logger *slog.Logger
}

func newSubgraph(sg Subgraph, timeout time.Duration, rt http.RoundTripper, logger *slog.Logger) *subgraph {
	if rt != nil {
		return &subgraph{Subgraph: sg, client: &http.Client{Transport: rt, Timeout: timeout}, logger: logger}
	}
	transport := &http.Transport{
		Proxy:               nil, // subgraphs are reached directly, never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128, // Go's default of 2 dials a socket per request under fan-out
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &subgraph{Subgraph: sg, client: &http.Client{Transport: transport, Timeout: timeout}, logger: logger}
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

// fetch posts body, a JSON GraphQL request, and decodes the answer. An error means the
// subgraph gave no GraphQL response (unreachable, timed out, not JSON, wrong shape); the
// detail is logged and the caller sees errUnavailable.
func (s *subgraph) fetch(ctx context.Context, body []byte) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.unavailable(ctx, err)
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
		return nil, s.unavailable(ctx, fmt.Errorf("read response: %w", err))
	}
	if n > maxSubgraphResponse {
		return nil, s.unavailable(ctx, fmt.Errorf("response larger than %d bytes", maxSubgraphResponse))
	}
	p := parsers.Get()
	a, err := decodeAnswer(p, buf.Bytes()) // the parser copies the body: buf can go back
	if err != nil {
		parsers.Put(p)
		return nil, s.unavailable(ctx, fmt.Errorf("status %d: %w", resp.StatusCode, err))
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

// unavailable logs why the subgraph could not answer and returns errUnavailable.
func (s *subgraph) unavailable(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		s.logger.WarnContext(ctx, "subgraph request failed", "subgraph", s.Name, "err", err)
	}
	return errUnavailable
}

// ping asks the subgraph a trivial query: readiness.
func (s *subgraph) ping(ctx context.Context) error {
	a, err := s.fetch(ctx, []byte(`{"query":"{ __typename }"}`))
	if err != nil {
		return err
	}
	defer a.release()
	if a.data == nil {
		return errors.New("no data")
	}
	return nil
}
