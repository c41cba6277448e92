// Package front is the gateway's HTTP handler: it speaks GraphQL over HTTP (POST and GET, the
// application/json and application/graphql-response+json media types, batches), applies CORS,
// CSRF prevention and every request limit, parses, validates and normalises each operation
// against the current schema, and only then hands it to an Executor. It also serves the
// GraphiQL playground.
//
// Nothing a client sends reaches the executor before it has passed every check, and no check
// costs more than its limit: bodies are read through http.MaxBytesReader, the parser stops at
// the token limit, and errors the front produces are short, coded and never echo the input.
package front

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/gateway/playground"
	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Operation is one GraphQL operation decoded from an HTTP request and checked by the front.
type Operation struct {
	// Query is the query text as the client sent it.
	Query string
	// Document is Query parsed and validated against the schema. It is read-only: the
	// front may hand the same document to several requests, so an executor that needs a
	// different document builds its own.
	Document *ast.QueryDocument
	// Schema is the schema Document was validated against: the schema func's answer when
	// the request came, which a schema reload may since have replaced.
	Schema        *ast.Schema
	OperationName string
	// Header holds the request headers to forward to the subgraphs (see
	// Config.PropagateHeaders); nil when there are none. The request's id is in its
	// context (RequestID).
	Header http.Header
	// Variables are the operation's variables, coerced to their declared types as the
	// GraphQL specification's CoerceVariableValues says, with defaults applied; a nullable
	// variable that was neither sent nor defaulted is absent, one sent as null is present
	// and nil. Values are plain Go values only: string (String, ID, enum values), bool,
	// int64 (Int; integral numbers inside custom scalars), float64 (Float; other numbers
	// inside custom scalars), map[string]any (input objects, whose absent fields are absent),
	// []any and nil; never a json.Number. The map and its values belong to this request.
	Variables map[string]any
	// IncludePlan says the client asked for the operation's plan (Config.ExposeQueryPlan):
	// the executor may describe it in the Result's extensions, as "queryPlan".
	IncludePlan bool
}

// Result is what executing an Operation produced. The executor must not change it once
// Execute has returned it: one Result may answer several requests (an execution shared
// by identical queries in flight), and the front encodes it once for all of them.
type Result struct {
	// Data is the response's data entry as JSON, written to the client as is: the executor
	// must make it valid JSON. nil means null.
	Data   []byte
	Errors gqlerror.List
	// Extensions is the response's extensions entry; nil leaves it out.
	Extensions map[string]any

	encodeOnce sync.Once
	encoded    []byte
	encodeErr  error
}

// encode returns the result's response as JSON, made once however many requests it
// answers; the bytes are shared, never to be written to.
func (r *Result) encode() ([]byte, error) {
	r.encodeOnce.Do(func() {
		resp := response{HasData: true, Data: r.Data, Errors: r.Errors, Extensions: r.Extensions}
		r.encoded, r.encodeErr = resp.appendTo(make([]byte, 0, len(r.Data)+len(`{"data":}`)))
	})
	return r.encoded, r.encodeErr
}

// Executor runs operations that passed the front's checks.
type Executor interface {
	Execute(ctx context.Context, op *Operation) *Result
}

// Subscriber is an Executor that also runs subscriptions (stream.go).
type Subscriber interface {
	Executor
	// Subscribe runs op, a subscription: it calls next with each event's result, in
	// order, on the goroutine that called Subscribe, until ctx ends or the source
	// completes, and then returns: nil, or a last result (errors only) when the
	// subscription could not start or its source failed.
	Subscribe(ctx context.Context, op *Operation, next func(*Result)) *Result
}

// ContextHonouring is an Executor that returns promptly once its context is done (the
// request's deadline or the client's disconnection). The front runs such an executor on
// the request's own goroutine; any other gets a goroutine of its own, so that the front
// can answer at the deadline without waiting for it.
type ContextHonouring interface {
	Executor
	// HonoursContext marks the promise; it does nothing.
	HonoursContext()
}

// Observer is an Executor that wants to know how each GraphQL request ended, for its
// metrics: the operation name ("" when unknown), an outcome and the time since the
// request arrived. Outcomes: ok (data, no errors), partial (data and errors), error
// (executed, no data: a non-null failure, a timeout), refused (never executed:
// malformed, over a limit, invalid).
type Observer interface {
	ObserveRequest(operation, outcome string, d time.Duration)
}

