package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/inflight"
)

// operations shares the executions of identical queries in flight (Config.Dedup): a
// query that comes while the same one is running waits for its answer rather than
// running again. Identical means everything that decides the answer: the graph, the
// document, the operation name, the coerced variables, whether the plan is asked for,
// and the headers that reach the subgraphs, Authorization (the verified token) included.
// The request id and the trace context are not part of it: a shared execution's
// subgraph requests carry the id and the trace of the request that started it.
// Mutations and subscriptions are never shared.
type operations struct {
	group inflight.Group[*front.Result]
	// shared counts the requests answered by another request's execution.
	shared atomic.Int64
}

// execute runs op through run, or waits for the identical execution in flight. Each
// waiter keeps its own context: one that ends returns nil at once (the front answers it
// by its context) while the execution goes on for the others, until the last one leaves
// or the first one's deadline passes.
func (o *operations) execute(ctx context.Context, op *front.Operation, run func(context.Context) *front.Result) *front.Result {
	def := op.Document.Operations.ForName(op.OperationName)
	if def == nil || def.Operation != ast.Query {
		return run(ctx)
	}
	key, ok := operationKey(op)
	if !ok {
		return run(ctx)
	}
	res, shared, err := o.group.Do(ctx, key, run)
	if shared && err == nil {
		o.shared.Add(1)
	}
	if err != nil {
		return &front.Result{} // the front answers a request whose context ended itself
	}
	return res
}

// notShared are forwarded headers that differ per request without changing what the
// subgraphs answer: the trace context, which each subgraph request takes from its own
// span.
func notShared(name string) bool { return name == "Traceparent" || name == "Tracestate" }

// operationKey is op's identity for sharing; false when its variables cannot be written
// as JSON (never, for coerced variables), which is then not shared. Each part is written
// with its length first, so that no two operations write the same key.
func operationKey(op *front.Operation) (string, bool) {
	b := make([]byte, 0, 64+len(op.Query)+len(op.OperationName))
	b = strconv.AppendUint(b, uint64(uintptr(unsafe.Pointer(op.Schema))), 16)
	b = strconv.AppendBool(append(b, 0), op.IncludePlan)
	b = appendPart(append(b, 0), op.OperationName)
	b = appendPart(b, op.Query)
	if len(op.Variables) > 0 {
		// encoding/json writes a map's keys in order: one text per set of values.
		vars, err := json.Marshal(op.Variables)
		if err != nil {
			return "", false
		}
		b = appendPart(b, unsafeString(vars))
	}
	b = appendHeaders(append(b, 0), op.Header)
	return string(b), true
}

// appendPart appends s after its length.
func appendPart(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	return append(append(b, ':'), s...)
}

// appendHeaders appends h's shared headers in name order.
func appendHeaders(b []byte, h http.Header) []byte {
	names := make([]string, 0, len(h))
	for name := range h {
		if !notShared(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		b = appendPart(b, name)
		b = strconv.AppendInt(append(b, '='), int64(len(h[name])), 10)
		for _, v := range h[name] {
			b = appendPart(append(b, ','), v)
		}
	}
	return b
}
