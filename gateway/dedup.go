package gateway

import (
	"context"
	"slices"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/gateway/transport"
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
// waiter keeps its own context: one whose context ends gets an empty result at once (the
// front answers it by its context) while the execution goes on for the others, until
// the last one leaves or the first one's deadline passes (internal/inflight).
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

// operationKey is op's identity for sharing; false when a variable holds a value of a
// type coerced variables never hold, which is then not shared. Each part is written
// with its length first, so that no two operations write the same key.
func operationKey(op *front.Operation) (string, bool) {
	b := make([]byte, 0, 64+len(op.Query)+len(op.OperationName))
	b = strconv.AppendUint(b, uint64(uintptr(unsafe.Pointer(op.Schema))), 16)
	b = strconv.AppendBool(append(b, 0), op.IncludePlan)
	b = inflight.AppendPart(append(b, 0), op.OperationName)
	b = inflight.AppendPart(b, op.Query)
	if len(op.Variables) > 0 {
		var ok bool
		if b, ok = appendValue(b, op.Variables); !ok {
			return "", false
		}
	}
	b = transport.AppendSharedHeaders(append(b, 0), op.Header)
	return unsafe.String(unsafe.SliceData(b), len(b)), true // b is not written again
}

// appendValue appends v, a coerced variable value (front.Operation.Variables: plain Go
// values only), one text per value: maps in key order, each part after its length or
// type; false for a value of another type.
func appendValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(b, 'n'), true
	case bool:
		return strconv.AppendBool(append(b, 'b'), v), true
	case string:
		return inflight.AppendPart(append(b, 's'), v), true
	case int64:
		return strconv.AppendInt(append(b, 'i'), v, 10), true
	case float64:
		return strconv.AppendFloat(append(b, 'f'), v, 'g', -1, 64), true
	case []any:
		b = strconv.AppendInt(append(b, 'l'), int64(len(v)), 10)
		for _, e := range v {
			var ok bool
			if b, ok = appendValue(append(b, ','), e); !ok {
				return b, false
			}
		}
		return b, true
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = strconv.AppendInt(append(b, 'm'), int64(len(v)), 10)
		for _, k := range keys {
			var ok bool
			if b, ok = appendValue(inflight.AppendPart(append(b, ','), k), v[k]); !ok {
				return b, false
			}
		}
		return b, true
	}
	return b, false
}
