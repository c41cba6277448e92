package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"go.opentelemetry.io/otel/trace"
)

// Stream is a subgraph's subscription stream (GraphQL over SSE: a POST that accepts
// text/event-stream); each event is a GraphQL response.
type Stream struct {
	c    *Client
	resp *http.Response
	sc   *bufio.Scanner
}

// Subscribe opens a subscription stream: req.Body is the subscription's root document
// (Encoder.Root). The stream lasts until Close, ctx's end, or the subgraph's; it goes
// neither through the breaker nor the retries, and carries no trace context, having no
// span of its own.
func (c *Client) Subscribe(ctx context.Context, req Request) (*Stream, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	r.Header = http.Header{"Content-Type": {jsonType}, "Accept": {"text/event-stream"}}
	for _, h := range headers(req.Forward, req.Write, trace.SpanContext{}) {
		r.Header.Add(h.name, h.value)
	}
	// The transport alone, without the client's timeout: the stream lasts as long as
	// the subscription.
	resp, err := c.http.Transport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, min(64<<10, int(c.maxResponse))), int(c.maxResponse))
	return &Stream{c: c, resp: resp, sc: sc}, nil
}

// Next returns the next event's answer, io.EOF once the subgraph completed the stream.
// An event that is not a GraphQL response ends the stream with an error.
func (st *Stream) Next() (*Answer, error) {
	var name string
	var data []byte
	for st.sc.Scan() {
		line := st.sc.Bytes()
		switch {
		case len(line) == 0:
			switch name {
			case "complete":
				return nil, io.EOF
			case "next", "":
				if data == nil {
					continue // a keep-alive comment's end
				}
				return st.c.decodeBody(http.StatusOK, data)
			default:
				return nil, fmt.Errorf("unknown event %q", name)
			}
		case line[0] == ':': // a comment: keep-alive
		case bytes.HasPrefix(line, []byte("event:")):
			name = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			d := bytes.TrimPrefix(line[len("data:"):], []byte(" "))
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, d...)
		}
	}
	if err := st.sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("the stream ended without completing")
}

// Close ends the stream.
func (st *Stream) Close() { st.resp.Body.Close() }
