package subgraph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// Limits are what a subgraph refuses on its own: it may be reached without the gateway
// (docs/failure-modes.md), so it does not trust the gateway's limits to have been applied.
// Start from DefaultLimits: every limit must be positive, and a zero one is refused, never
// taken for its default. The defaults comfortably admit what the gateway sends: a
// batched request holds at most 500 aliased `node(id:)` lookups, each spreading one
// fragment with the client's selection, which the gateway has limited to depth 15, 500
// fields and cost 10000, two levels below the root.
type Limits struct {
	// MaxBodyBytes bounds a request body (413 BODY_TOO_LARGE). A gateway batch is at
	// most about 0.4 MiB: the client's query text (256 KiB at the gateway) as one
	// fragment, its variables (64 KiB) and 500 ids.
	// default: 1048576 (1 MiB)
	MaxBodyBytes int64
	// MaxDepth bounds the nesting of fields, fragments expanded and introspection
	// subtrees not counted, as the gateway counts it (MAX_DEPTH_EXCEEDED). The gateway
	// sends at most its own max-depth plus 2.
	// default: 32
	MaxDepth int
	// MaxSelections bounds the fields, fragment spreads and inline fragments written in
	// the document, each fragment definition counted once (MAX_FIELDS_EXCEEDED). It is
	// checked before validation, because gqlparser's validation takes time that grows
	// with the square of the fields sharing a response name: 20,000 copies of one field,
	// half a megabyte, take it three minutes. At this default the worst document found
	// validates in about 0.6 s on a 2-core VM. A gateway batch writes about 1,100: 500
	// lookups and one fragment of at most 500 fields.
	// default: 2500
	MaxSelections int
	// MaxComplexity bounds the operation's complexity (COST_LIMIT_EXCEEDED), computed
	// as gqlgen does with each fragment counted once: every field costs 1 plus its
	// selections, and a connection field (`products`, `users`) multiplies its
	// selections by `first` (its default when not given), as the gateway's cost does.
	// Any other field with a list argument multiplies its selections by the length of
	// its longest one: `_entities` answers its selections once per representation. A
	// gateway batch costs at most about its client query's cost (10000 at the gateway)
	// plus one per lookup; 500 lookups of 500 fields each would cost about 250,000.
	// default: 500000
	MaxComplexity int
	// MaxRepresentations bounds the entity representations that the `_entities`
	// fields of one request name, all together (COST_LIMIT_EXCEEDED, before anything
	// runs). It is above the gateway's lookup chunk (-max-lookups-per-request, 500),
	// so that every request the gateway sends is admitted.
	// default: 1000
	MaxRepresentations int
	// MaxResponseBytes bounds the answer to one request, which is built in memory
	// before it is sent: once the fields resolved so far add up to more, or the
	// encoded answer is larger, the request's work stops and it is answered 200 with
	// `data: null` and one RESPONSE_TOO_LARGE error. It agrees with what the gateway
	// reads of a subgraph's answer (16 MiB). A subscription's events are not held to it.
	// default: 16777216 (16 MiB)
	MaxResponseBytes int64
	// RequestTimeout bounds handling one GraphQL request, execution included (504
	// REQUEST_TIMEOUT). It is below the gateway's subgraph-timeout (10s), so the
	// gateway sees the subgraph's own answer.
	// default: 5s
	RequestTimeout time.Duration
}

// Defaults of Limits.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxDepth       = 32
	DefaultMaxSelections  = 2500
	DefaultMaxComplexity  = 500_000
	DefaultRequestTimeout = 5 * time.Second
	// DefaultMaxRepresentations is twice the gateway's lookup chunk
	// (gateway.DefaultMaxBatch, 500); TestMaxRepresentationsAdmitGatewayBatches
	// checks the two agree.
	DefaultMaxRepresentations = 1000
	DefaultMaxResponseBytes   = 16 << 20
)

// DefaultLimits returns the limits with every documented default.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:       DefaultMaxBodyBytes,
		MaxDepth:           DefaultMaxDepth,
		MaxSelections:      DefaultMaxSelections,
		MaxComplexity:      DefaultMaxComplexity,
		MaxRepresentations: DefaultMaxRepresentations,
		MaxResponseBytes:   DefaultMaxResponseBytes,
		RequestTimeout:     DefaultRequestTimeout,
	}
}

