package front

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/serve"
)

// Subscriptions reach a Subscriber executor over either streaming HTTP transport that
// clients speak, chosen by the request's Accept header, in its order:
//
//   - GraphQL over SSE, distinct connections mode (Accept: text/event-stream; graphql-sse,
//     urql's fetchSubscriptions, Hive Gateway and Cosmo): each result is an "event: next"
//     whose data is the GraphQL response, and "event: complete" ends the stream;
//   - multipart HTTP (Accept: multipart/mixed;subscriptionSpec=1.0; Apollo Client's
//     HttpLink, Apollo Router): each result is a part {"payload": response}, a part {}
//     is a heartbeat, a failure of the source is {"payload": null, "errors": […]}, and
//     the closing boundary ends the stream;
//
// and over a graphql-transport-ws WebSocket (websocket.go). A query or a mutation that
// asks for a stream and for no JSON gets its one result as the stream's one event.
//
// A stream is not held to the request timeout: it lasts until the client goes, the
// source completes or fails, or the gateway closes; a client that stops reading is
// dropped after streamWriteTimeout. Each is held to MaxSubscriptions
// streams at once, and to MaxSubscriptionsPerClient streams of its client (its token's
// subject, else its address) whatever the transport, refused past either with
// SUBSCRIPTION_LIMIT_EXCEEDED. Streams are never
// compressed: a compressor would hold events back until it has enough to compress.

type streamKind int

const (
	noStream streamKind = iota
	sseStream
	multipartStream
)

// streamKindOf is the first streaming transport that accept lists.
func streamKindOf(accept []string) streamKind {
	for _, header := range accept {
		// A header that names neither stream's media type is not parsed (ToLower returns
		// a lower-case header as it is).
		if h := strings.ToLower(header); !strings.Contains(h, "text/event-stream") && !strings.Contains(h, "multipart/mixed") {
			continue
		}
		for _, part := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch {
			case mt == "text/event-stream":
				return sseStream
			case mt == "multipart/mixed" && params["subscriptionspec"] != "":
				return multipartStream
			}
		}
	}
	return noStream
}

// connKey holds a request's context before the front's deadline: it ends when the
// client goes.
type connKey struct{}

// streamContext is ctx for a stream: it keeps the request's values (its id, its claims)
// but not its deadline, and ends when the client's connection does, or on cancel.
func streamContext(ctx context.Context) (context.Context, context.CancelFunc) {
	conn, _ := ctx.Value(connKey{}).(context.Context)
	if conn == nil {
		conn = ctx
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(conn, cancel)
	return sctx, func() { stop(); cancel() }
}

// subscriptionCounts counts the subscriptions streaming now, in all and per client.
type subscriptionCounts struct {
	mu      sync.Mutex
	total   int
	clients map[string]int // clients streaming one or more
}

// admitSubscription counts one more subscription of client (subscriptionClient)
// streaming, or refuses it past MaxSubscriptions in all or MaxSubscriptionsPerClient for
// client; an admitted one is released by calling release, once.
func (h *handler) admitSubscription(client string) (release func(), f *failure) {
	c := &h.streams
	c.mu.Lock()
	defer c.mu.Unlock()
	if max := h.cfg.MaxSubscriptions; max > 0 && c.total >= max {
		return nil, requestError(errcode.SubscriptionLimitExceeded, "The gateway serves as many subscriptions as it may: retry later.")
	}
	if max := h.cfg.MaxSubscriptionsPerClient; max > 0 && c.clients[client] >= max {
		return nil, requestError(errcode.SubscriptionLimitExceeded, "This client streams as many subscriptions as it may: end one first.")
	}
	if c.clients == nil {
		c.clients = map[string]int{}
	}
	c.total++
	c.clients[client]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.total--
			if c.clients[client]--; c.clients[client] <= 0 {
				delete(c.clients, client)
			}
		})
	}, nil
}

// subscriptionClient is who r's client is for MaxSubscriptionsPerClient: the verified
// token's subject, else (anonymous) the trusted proxy's header or the address as for
// the rate limit.
func (h *handler) subscriptionClient(r *http.Request, claims *auth.Claims) string {
	if claims != nil && claims.Subject != "" {
		return "sub:" + claims.Subject
	}
	return anonymousClient(r, h.clientHeader)
}

// keepAlive is how often an idle stream of kind carries a heartbeat (SSE: a comment;
// multipart: an empty part, every 5 s as Apollo's protocol asks).
func keepAlive(kind streamKind) time.Duration {
	if kind == multipartStream {
		return 5 * time.Second
	}
	return 12 * time.Second
}