// Outcomes an Observer is told.
const (
	OutcomeOK      = "ok"
	OutcomePartial = "partial"
	OutcomeError   = "error"
	OutcomeRefused = "refused"
)

// Degraded is an Executor whose schema may lack some subgraphs for now (a gateway that
// started while a subgraph was down). The front names them in validation errors.
type Degraded interface {
	// Missing names the subgraphs whose fields are not in the schema yet.
	Missing() []string
}

// paths the front serves.
const (
	graphqlPath    = "/graphql"
	playgroundBase = "/playground/"
)

// handler is the front's state; it is immutable once built.
type handler struct {
	// bodyParsers parse request bodies (decodeObject).
	bodyParsers fastjson.ParserPool
	cfg         Config
	schema      func() *ast.Schema
	exec        Executor
	logger      *slog.Logger
	playground  http.Handler
	origins     originMatcher
	allowHdrs   string
	csrfHdrs    []string
	apq         *apqStore          // nil when APQ is off
	documents   *Documents         // nil: no persisted documents
	limiter     *rateLimiter       // nil: no rate limit
	subscriber  Subscriber         // the executor, when it runs subscriptions
	streams     subscriptionCounts // subscriptions streaming now, in all and per client
	docs        *docCache          // nil when the document cache is off
	verifier    *auth.Verifier     // nil: authentication off
	// clientHeader names anonymous clients for MaxSubscriptionsPerClient: RateLimitKey's
	// header:NAME, or "" (their address).
	clientHeader string
}

// Option changes what New builds.
type Option func(*handler)

// WithVerifier makes the front verify each request's bearer token: a token that does not
// verify is refused with 401 UNAUTHENTICATED whatever the operation; a verified one is
// in the request's context (auth.FromContext) and forwarded to the subgraphs; a request
// without one is anonymous. A nil verifier means authentication is off.
func WithVerifier(v *auth.Verifier) Option {
	return func(h *handler) { h.verifier = v }
}

// New returns the gateway's HTTP handler. schema returns the current merged schema (a func so
// that it can be hot-reloaded); it must never return nil.
func New(cfg Config, schema func() *ast.Schema, exec Executor, logger *slog.Logger, opts ...Option) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("front: invalid config: %w", err)
	}
	if schema == nil {
		return nil, errors.New("front: schema func is nil")
	}
	if exec == nil {
		return nil, errors.New("front: executor is nil")
	}
	if logger == nil {
		return nil, errors.New("front: logger is nil")
	}
	h := &handler{
		cfg:       cfg,
		schema:    schema,
		exec:      exec,
		logger:    logger,
		origins:   newOriginMatcher(cfg.CORSAllowedOrigins),
		allowHdrs: strings.Join(cfg.CORSAllowedHeaders, ", "),
		csrfHdrs:  cfg.CSRFRequiredHeaders,

		clientHeader: clientHeader(cfg.RateLimitKey),
	}
	for _, o := range opts {
		o(h)
	}
	h.subscriber, _ = exec.(Subscriber)
	if cfg.APQ {
		h.apq = newAPQStore(cfg.APQCacheSize, cfg.APQCacheBytes)
	}
	if cfg.DocumentCacheSize > 0 {
		h.docs = newDocCache(cfg.DocumentCacheSize, cfg.DocumentCacheBytes)
	}
	if cfg.RateLimit > 0 {
		h.limiter = newRateLimiter(cfg)
	}
	if cfg.PersistedDocuments != "" {
		d, err := LoadDocuments(cfg.PersistedDocuments)
		if err != nil {
			return nil, fmt.Errorf("front: %w", err)
		}
		h.documents = d
		logger.Info("front: persisted documents loaded", slog.Int("documents", d.Len()), slog.String("mode", cfg.PersistedDocumentsMode))
	}
	if cfg.Playground {
		assets := playground.Assets()
		if cfg.PlaygroundDir != "" {
			if st, err := os.Stat(cfg.PlaygroundDir); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("front: playground-dir %q is not a directory", cfg.PlaygroundDir)
			}
			assets = os.DirFS(cfg.PlaygroundDir)
		}
		h.playground = playground.New(assets, graphqlPath, playgroundBase, cfg.PlaygroundHeaders)
	}

	mux := http.NewServeMux()
	mux.HandleFunc(graphqlPath, h.serveGraphQL)
	mux.HandleFunc("/{$}", h.servePlayground)
	mux.HandleFunc(playgroundBase, h.servePlayground)
	if !cfg.Compression {
		return h.guard(mux), nil
	}
	compress, err := gzhttp.NewWrapper(gzhttp.MinSize(cfg.CompressionMinBytes), gzhttp.AllowCompressedRequests(true))
	if err != nil {
		return nil, fmt.Errorf("front: compression: %w", err)
	}
	return compress(h.guard(mux)), nil
}