// Validate reports every limit that is not positive, all at once.
func (l Limits) Validate() error {
	var errs []error
	for _, c := range []struct {
		name string
		v    int64
		show string
	}{
		{"max-body-bytes", l.MaxBodyBytes, fmt.Sprint(l.MaxBodyBytes)},
		{"max-depth", int64(l.MaxDepth), fmt.Sprint(l.MaxDepth)},
		{"max-selections", int64(l.MaxSelections), fmt.Sprint(l.MaxSelections)},
		{"max-complexity", int64(l.MaxComplexity), fmt.Sprint(l.MaxComplexity)},
		{"request-timeout", int64(l.RequestTimeout), l.RequestTimeout.String()},
		{"max-representations", int64(l.MaxRepresentations), fmt.Sprint(l.MaxRepresentations)},
		{"max-response-bytes", l.MaxResponseBytes, fmt.Sprint(l.MaxResponseBytes)},
	} {
		if c.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", c.name, c.show))
		}
	}
	return errors.Join(errs...)
}

// RegisterFlags binds the limits to fs, each flag defaulting to l's current value.
func (l *Limits) RegisterFlags(fs *flag.FlagSet) {
	fs.Int64Var(&l.MaxBodyBytes, "max-body-bytes", l.MaxBodyBytes, "largest request body (413 BODY_TOO_LARGE)")
	fs.IntVar(&l.MaxDepth, "max-depth", l.MaxDepth, "deepest field nesting, fragments expanded (MAX_DEPTH_EXCEEDED)")
	fs.IntVar(&l.MaxSelections, "max-selections", l.MaxSelections, "most fields, fragment spreads and inline fragments written in a document (MAX_FIELDS_EXCEEDED)")
	fs.IntVar(&l.MaxComplexity, "max-complexity", l.MaxComplexity, "highest complexity of an operation, connections multiplied by first (COST_LIMIT_EXCEEDED)")
	fs.DurationVar(&l.RequestTimeout, "request-timeout", l.RequestTimeout, "deadline for handling one GraphQL request (504 REQUEST_TIMEOUT); its work stops then")
	fs.IntVar(&l.MaxRepresentations, "max-representations", l.MaxRepresentations, "most entity representations the _entities fields of one request name (COST_LIMIT_EXCEEDED)")
	fs.Int64Var(&l.MaxResponseBytes, "max-response-bytes", l.MaxResponseBytes, "largest answer to one request; past it the work stops (RESPONSE_TOO_LARGE)")
}

// ConnectionComplexity is the complexity of a connection field: its selections times
// the page size first asks for (relay.DefaultFirst when nil), plus one. A first outside
// the page bounds, which the resolver refuses, counts as the nearest bound.
func ConnectionComplexity(childComplexity int, first *int) int {
	n := relay.DefaultFirst
	if first != nil {
		n = min(max(*first, relay.MinFirst), relay.MaxFirst)
	}
	return satAdd(1, satMul(n, childComplexity))
}

// saturation caps every count, so that fragments spread many times over cannot overflow.
const saturation = math.MaxInt / 4

func satAdd(a, b int) int { return min(saturation, a+b) }

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > saturation/b {
		return saturation
	}
	return a * b
}

// limits is the gqlgen extension that applies MaxDepth and MaxSelections before
// validation and MaxComplexity after it.
type limits struct {
	Limits
	es graphql.ExecutableSchema
	// checked remembers the documents that passed the structural limits, by hash, so a
	// repeated query is not parsed a second time.
	checked *lru.LRU[bool]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = &limits{}

func (*limits) ExtensionName() string { return "SubgraphLimits" }

func (l *limits) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	return nil
}