// stream answers op, which passed every check, as a stream of kind.
func (h *handler) stream(w http.ResponseWriter, r *http.Request, ctx context.Context, kind streamKind, op *Operation, typ ast.Operation) {
	if typ == ast.Subscription {
		release, f := h.admitSubscription(h.subscriptionClient(r, auth.FromContext(ctx)))
		if f != nil {
			h.logRefusal(r, f)
			h.observe(ctx, op.OperationName, OutcomeRefused)
			writeFailure(w, h.logger, mediaJSON, f)
			return
		}
		defer release()
	}
	out := startStream(w, kind, h.logger)
	defer out.end()
	if typ != ast.Subscription { // one result, within the request's deadline
		resp, f := h.execute(ctx, op)
		if f != nil {
			resp = response{Errors: f.errs}
		}
		out.next(resp)
		return
	}
	sctx, cancel := streamContext(ctx)
	defer cancel()
	if stopping := serve.Stopping(ctx); stopping != nil { // the server is shutting down
		defer context.AfterFunc(stopping, cancel)()
	}
	// A subscription is not a request for the request metrics: its duration is its
	// subscriber's; the executor counts subscriptions and events.
	last := h.subscriber.Subscribe(sctx, op, func(res *Result) {
		out.next(resultResponse(res))
	})
	if last != nil {
		out.fail(last.Errors)
	}
}

// streamWriter writes one stream's events; next, fail and the heartbeat may race, so it
// serialises them.
type streamWriter struct {
	mu     sync.Mutex
	w      io.Writer
	rc     *http.ResponseController
	kind   streamKind
	logger *slog.Logger
	broken bool // a write failed: the client is gone
	stop   chan struct{}
	done   chan struct{}
}

func startStream(w http.ResponseWriter, kind streamKind, logger *slog.Logger) *streamWriter {
	rc := http.NewResponseController(w)
	// The server's write timeout would cut the stream; each write has its own instead.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		logger.Debug("front: clear a stream's write deadline", slog.Any("err", err))
	}
	hdr := w.Header()
	hdr.Set(gzhttp.HeaderNoCompression, "1")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // nginx: pass events on as they come
	switch kind {
	case sseStream:
		hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	case multipartStream:
		hdr.Set("Content-Type", `multipart/mixed;boundary="graphql";subscriptionSpec="1.0"`)
	}
	w.WriteHeader(http.StatusOK)
	s := &streamWriter{w: w, rc: rc, kind: kind, logger: logger, stop: make(chan struct{}), done: make(chan struct{})}
	// Something goes out at once, so that the headers do: a compressor in front holds a
	// response back until its first byte, and the client waits for the headers.
	if kind == multipartStream {
		s.write("\r\n--graphql")
	} else {
		s.write(":\n\n")
	}
	s.flush()
	go s.heartbeat()
	return s
}

func (s *streamWriter) heartbeat() {
	defer close(s.done)
	t := time.NewTicker(keepAlive(s.kind))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			if s.kind == sseStream {
				s.write(":\n\n")
			} else {
				s.part([]byte("{}"))
			}
			s.flush()
			s.mu.Unlock()
		}
	}
}

// next sends one result.
func (s *streamWriter) next(resp response) {
	body, err := resp.appendTo(nil)
	if err != nil {
		s.logger.Error("front: encode a stream's event", slog.Any("err", err))
		body = []byte(`{"errors":[{"message":"Internal server error.","extensions":{"code":"` + errcode.InternalServerError + `"}}]}`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind == sseStream {
		s.write("event: next\ndata: ")
		s.writeBytes(body)
		s.write("\n\n")
	} else {
		s.part(append(append([]byte(`{"payload":`), body...), '}'))
	}
	s.flush()
}

// fail sends the errors that end a stream whose source failed: over SSE a last result,
// over multipart a transport error, which Apollo Client raises as such.
func (s *streamWriter) fail(errs gqlerror.List) {
	if s.kind == sseStream {
		s.next(response{Errors: errs})
		return
	}
	body, err := response{Errors: errs}.appendTo(nil)
	if err != nil {
		body = []byte(`{"errors":[]}`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.part(append([]byte(`{"payload":null,`), body[1:]...))
	s.flush()
}

// end stops the heartbeat and closes the stream as its transport says.
func (s *streamWriter) end() {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind == sseStream {
		s.write("event: complete\ndata:\n\n")
	} else {
		s.write("--\r\n")
	}
	s.flush()
}

// part writes one multipart part and the boundary after it.
func (s *streamWriter) part(body []byte) {
	s.write("\r\ncontent-type: application/json; charset=utf-8\r\n\r\n")
	s.writeBytes(body)
	s.write("\r\n--graphql")
}

func (s *streamWriter) write(text string) { s.writeBytes([]byte(text)) }

func (s *streamWriter) writeBytes(b []byte) {
	if s.broken {
		return
	}
	// A client that stops reading would hold the stream for ever: each write gets
	// streamWriteTimeout, after which the connection is dropped.
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := s.w.Write(b); err != nil {
		s.broken = true
	}
}

// streamWriteTimeout bounds one write of a stream (an event, a heartbeat).
const streamWriteTimeout = 30 * time.Second

func (s *streamWriter) flush() {
	if s.broken {
		return
	}
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if err := s.rc.Flush(); err != nil {
		s.broken = true
	}
}