// guard wraps next with the checks that apply to every path: URL length and header size
// (before anything else, so that net/http's plain-text 431 is only the answer past
// HardMaxHeaderBytes), the request deadline and panic recovery.
func (h *handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // a recovered panic value, never wrapped
				panic(v)
			}
			h.logger.Error("front: panic serving request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if !rw.wrote {
				writeFailure(rw, h.logger, errorMedia(r), newFailure(http.StatusInternalServerError, errcode.InternalServerError, "Internal server error."))
			}
		}()
		if len(r.RequestURI) > h.cfg.MaxURLBytes || len(r.URL.RawQuery)+len(r.URL.Path) > h.cfg.MaxURLBytes {
			writeFailure(rw, h.logger, errorMedia(r), newFailure(http.StatusRequestURITooLong, errcode.URLTooLong,
				fmt.Sprintf("The request URL is longer than %d bytes.", h.cfg.MaxURLBytes)))
			return
		}
		if headerBytes(r) > h.cfg.MaxHeaderBytes {
			writeFailure(rw, h.logger, errorMedia(r), newFailure(http.StatusRequestHeaderFieldsTooLarge, errcode.HeadersTooLarge,
				fmt.Sprintf("The request headers are larger than %d bytes.", h.cfg.MaxHeaderBytes)))
			return
		}
		r = withRequestID(rw, r)
		// A stream outlives the request's deadline but not the client (stream.go).
		ctx := context.WithValue(r.Context(), connKey{}, r.Context())
		ctx, cancel := context.WithTimeout(ctx, h.cfg.RequestTimeout)
		defer cancel()
		next.ServeHTTP(rw, r.WithContext(ctx))
	})
}

// headerBytes is the size of r's request line and headers as Config.MaxHeaderBytes counts
// it: close to their HTTP/1.1 wire size, and what they occupy once decoded from HTTP/2.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host") + len(r.Host) + 4
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + 4
		}
	}
	return n + 2
}

// trackingWriter records whether the response has started, so that recovery does not write
// a second status line.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackingWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (h *handler) servePlayground(w http.ResponseWriter, r *http.Request) {
	if h.playground == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.playground.ServeHTTP(w, r)
}

