package front

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// process runs one operation through every check and, when it passes them all, the executor.
func (h *handler) process(ctx context.Context, req rawRequest, get bool, fwd http.Header, plan bool) (response, *failure) {
	op, _, f := h.prepare(req, get, fwd, plan, false)
	if f != nil {
		return response{}, f
	}
	return h.execute(ctx, op)
}

// prepare runs every check on one operation and returns it ready for the executor, with
// its type. stream says the request came on a streaming transport, the only kind a
// subscription may come on.
func (h *handler) prepare(req rawRequest, get bool, fwd http.Header, plan, stream bool) (*Operation, ast.Operation, *failure) {
	fail := func(f *failure) (*Operation, ast.Operation, *failure) { return nil, "", f }
	if req.invalid {
		return fail(newFailure(http.StatusBadRequest, errcode.BadRequest, "A batch element must be a JSON object."))
	}
	p, f := h.params(req)
	if f != nil {
		return fail(f)
	}

	schema := h.schema()
	c := h.check(schema, p.query)
	if c.parseErr != nil {
		return fail(c.parseErr)
	}
	op, opErr := selectOperation(c.doc, p.operationName)
	if get && op != nil && (op.Operation == ast.Mutation || op.Operation == ast.Subscription && !stream) {
		return fail(&failure{
			status: http.StatusMethodNotAllowed, allow: "POST",
			errs: gqlerror.List{codeError(errcode.MethodNotAllowed, fmt.Sprintf("A %s cannot be sent with GET: use POST.", op.Operation))},
		})
	}
	if c.structErr != nil {
		return fail(c.structErr)
	}
	if c.validErr != nil {
		return fail(h.noteMissing(c.validErr))
	}
	if p.register {
		// The query parses and validates: from now on its hash alone is enough.
		h.apq.add(p.hash, p.query)
	}
	if opErr != nil {
		return fail(opErr)
	}
	if op.Operation == ast.Subscription && (!stream || h.subscriber == nil) {
		return fail(h.noSubscriptions())
	}
	if !h.cfg.Introspection && usesIntrospection(op.SelectionSet, map[string]bool{}) {
		return fail(requestError(errcode.IntrospectionDisabled, "Introspection is disabled."))
	}
	vars, f := coerceVariables(schema, op, p.variables)
	if f != nil {
		return fail(f)
	}
	if cost := estimateCost(schema, op, vars, h.cfg.DefaultListSize); cost > int64(h.cfg.MaxCost) {
		return fail(requestError(errcode.CostLimitExceeded,
			fmt.Sprintf("The operation's estimated cost exceeds the limit of %d.", h.cfg.MaxCost)))
	}
	return &Operation{Query: p.query, Document: c.doc, Schema: schema, OperationName: op.Name, Variables: vars, Header: fwd, IncludePlan: plan}, op.Operation, nil
}

// noSubscriptions refuses a subscription that did not come on a streaming transport,
// or any when the executor runs none.
func (h *handler) noSubscriptions() *failure {
	if h.subscriber == nil {
		return requestError(errcode.SubscriptionsNotSupported, "Subscriptions are not supported.")
	}
	return requestError(errcode.SubscriptionsNotSupported,
		`A subscription needs a streaming transport: GraphQL over SSE (Accept: text/event-stream), multipart HTTP (Accept: multipart/mixed;subscriptionSpec="1.0") or a graphql-transport-ws WebSocket.`)
}

// rules returns the validation rules. gqlparser's default rule set is built per call: its
// Rules value is not documented as safe to share between goroutines.
func (h *handler) rules() *rules.Rules {
	return rules.NewDefaultRules()
}

type params struct {
	query         string
	operationName string
	variables     map[string]any
	// hash is the request's persisted query hash; register says the query came with it and
	// is to be stored once it validates.
	hash     string
	register bool
	// listed says the query is a persisted document's (documents.go).
	listed bool
}

