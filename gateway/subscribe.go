package gateway

import (
	"context"
	"errors"
	"io"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/gateway/transport"
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
	enc := transport.NewEncoder(op.Variables)
	stream, err := root.sg.Subscribe(ctx, transport.Request{Body: enc.Root(root.query),
		Forward: transport.Forward{RequestID: front.RequestID(ctx), Header: op.Header}})
	if err != nil {
		if ctx.Err() == nil {
			g.logger.WarnContext(ctx, "subscription could not start", "subgraph", root.sg.Name(), "err", err)
		}
		return unavailableResult(root)
	}
	defer stream.Close()
	for {
		event, err := stream.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			g.logger.WarnContext(ctx, "subscription stream failed", "subgraph", root.sg.Name(), "err", err)
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
	e := &gqlerror.Error{Message: "The " + root.sg.Name() + " subgraph did not answer.",
		Extensions: map[string]any{"code": errcode.SubgraphUnavailable, "subgraph": root.sg.Name()}}
	if p := firstRootPath(root); p != nil {
		e.Path = p
	}
	return &front.Result{Errors: gqlerror.List{e}}
}