func refusal(code, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

// MutateOperationParameters applies the limits that need no schema, before gqlgen
// parses and validates the document. A document that does not parse is left to gqlgen,
// which reports the syntax error.
func (l *limits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	sum := sha256.Sum256([]byte(p.Query))
	key := string(sum[:])
	if _, ok := l.checked.Get(ctx, key); ok {
		return nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: p.Query})
	if err != nil {
		return nil
	}
	s := &shaper{fragments: doc.Fragments, memo: map[string]int{}, visiting: map[string]bool{}}
	selections := 0
	for _, f := range doc.Fragments {
		selections = satAdd(selections, countSelections(f.SelectionSet))
	}
	for _, op := range doc.Operations {
		selections = satAdd(selections, countSelections(op.SelectionSet))
		if s.depth(op.SelectionSet) > l.MaxDepth {
			return refusal(errcode.MaxDepthExceeded, fmt.Sprintf("The operation is nested deeper than %d levels.", l.MaxDepth))
		}
	}
	if selections > l.MaxSelections {
		return refusal(errcode.MaxFieldsExceeded, fmt.Sprintf("The document has more than %d fields and fragments.", l.MaxSelections))
	}
	l.checked.Add(ctx, key, true)
	return nil
}

// MutateOperationContext applies MaxRepresentations and MaxComplexity to the validated
// operation, before anything runs.
func (l *limits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if n := representations(oc); n > l.MaxRepresentations {
		return refusal(errcode.CostLimitExceeded, fmt.Sprintf("The operation names %d entity representations; at most %d are answered in one request.", n, l.MaxRepresentations))
	}
	c := &coster{ctx: ctx, es: l.es, vars: oc.Variables, memo: map[string]int{}}
	if c.selectionSet(oc.Operation.SelectionSet) > l.MaxComplexity {
		return refusal(errcode.CostLimitExceeded, fmt.Sprintf("The operation's complexity exceeds the limit of %d.", l.MaxComplexity))
	}
	return nil
}

// representations counts the representations that the operation's root `_entities`
// fields name, variables applied, as the executor will resolve them.
func representations(oc *graphql.OperationContext) int {
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return 0
	}
	n := 0
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
		if f.Name != "_entities" {
			continue
		}
		if reps, ok := f.ArgumentMap(oc.Variables)["representations"].([]any); ok {
			n = satAdd(n, len(reps))
		}
	}
	return n
}

// countSelections counts the selections written in set, not following spreads.
func countSelections(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		n++
		switch sel := sel.(type) {
		case *ast.Field:
			n = satAdd(n, countSelections(sel.SelectionSet))
		case *ast.InlineFragment:
			n = satAdd(n, countSelections(sel.SelectionSet))
		}
	}
	return n
}

// shaper measures depth on the parsed, not yet validated document, so it guards
// against unknown fragments and cycles itself; each fragment is measured once.
type shaper struct {
	fragments ast.FragmentDefinitionList
	memo      map[string]int
	visiting  map[string]bool
}

func (s *shaper) depth(set ast.SelectionSet) int {
	d := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" {
				d = max(d, 1)
				continue
			}
			d = max(d, 1+s.depth(sel.SelectionSet))
		case *ast.InlineFragment:
			d = max(d, s.depth(sel.SelectionSet))
		case *ast.FragmentSpread:
			d = max(d, s.fragment(sel.Name))
		}
	}
	return d
}

func (s *shaper) fragment(name string) int {
	if d, ok := s.memo[name]; ok {
		return d
	}
	def := s.fragments.ForName(name)
	if def == nil || s.visiting[name] {
		return 0 // validation rejects unknown fragments and cycles
	}
	s.visiting[name] = true
	d := s.depth(def.SelectionSet)
	delete(s.visiting, name)
	s.memo[name] = d
	return d
}

// coster computes gqlgen's complexity of a validated operation with each fragment
// counted once: gqlgen's own complexity.Calculate walks every spread anew, which takes
// exponential time on a document whose fragments spread each other twice over.
type coster struct {
	ctx  context.Context
	es   graphql.ExecutableSchema
	vars map[string]any
	memo map[string]int
}

func (c *coster) selectionSet(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			total = satAdd(total, c.field(sel))
		case *ast.InlineFragment:
			total = satAdd(total, c.selectionSet(sel.SelectionSet))
		case *ast.FragmentSpread:
			v, ok := c.memo[sel.Name]
			if !ok && sel.Definition != nil {
				v = c.selectionSet(sel.Definition.SelectionSet)
				c.memo[sel.Name] = v
			}
			total = satAdd(total, v)
		}
	}
	return total
}