// serveGraphQL answers /graphql.
func (h *handler) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if h.cors(w, r) {
		return
	}
	if isWebSocket(r) {
		h.serveWebSocket(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	default:
		writeFailure(w, h.logger, errorMedia(r), &failure{
			status: http.StatusMethodNotAllowed, allow: "GET, POST, OPTIONS",
			errs: gqlerror.List{codeError(errcode.MethodNotAllowed, "Only GET and POST are supported.")},
		})
		return
	}
	if r.Method == http.MethodGet && h.playground != nil && !r.URL.Query().Has("query") && !r.URL.Query().Has("documentId") && acceptsHTML(r.Header.Get("Accept")) {
		h.playground.ServeHTTP(w, r)
		return
	}
	w.Header().Add("Vary", "Accept")
	media, ok := negotiate(r.Header.Values("Accept"))
	kind := streamKindOf(r.Header.Values("Accept"))
	if !ok && kind == noStream {
		writeFailure(w, h.logger, mediaJSON, newFailure(http.StatusNotAcceptable, errcode.NotAcceptable,
			"Accept must allow application/graphql-response+json or application/json."))
		return
	}
	if !ok {
		media = mediaJSON // for refusals before the stream starts
	}

	var (
		reqs  []rawRequest
		batch bool
		f     *failure
	)
	if r.Method == http.MethodGet {
		reqs, f = h.decodeGET(r)
	} else {
		reqs, batch, f = h.decodePOST(w, r)
	}
	if f != nil {
		h.logRefusal(r, f)
		h.observe(r.Context(), "", OutcomeRefused)
		writeFailure(w, h.logger, media, f)
		return
	}

	claims, err := h.verifier.Authenticate(r)
	if err != nil {
		// The reason is logged, never the token; the client learns only that it failed.
		h.logger.InfoContext(r.Context(), "front: bearer token refused", slog.String("reason", err.Error()))
		h.observe(r.Context(), "", OutcomeRefused)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeFailure(w, h.logger, media, newFailure(http.StatusUnauthorized, errcode.Unauthenticated, "The bearer token is not valid."))
		return
	}
	ctx := r.Context()
	if claims != nil {
		ctx = auth.WithClaims(ctx, claims)
	}
	if h.limiter != nil {
		if wait, ok := h.limiter.take(h.limiter.client(r, claims), len(reqs)); !ok {
			f := rateLimited(wait)
			h.logRefusal(r, f)
			h.observe(ctx, "", OutcomeRefused)
			writeFailure(w, h.logger, media, f)
			return
		}
	}
	get := r.Method == http.MethodGet
	plan := h.cfg.ExposeQueryPlan && (wantsPlan(r.Header.Get(HeaderIncludeQueryPlan)) || wantsPlan(r.Header.Get(HeaderApolloExposeQueryPlan)))
	fwd := h.forwardedFor(r, claims)
	if batch && !ok {
		writeFailure(w, h.logger, mediaJSON, newFailure(http.StatusNotAcceptable, errcode.NotAcceptable,
			"A batch is answered as JSON: Accept must allow application/graphql-response+json or application/json."))
		return
	}
	if !batch {
		op, typ, f := h.prepare(reqs[0], get, fwd, plan, kind != noStream)
		if f == nil && (typ == ast.Subscription || !ok) {
			h.stream(w, r, ctx, kind, op, typ)
			return
		}
		var resp response
		if f == nil {
			resp, f = h.execute(ctx, op)
		}
		if f != nil {
			h.logRefusal(r, f)
			if !f.executed {
				h.observe(ctx, reqs[0].name(), OutcomeRefused)
			}
			writeFailure(w, h.logger, media, f)
			return
		}
		body, err := resp.appendTo(nil)
		writeJSON(w, h.logger, http.StatusOK, media, body, err)
		return
	}
	out := make([]response, len(reqs))
	for i, req := range reqs {
		resp, f := h.process(ctx, req, false, fwd, plan)
		if f != nil {
			h.logRefusal(r, f)
			if !f.executed {
				h.observe(ctx, req.name(), OutcomeRefused)
			}
			resp = response{Errors: f.errs}
		}
		out[i] = resp
	}
	body, err := encodeBatch(out)
	writeJSON(w, h.logger, http.StatusOK, media, body, err)
}

func (h *handler) logRefusal(r *http.Request, f *failure) {
	code := ""
	if len(f.errs) > 0 {
		code, _ = f.errs[0].Extensions["code"].(string)
	}
	h.logger.LogAttrs(r.Context(), slog.LevelDebug, "front: request refused",
		slog.String("method", r.Method), slog.String("code", code), slog.Int("status", f.status))
}

// observe tells an Observer executor how a request ended.
func (h *handler) observe(ctx context.Context, operation, outcome string) {
	if o, ok := h.exec.(Observer); ok {
		o.ObserveRequest(operation, outcome, since(ctx))
	}
}

// The request headers that ask for an operation's plan (Config.ExposeQueryPlan): ours,
// and the one Apollo Router's expose_query_plan plugin reads.
const (
	HeaderIncludeQueryPlan      = "X-Include-Query-Plan"
	HeaderApolloExposeQueryPlan = "Apollo-Expose-Query-Plan"
)

func wantsPlan(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "true") }

// errorMedia is the media type for a failure answered before the request's Accept header
// has been checked: the negotiated one when there is one, else application/json.
func errorMedia(r *http.Request) string {
	if media, ok := negotiate(r.Header.Values("Accept")); ok {
		return media
	}
	return mediaJSON
}

// acceptsHTML reports whether a browser navigation asked for a page.
func acceptsHTML(accept string) bool {
	return strings.Contains(accept, "text/html")
}
