package front

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/serve"
)

// The graphql-transport-ws protocol (graphql-ws; Apollo Client's GraphQLWsLink, urql's
// subscriptionExchange with graphql-ws, Apollo Router, Cosmo, Hive Gateway), on a
// WebSocket at the GraphQL path (github.com/coder/websocket):
//
//   - the client sends connection_init within wsInitTimeout (else 4408), once (else
//     4429), optionally with its bearer token in the payload ({"Authorization": "Bearer
//     …"}, any case, or under "headers"), which the front verifies as it verifies the
//     Authorization header of the upgrade request (a bad token closes with 4403);
//   - the server answers connection_ack; a subscribe before it closes with 4401;
//   - each subscribe {id, payload: {query, variables, operationName, extensions}} passes
//     every check an HTTP request passes (and the rate limit); a refusal is an error
//     message with its GraphQL errors; otherwise next messages follow, then complete;
//     a second subscribe with an id in use closes with 4409;
//   - the client's complete stops its operation; ping gets pong;
//   - a message that is not one of these closes with 4400.
//
// Each connection holds at most wsMaxOperations operations at once, and every
// subscription counts against MaxSubscriptions and its client's MaxSubscriptionsPerClient.

const (
	wsProtocol      = "graphql-transport-ws"
	wsInitTimeout   = 3 * time.Second
	wsMaxOperations = 100
	wsMaxMessage    = 1 << 20 // bytes; MaxBodyBytes bounds it further
)

// isWebSocket reports whether r asks to become a WebSocket.
func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsConn is one graphql-transport-ws connection.
type wsConn struct {
	h      *handler
	r      *http.Request
	c      *websocket.Conn
	ctx    context.Context
	claims *auth.Claims

	mu  sync.Mutex
	ops map[string]*wsOp // by the client's id
	wg  sync.WaitGroup
}

// wsOp is one running operation of a connection.
type wsOp struct{ stop context.CancelFunc }

func (h *handler) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" && !h.origins.match(origin) {
		writeFailure(w, h.logger, mediaJSON, newFailure(http.StatusForbidden, errcode.BadRequest, "This origin may not open a WebSocket here."))
		return
	}
	if h.subscriber == nil {
		writeFailure(w, h.logger, mediaJSON, requestError(errcode.SubscriptionsNotSupported, "Subscriptions are not supported."))
		return
	}
	claims, err := h.verifier.Authenticate(r)
	if err != nil {
		h.logger.InfoContext(r.Context(), "front: bearer token refused", slog.String("reason", err.Error()))
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeFailure(w, h.logger, mediaJSON, newFailure(http.StatusUnauthorized, errcode.Unauthenticated, "The bearer token is not valid."))
		return
	}
	// The server's timeouts would cut the connection; its own protocol keeps it.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:       []string{wsProtocol},
		InsecureSkipVerify: true, // the origin was checked above, against the CORS allow-list
	})
	if err != nil {
		h.logger.DebugContext(r.Context(), "front: websocket upgrade", slog.Any("err", err))
		return
	}
	c.SetReadLimit(min(wsMaxMessage, h.cfg.MaxBodyBytes))
	if c.Subprotocol() != wsProtocol {
		c.Close(4406, "Subprotocol not acceptable: use graphql-transport-ws")
		return
	}
	ctx, cancel := streamContext(r.Context())
	defer cancel()
	if stopping := serve.Stopping(r.Context()); stopping != nil {
		// The server is shutting down: it does not wait for hijacked connections, so
		// the socket says it is going away.
		defer context.AfterFunc(stopping, func() { c.Close(websocket.StatusGoingAway, "The gateway is shutting down") })()
	}
	ws := &wsConn{h: h, r: r, c: c, ctx: ctx, claims: claims, ops: map[string]*wsOp{}}
	code, reason := ws.serve()
	// The close handshake first: a context of the last read or write ending while
	// the library still holds it would cut the connection without a close frame.
	c.Close(code, reason)
	cancel()
	ws.wg.Wait()
}

// serve reads messages until the connection ends, and returns the close code.
func (ws *wsConn) serve() (websocket.StatusCode, string) {
	// A read whose context ends closes the connection without a close frame, so the
	// init's timeout closes the socket itself, with its code.
	late := time.AfterFunc(wsInitTimeout, func() { ws.c.Close(4408, "Connection initialisation timeout") })
	msg, err := ws.read(ws.ctx)
	if !late.Stop() {
		return 4408, "Connection initialisation timeout"
	}
	switch {
	case err != nil:
		return websocket.StatusNormalClosure, ""
	case msg == nil:
		return 4400, "Invalid message"
	case msg.Type == "subscribe":
		return 4401, "Unauthorized"
	case msg.Type != "connection_init":
		return 4400, "Expected connection_init"
	}
	if ws.h.verifier != nil {
		if token := initToken(msg.Payload); token != "" {
			claims, err := ws.h.verifier.Verify(ws.ctx, token)
			if err != nil {
				ws.h.logger.InfoContext(ws.ctx, "front: websocket bearer token refused", slog.String("reason", err.Error()))
				return 4403, "Forbidden"
			}
			ws.claims = claims
		}
	}
	if err := ws.send(wsMessage{Type: "connection_ack"}); err != nil {
		return websocket.StatusNormalClosure, ""
	}
	for {
		msg, err := ws.read(ws.ctx)
		if err != nil {
			return websocket.StatusNormalClosure, ""
		}
		if msg == nil {
			return 4400, "Invalid message"
		}
		switch msg.Type {
		case "ping":
			if err := ws.send(wsMessage{Type: "pong", Payload: msg.Payload}); err != nil {
				return websocket.StatusNormalClosure, ""
			}
		case "pong":
		case "connection_init":
			return 4429, "Too many initialisation requests"
		case "subscribe":
			if code, reason := ws.subscribe(msg); code != 0 {
				return code, reason
			}
		case "complete":
			ws.mu.Lock()
			if op, ok := ws.ops[msg.ID]; ok {
				op.stop()
				delete(ws.ops, msg.ID)
			}
			ws.mu.Unlock()
		default:
			return 4400, "Unknown message type"
		}
	}
}