func (c *coster) field(f *ast.Field) int {
	if f.Name == "__schema" || f.Name == "__type" {
		return 0 // introspection is not counted, as at the gateway
	}
	child := c.selectionSet(f.SelectionSet)
	args := f.ArgumentMap(c.vars)
	if f.ObjectDefinition != nil {
		if v, ok := c.es.Complexity(c.ctx, f.ObjectDefinition.Name, f.Name, child, args); ok {
			return min(max(v, 0), saturation)
		}
	}
	return satAdd(1, satMul(longestList(args), child))
}

// longestList is the length of the longest list among a field's arguments, and 1 when
// it has none (or only empty ones): a field given n items, such as `_entities` given n
// representations, answers its selections up to n times.
func longestList(args map[string]any) int {
	n := 1
	for _, v := range args {
		if l, ok := v.([]any); ok {
			n = max(n, len(l))
		}
	}
	return n
}

// protect wraps the GraphQL endpoint h with the body limit and the request timeout.
func (l Limits) protect(h http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Method == http.MethodPost {
			tooLarge := fmt.Sprintf("The request body is larger than %d bytes.", l.MaxBodyBytes)
			if r.ContentLength > l.MaxBodyBytes {
				refuse(w, r, http.StatusRequestEntityTooLarge, errcode.BodyTooLarge, tooLarge)
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, l.MaxBodyBytes))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					refuse(w, r, http.StatusRequestEntityTooLarge, errcode.BodyTooLarge, tooLarge)
					return
				}
				logger.DebugContext(r.Context(), "read request body", "err", err)
				refuse(w, r, http.StatusBadRequest, errcode.BadRequest, "The request body could not be read.")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if streaming(r) && isSubscription(r) {
			// A subscription lasts as long as its subscriber: no request timeout, and
			// no write deadline from the server's WriteTimeout.
			if err := http.NewResponseController(w).SetWriteDeadline(time.Time{}); err != nil {
				logger.DebugContext(r.Context(), "clear a stream's write deadline", "err", err)
			}
			h.ServeHTTP(w, r)
			return
		}
		serveWithTimeout(w, r, h, l.RequestTimeout, l.MaxResponseBytes)
	})
}

// streaming reports whether r asks for a stream (GraphQL over SSE).
func streaming(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// isSubscription reports whether r's body, already read into memory, is a subscription:
// only a subscription's stream is let past the request timeout; a query asked for as a
// stream is held to it like any other. A body that does not parse is no subscription
// (execution refuses it later).
func isSubscription(r *http.Request) bool {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var p struct {
		Query         string `json:"query"`
		OperationName string `json:"operationName"`
	}
	if json.Unmarshal(body, &p) != nil {
		return false
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: p.Query})
	if perr != nil {
		return false
	}
	op := doc.Operations.ForName(p.OperationName)
	if op == nil && p.OperationName == "" && len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	return op != nil && op.Operation == ast.Subscription
}

// refuse answers a request refused before execution with one GraphQL error, in the
// gateway front's shape.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{"errors": []*gqlerror.Error{refusal(code, message)}})
	ct := "application/json"
	if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
		ct = "application/graphql-response+json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serveWithTimeout serves r with h and answers by d. h writes into a buffer; if it