// params decodes and type-checks the request parameters, and resolves a persisted query.
func (h *handler) params(req rawRequest) (params, *failure) {
	var p params
	bad := func(msg string) (params, *failure) {
		return params{}, newFailure(http.StatusBadRequest, errcode.BadRequest, msg)
	}
	switch {
	case req.queryText != nil:
		p.query = *req.queryText
	case req.query != nil:
		if req.query[0] != '"' || json.Unmarshal(req.query, &p.query) != nil {
			return bad("The query parameter must be a string.")
		}
	}
	switch {
	case req.operationNameText != nil:
		p.operationName = *req.operationNameText
	case req.operationName != nil:
		if req.operationName[0] != '"' || json.Unmarshal(req.operationName, &p.operationName) != nil {
			return bad("The operationName parameter must be a string.")
		}
	}
	if req.variables != nil {
		if req.variables[0] != '{' {
			return bad("The variables parameter must be an object.")
		}
		if len(req.variables) > h.cfg.MaxVariablesBytes {
			return params{}, variablesTooLarge(h.cfg.MaxVariablesBytes)
		}
		if req.decodedVariables != nil {
			p.variables = req.decodedVariables
		} else {
			dec := json.NewDecoder(bytes.NewReader(req.variables))
			dec.UseNumber()
			if err := dec.Decode(&p.variables); err != nil {
				return bad("The variables parameter must be an object.")
			}
		}
	}
	var ext map[string]json.RawMessage
	if req.extensions != nil {
		if req.extensions[0] != '{' || json.Unmarshal(req.extensions, &ext) != nil {
			return bad("The extensions parameter must be an object.")
		}
	}
	rawPQ, hasPQ := ext["persistedQuery"]
	hasPQ = hasPQ && string(rawPQ) != "null"
	switch {
	case req.documentID != nil:
		if req.query != nil || hasPQ {
			return bad("Send an operation either as documentId or as its query (or persisted query hash), not both.")
		}
		if req.documentIDText == nil || !validDocumentID(*req.documentIDText) {
			return bad(fmt.Sprintf("The documentId parameter must be a string of 1 to %d printable characters.", maxDocumentIDBytes))
		}
		q, ok := h.documents.lookup(*req.documentIDText)
		if !ok {
			return params{}, requestError(errcode.PersistedQueryNotFound, "No persisted document has this documentId.")
		}
		p.query, p.listed = q, true
	case hasPQ:
		if f := h.persisted(&p, req.query != nil, rawPQ); f != nil {
			return params{}, f
		}
	}
	if strings.TrimSpace(p.query) == "" {
		return bad("A query parameter is required.")
	}
	if !p.listed {
		switch h.cfg.PersistedDocumentsMode {
		case DocumentsRequireID:
			return params{}, requestError(errcode.PersistedQueryIDRequired,
				"Only persisted documents run here: send the document's id (documentId, or extensions.persistedQuery.sha256Hash) instead of its text.")
		case DocumentsSafelist:
			if !h.documents.listed(p.query) {
				return params{}, requestError(errcode.PersistedQueryNotInList, "The operation is not in the list of persisted documents.")
			}
			p.listed = true
		}
	}
	return p, nil
}

// persisted applies the automatic persisted queries protocol (see apq.go) to p, whose query
// the client sent when hasQuery.
//
// With a list of persisted documents, a hash alone is looked up in the list first; only
// in the allow mode may it then be an automatic persisted query, and only then is a query
// sent with its hash registered (in the other modes the text must be a listed one anyway).
func (h *handler) persisted(p *params, hasQuery bool, raw json.RawMessage) *failure {
	if h.apq == nil && h.documents == nil {
		return requestError(errcode.PersistedQueryNotSupported, msgPersistedQueryNotSupported)
	}
	pq, f := parsePersistedQuery(raw)
	if f != nil {
		return f
	}
	apq := h.apq
	if h.cfg.PersistedDocumentsMode != DocumentsAllow {
		apq = nil
	}
	if hasQuery {
		if !matchesHash(p.query, pq.hash) {
			return newFailure(http.StatusBadRequest, errcode.PersistedQueryHashMismatch,
				"The persisted query's sha256Hash is not the SHA-256 of the query.")
		}
		p.hash, p.register = pq.hash, apq != nil
		return nil
	}
	if q, ok := h.documents.lookup(pq.hash); ok {
		p.query, p.hash, p.listed = q, pq.hash, true
		return nil
	}
	if apq == nil {
		return requestError(errcode.PersistedQueryNotFound, msgPersistedQueryNotFound)
	}
	q, ok := apq.get(pq.hash)
	if !ok {
		return requestError(errcode.PersistedQueryNotFound, msgPersistedQueryNotFound)
	}
	p.query, p.hash = q, pq.hash
	return nil
}

func variablesTooLarge(limit int) *failure {
	return requestError(errcode.VariablesTooLarge, fmt.Sprintf("The variables are larger than %d bytes.", limit))
}

// parseFailure turns a parser error into one short error.
func (h *handler) parseFailure(err error) *failure {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		return requestError(errcode.ParseFailed, "The query could not be parsed.")
	}
	switch {
	case strings.HasPrefix(ge.Message, "exceeded token limit"):
		return requestError(errcode.TokenLimitExceeded,
			fmt.Sprintf("The query has more than %d tokens.", h.cfg.MaxTokens))
	case strings.HasPrefix(ge.Message, "exceeded maximum nesting depth"):
		return requestError(errcode.MaxDepthExceeded, "The query is nested too deeply.")
	}
	e := codeError(errcode.ParseFailed, "Syntax error: "+truncate(ge.Message))
	e.Locations = ge.Locations
	return &failure{errs: gqlerror.List{e}}
}

