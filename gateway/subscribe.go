package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Subscriptions: the plan of a subscription is a query plan whose one root step is the
// subscription field's subgraph. The gateway opens that step as a stream to the
// subgraph (GraphQL over SSE: a POST that accepts text/event-stream), and each event the
// subgraph sends is that root step's answer: the gateway runs the rest of the plan from
// it, as for a query (one request per subgraph per step, every lookup batched), and
// hands the client the event's full answer. Events go out in the order they came, one at
// a time, so a slow step delays the events behind it rather than reordering them.
//
// The stream ends when the client goes, when the subgraph completes it or fails (the
// client then gets SUBGRAPH_UNAVAILABLE as a last event), and when the gateway closes.

// Subscribe implements front.Subscriber.
func (g *Gateway) Subscribe(ctx context.Context, op *front.Operation, next func(*front.Result)) *front.Result {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(g.closing, cancel)
	defer stop()

	pl, failed := g.planFor(ctx, op)
	if failed != nil {
		return failed
	}
	p := pl.plan
	g.subscriptions.Add(1)
	defer g.subscriptions.Add(-1)
	root := p.groups[0][0]
	body := (&run{vars: op.Variables}).body(&batch{sg: root.sg, root: root})
	stream, err := root.sg.subscribe(ctx, body, forwardedHeaders(front.RequestID(ctx), op.Header, false))
	if err != nil {
		if ctx.Err() == nil {
			g.logger.WarnContext(ctx, "subscription could not start", "subgraph", root.sg.Name, "err", err)
		}
		return unavailableResult(root)
	}
	defer stream.close()
	for {
		event, err := stream.next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			g.logger.WarnContext(ctx, "subscription stream failed", "subgraph", root.sg.Name, "err", err)
			return unavailableResult(root)
		}
		r := p.runFrom(ctx, op, g, g.maxBatch, event)
		res := pl.answer(r)
		r.release()
		if ctx.Err() != nil {
			return nil
		}
		g.events.Add(1)
		next(res)
	}
}

// unavailableResult is a subscription's last event when its subgraph stream failed.
func unavailableResult(root *step) *front.Result {
	e := &gqlerror.Error{Message: "The " + root.sg.Name + " subgraph did not answer.",
		Extensions: map[string]any{"code": errcode.SubgraphUnavailable, "subgraph": root.sg.Name}}
	if p := firstRootPath(root); p != nil {
		e.Path = p
	}
	return &front.Result{Errors: gqlerror.List{e}}
}

// sseStream is a subgraph's subscription stream.
type sseStream struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// subscribe opens a subscription stream: body is the root step's request.
func (s *subgraph) subscribe(ctx context.Context, body []byte, hdr []header) (*sseStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = http.Header{"Content-Type": jsonType, "Accept": {"text/event-stream"}}
	for _, h := range hdr {
		req.Header.Add(h.name, h.value)
	}
	// The transport alone, without the client's timeout: the stream lasts as long as
	// the subscription.
	resp, err := s.http.Transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, min(64<<10, int(s.maxResponse))), int(s.maxResponse))
	return &sseStream{resp: resp, sc: sc}, nil
}

// next returns the next event's answer, io.EOF once the subgraph completed the stream.
// An event that is not a GraphQL response ends the stream with an error.
func (st *sseStream) next() (*answer, error) {
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
				return decodeBody(http.StatusOK, data)
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

func (st *sseStream) close() { st.resp.Body.Close() }