// finishes by d the buffer is the response, and otherwise the client gets 504
// REQUEST_TIMEOUT while h, its context canceled, winds down: its fields that have not
// started resolving are not resolved (stopFields, InOrder), its store calls end with their
// context, and the errors they end with are dropped, not reported nor logged
// (ErrorPresenter). h's own context ends a little after d, so that no call of h is cut
// short before d and answered as a failed store when it is the request that ran out of
// time. An answer past maxResponse bytes, counted as resolvers read it (Grow) and again as
// h writes, stops h the same way and is answered 200 with data null and one
// RESPONSE_TOO_LARGE error. serveWithTimeout returns only once h has, so no work of a
// request outlives it.
//
// h runs on the serving goroutine, whose stack has grown to an execution's depth on the
// connection's earlier requests; the 504 is written by a timer, which starts a goroutine
// only when it fires. A goroutine started for h on each request instead grew its stack
// again on every request: about a ninth of a subgraph's CPU on a single-item request.
func serveWithTimeout(w http.ResponseWriter, r *http.Request, h http.Handler, d time.Duration, maxResponse int64) {
	deadline := time.Now().Add(d)
	base, abort := context.WithCancelCause(r.Context())
	defer abort(nil)
	ctx, cancel := context.WithDeadline(base, deadline.Add(min(d/10, 100*time.Millisecond)))
	defer cancel()
	ctx = context.WithValue(ctx, workKey{}, &work{max: maxResponse, abort: abort})
	tw := &timeoutWriter{header: http.Header{}, status: http.StatusOK, max: maxResponse, abort: abort}
	timedOut := func() {
		tw.mu.Lock()
		tw.timedOut = true
		tw.buf = bytes.Buffer{}
		tw.mu.Unlock()
		cancel()                      // first: the work stops while the refusal is written
		if r.Context().Err() == nil { // the client is still there
			refuse(w, r, http.StatusGatewayTimeout, errcode.RequestTimeout, "The request timed out.")
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
	}
	refused := make(chan struct{})
	timer := time.AfterFunc(d, func() {
		defer close(refused)
		timedOut()
	})
	// finish stops the timer, or waits for its refusal to be written, and says whether
	// it was: until then w is the timer's. Deferred too, for h's panics.
	finish := sync.OnceValue(func() bool {
		if timer.Stop() {
			return false
		}
		<-refused
		return true
	})
	defer finish()
	h.ServeHTTP(tw, r.WithContext(ctx))
	if finish() {
		return
	}
	if !time.Now().Before(deadline) && r.Context().Err() == nil {
		timedOut()
		return
	}
	if errors.Is(context.Cause(base), errResponseTooLarge) {
		failExecution(w, r, errcode.ResponseTooLarge, fmt.Sprintf("The response is larger than %d bytes.", maxResponse))
		return
	}
	for k, v := range tw.header {
		w.Header()[k] = v
	}
	// The answer goes with its length: past net/http's buffer it would go in chunks, a
	// closing chunk written after the rest, and the gateway would wait for it.
	if tw.status >= http.StatusOK && tw.status != http.StatusNoContent && tw.status != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.Itoa(tw.buf.Len()))
	}
	w.WriteHeader(tw.status)
	_, _ = w.Write(tw.buf.Bytes())
}