// validationFailure reports at most MaxValidationErrors validation errors.
func (h *handler) validationFailure(errs gqlerror.List) *failure {
	n := min(len(errs), h.cfg.MaxValidationErrors)
	out := make(gqlerror.List, 0, n)
	seen := map[string]bool{}
	for _, e := range errs {
		if len(out) == n {
			break
		}
		msg := truncate(e.Message)
		if seen[msg] {
			continue // several rules often report the same problem
		}
		seen[msg] = true
		ce := codeError(errcode.ValidationFailed, msg)
		if len(e.Locations) > 0 {
			ce.Locations = e.Locations[:1]
		}
		out = append(out, ce)
	}
	return &failure{errs: out}
}

// noteMissing adds to validation errors the subgraphs the executor's schema lacks for
// now (see Degraded): a field that is "unknown" is most likely one of theirs. f is
// cached and shared, so it is copied, never changed.
func (h *handler) noteMissing(f *failure) *failure {
	d, ok := h.exec.(Degraded)
	if !ok {
		return f
	}
	missing := d.Missing()
	if len(missing) == 0 {
		return f
	}
	note := fmt.Sprintf(" (subgraph %s is unavailable: its fields are missing from the schema until it answers)", strings.Join(missing, ", "))
	out := &failure{status: f.status, allow: f.allow}
	for _, e := range f.errs {
		c := *e
		c.Message += note
		c.Extensions = map[string]any{"code": e.Extensions["code"], "unavailableSubgraphs": missing}
		out.errs = append(out.errs, &c)
	}
	return out
}

// selectOperation picks the operation to run. It returns a failure (to be reported after
// validation, whose errors are more useful) when none or several match.
func selectOperation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, *failure) {
	if name == "" {
		if len(doc.Operations) == 1 {
			return doc.Operations[0], nil
		}
		if len(doc.Operations) == 0 {
			return nil, requestError(errcode.OperationResolutionFailure, "The document contains no operation.")
		}
		return nil, requestError(errcode.OperationResolutionFailure,
			"The document contains several operations: send an operationName.")
	}
	if op := doc.Operations.ForName(name); op != nil {
		return op, nil
	}
	return nil, requestError(errcode.OperationResolutionFailure,
		fmt.Sprintf("The document contains no operation named %q.", truncate(name)))
}

// execute runs op on the executor in its own goroutine, so that neither a panic nor an
// executor that ignores its context can take the request (or the process) with it.
func (h *handler) execute(ctx context.Context, op *Operation) (response, *failure) {
	if ctx.Err() != nil {
		return response{}, newFailure(http.StatusGatewayTimeout, errcode.RequestTimeout, "The request timed out.")
	}
	resp, f := h.run(ctx, op)
	outcome := OutcomeOK
	switch {
	case f != nil:
		f.executed = true
		outcome = OutcomeError
	case resp.Data == nil:
		outcome = OutcomeError
	case len(resp.Errors) > 0:
		outcome = OutcomePartial
	}
	h.observe(ctx, op.OperationName, outcome)
	return resp, f
}

// run runs the executor: inline when it honours its context, else on a goroutine of its
// own that the front stops waiting for at the deadline.
func (h *handler) run(ctx context.Context, op *Operation) (response, *failure) {
	if _, inline := h.exec.(ContextHonouring); inline {
		return h.executeInline(ctx, op)
	}
	done := make(chan *Result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				h.logger.Error("front: executor panicked", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				done <- nil
			}
		}()
		done <- h.exec.Execute(ctx, op)
	}()
	select {
	case res := <-done:
		return h.result(ctx, res)
	case <-ctx.Done():
		h.logger.Warn("front: executor did not return before the request deadline", slog.String("operation", op.OperationName))
		return response{}, newFailure(http.StatusGatewayTimeout, errcode.RequestTimeout, "The request timed out.")
	}
}

// executeInline runs an executor that honours its context on the request's goroutine: no
// goroutine to start, no stack to grow again for every request.
func (h *handler) executeInline(ctx context.Context, op *Operation) (resp response, f *failure) {
	defer func() {
		if v := recover(); v != nil {
			h.logger.Error("front: executor panicked", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			resp, f = response{}, newFailure(http.StatusInternalServerError, errcode.InternalServerError, "Internal server error.")
		}
	}()
	res := h.exec.Execute(ctx, op)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return response{}, newFailure(http.StatusGatewayTimeout, errcode.RequestTimeout, "The request timed out.")
	}
	return h.result(ctx, res)
}

func (h *handler) result(_ context.Context, res *Result) (response, *failure) {
	if res == nil {
		return response{}, newFailure(http.StatusInternalServerError, errcode.InternalServerError, "Internal server error.")
	}
	return resultResponse(res), nil
}

// resultResponse is an executor's result as the response the front writes.
func resultResponse(res *Result) response {
	return response{HasData: true, Data: res.Data, Errors: res.Errors, Extensions: res.Extensions, result: res}
}