// read reads one message; nil without an error is a message that is not one.
func (ws *wsConn) read(ctx context.Context) (*wsMessage, error) {
	typ, b, err := ws.c.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m wsMessage
	if typ != websocket.MessageText || json.Unmarshal(b, &m) != nil || m.Type == "" {
		return nil, nil
	}
	return &m, nil
}

// send writes one message; a client that does not take it within streamWriteTimeout
// loses its connection (coder/websocket closes it when the write's context ends).
func (ws *wsConn) send(m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ws.ctx, streamWriteTimeout)
	defer cancel()
	return ws.c.Write(ctx, websocket.MessageText, b)
}

// initToken is the bearer token of a connection_init payload, if any.
func initToken(payload json.RawMessage) string {
	var p map[string]any
	if json.Unmarshal(payload, &p) != nil {
		return ""
	}
	if hdrs, ok := p["headers"].(map[string]any); ok {
		p = hdrs
	}
	for k, v := range p {
		if s, ok := v.(string); ok && strings.EqualFold(k, "Authorization") {
			token, err := auth.Bearer(s)
			if err != nil {
				return "-" // present but not a bearer token: refused by Verify
			}
			return token
		}
	}
	return ""
}

// subscribe starts one operation; a non-zero code closes the connection.
func (ws *wsConn) subscribe(msg *wsMessage) (websocket.StatusCode, string) {
	if msg.ID == "" || len(msg.ID) > 256 {
		return 4400, "Invalid subscribe message"
	}
	ws.mu.Lock()
	_, taken := ws.ops[msg.ID]
	full := len(ws.ops) >= wsMaxOperations
	ws.mu.Unlock()
	switch {
	case taken:
		return 4409, fmt.Sprintf("Subscriber for %.64s already exists", msg.ID)
	case full:
		return 4400, "Too many operations on this connection"
	}
	h := ws.h
	fail := func(f *failure) {
		h.observe(ws.ctx, "", OutcomeRefused)
		payload, _ := json.Marshal(f.errs)
		_ = ws.send(wsMessage{ID: msg.ID, Type: "error", Payload: payload})
	}
	req, ok := h.decodeObject(msg.Payload, h.cfg.MaxVariablesBytes)
	if !ok {
		fail(newFailure(http.StatusBadRequest, errcode.BadRequest, "The subscribe payload must be a JSON object."))
		return 0, ""
	}
	if h.limiter != nil {
		if wait, ok := h.limiter.take(h.limiter.client(ws.r, ws.claims), 1); !ok {
			fail(rateLimited(wait))
			return 0, ""
		}
	}
	ctx := ws.ctx
	if ws.claims != nil {
		ctx = auth.WithClaims(ctx, ws.claims)
	}
	op, typ, f := h.prepare(req, false, h.forwardedFor(ws.r, ws.claims), false, true)
	if f != nil {
		fail(f)
		return 0, ""
	}
	release := func() {}
	if typ == ast.Subscription {
		var f *failure
		if release, f = h.admitSubscription(h.subscriptionClient(ws.r, ws.claims)); f != nil {
			fail(f)
			return 0, ""
		}
	}
	opCtx, stop := context.WithCancel(ctx)
	me := &wsOp{stop: stop}
	ws.mu.Lock()
	ws.ops[msg.ID] = me
	ws.mu.Unlock()
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		defer func() {
			ws.mu.Lock()
			if ws.ops[msg.ID] == me { // the id may already be another operation's
				delete(ws.ops, msg.ID)
			}
			ws.mu.Unlock()
			stop()
		}()
		next := func(resp response) {
			body, err := resp.appendTo(nil)
			if err == nil {
				_ = ws.send(wsMessage{ID: msg.ID, Type: "next", Payload: body})
			}
		}
		if typ == ast.Subscription {
			defer release()
			last := h.subscriber.Subscribe(opCtx, op, func(res *Result) {
				next(resultResponse(res))
			})
			if last != nil {
				next(response{Errors: last.Errors})
			}
		} else {
			tctx, cancel := context.WithTimeout(opCtx, h.cfg.RequestTimeout)
			resp, f := h.execute(tctx, op)
			cancel()
			if f != nil {
				resp = response{Errors: f.errs}
			}
			next(resp)
		}
		if opCtx.Err() == nil { // not stopped by the client's complete nor the connection's end
			_ = ws.send(wsMessage{ID: msg.ID, Type: "complete"})
		}
	}()
	return 0, ""
}