// failExecution answers a request whose execution was stopped: 200, as the GraphQL over
// HTTP spec recommends for a response whose data is null, with one error.
func failExecution(w http.ResponseWriter, r *http.Request, code, message string) {
	body, _ := json.Marshal(struct {
		Data   *struct{}         `json:"data"`
		Errors []*gqlerror.Error `json:"errors"`
	}{Errors: []*gqlerror.Error{refusal(code, message)}})
	ct := "application/json"
	if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
		ct = "application/graphql-response+json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// errResponseTooLarge is the cause of a request's work stopping for MaxResponseBytes.
var errResponseTooLarge = errors.New("subgraph: the response exceeds max-response-bytes")

type workKey struct{}

// work is one request's answer as it grows: gqlgen builds the whole answer in memory
// before it writes a byte, so the size is counted as each field resolves, a lower
// bound of the JSON it will write (keys and values, not the whitespace-free
// punctuation between them).
type work struct {
	max   int64
	bytes atomic.Int64
	abort context.CancelCauseFunc
}

func (w *work) add(n int64) {
	if w.bytes.Add(n) > w.max {
		w.abort(errResponseTooLarge)
	}
}

// Grow counts n bytes towards the answer of ctx's request, a lower bound of the JSON
// that a resolver's result will be written as (its strings, say): gqlgen builds the
// whole answer in memory before it writes a byte, so a request whose answer grows past
// MaxResponseBytes stops there (its context ends) rather than when it is written. A
// context outside a request with a response cap counts nothing.
func Grow(ctx context.Context, n int) {
	if w, ok := ctx.Value(workKey{}).(*work); ok {
		w.add(int64(n))
	}
}

// AnswerBuffer returns the buffer a query's answer is written into; the generated code
// calls it where gqlgen's declares an empty bytes.Buffer (tools/generate). It has room
// for three times what the request's resolvers counted towards the answer (Grow,
// GrowPage: a lower bound, the answer's texts, about a third of a list's answer beside
// its keys, numbers and punctuation), within the response cap, so that a page of a
// list is written without the buffer doubling a dozen times on the way.
func AnswerBuffer(ctx context.Context) *bytes.Buffer {
	n := int64(minAnswerBuffer)
	if w, ok := ctx.Value(workKey{}).(*work); ok {
		n = max(n, min(3*w.bytes.Load(), w.max))
	}
	return bytes.NewBuffer(make([]byte, 0, n))
}

// minAnswerBuffer is the least room AnswerBuffer makes.
const minAnswerBuffer = 512

// Text names a string field of a resolver's items, for GrowPage.
type Text[T any] struct {
	Field string
	Of    func(T) string
}

// GrowPage counts towards ctx's answer (Grow) what a resolver's items will be written
// as, at least: an object each, and the texts of fields the field being resolved
// selects (Selects, at any depth), each with its key. It reads the selection once per
// page, not each field as it resolves.
func GrowPage[T any](ctx context.Context, items []T, texts ...Text[T]) {
	w, ok := ctx.Value(workKey{}).(*work)
	if !ok || len(items) == 0 {
		return
	}
	n := 2 * len(items) // {}
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		for _, t := range texts {
			if !Selects(fc.Field.Selections, t.Field) {
				continue
			}
			n += len(items) * (len(t.Field) + 5) // "field":"", with a separator
			for _, it := range items {
				n += len(t.Of(it))
			}
		}
	}
	w.add(int64(n))
}

// stopFields is the gqlgen extension that ends a request's work with its context: a
// root field whose request has timed out, gone, or grown past MaxResponseBytes is not
// resolved. Below the root, InOrder stops a list's elements the same way and the
// resolvers that read the store end with the context. It stops at those points and
// not at every field, as a field interceptor would: that sat in the chain of each
// field of each answer, a tenth of the CPU of a list of 100 products
// (BenchmarkList), to stop work that only lists and resolvers make long.
type stopFields struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.RootFieldInterceptor
} = stopFields{}

func (stopFields) ExtensionName() string                   { return "SubgraphStopFields" }
func (stopFields) Validate(graphql.ExecutableSchema) error { return nil }

func (stopFields) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if ctx.Err() != nil {
		return graphql.Null
	}
	return next(ctx)
}

// timeoutWriter buffers a response until serveWithTimeout decides its fate; once the
// deadline has passed it drops what the handler still writes, and it never holds more
// than max bytes: a write past them stops the request's work instead.
type timeoutWriter struct {
	mu       sync.Mutex
	header   http.Header
	buf      bytes.Buffer
	status   int
	wrote    bool
	timedOut bool
	max      int64
	abort    context.CancelCauseFunc
}

func (tw *timeoutWriter) Header() http.Header { return tw.header }

func (tw *timeoutWriter) Write(p []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut {
		return 0, http.ErrHandlerTimeout
	}
	if int64(tw.buf.Len())+int64(len(p)) > tw.max {
		tw.buf = bytes.Buffer{}
		tw.abort(errResponseTooLarge)
		return 0, errResponseTooLarge
	}
	tw.wrote = true
	return tw.buf.Write(p)
}

// Grow makes room for n more bytes of the answer, within the response cap (writeResponse
// knows the answer's size before it writes its first byte).
func (tw *timeoutWriter) Grow(n int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.timedOut && int64(tw.buf.Len())+int64(n) <= tw.max {
		tw.buf.Grow(n)
	}
}

func (tw *timeoutWriter) WriteHeader(status int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut || tw.wrote {
		return
	}
	tw.status = status
	tw.wrote = true
}

// Flush does nothing: the response goes out whole once the handler is done. It lets a
// query asked for as a stream (GraphQL over SSE's transport needs a Flusher) be one,
// held to the request timeout like any other query.
func (tw *timeoutWriter) Flush() {}
