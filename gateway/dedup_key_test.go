package gateway

import (
	"net/http"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// TestOperationKey: operations that may answer differently never share a key; the
// trace context and the order of a map's entries do not matter.
func TestOperationKey(t *testing.T) {
	schema := &ast.Schema{}
	base := func() *front.Operation {
		return &front.Operation{Schema: schema, Query: "query Q($a: Int) { f(a: $a) }", OperationName: "Q",
			Variables: map[string]any{"a": int64(1), "b": map[string]any{"x": "1", "y": "2"}},
			Header:    http.Header{"Authorization": {"Bearer t1"}, "Traceparent": {"00-a-b-01"}}}
	}
	key := func(change func(*front.Operation)) string {
		op := base()
		if change != nil {
			change(op)
		}
		k, ok := operationKey(op)
		if !ok {
			t.Fatal("no key")
		}
		return k
	}
	same := map[string]func(*front.Operation){
		"another traceparent": func(op *front.Operation) { op.Header.Set("Traceparent", "00-c-d-01") },
		"a tracestate":        func(op *front.Operation) { op.Header.Set("Tracestate", "x=1") },
		"variables built anew": func(op *front.Operation) {
			op.Variables = map[string]any{"b": map[string]any{"y": "2", "x": "1"}, "a": int64(1)}
		},
		"the same schema":        func(op *front.Operation) { op.Schema = schema },
		"the same header values": func(op *front.Operation) { op.Header = op.Header.Clone() },
	}
	for name, change := range same {
		if key(change) != key(nil) {
			t.Errorf("%s: another key", name)
		}
	}
	different := map[string]func(*front.Operation){
		"another token":           func(op *front.Operation) { op.Header.Set("Authorization", "Bearer t2") },
		"no token":                func(op *front.Operation) { op.Header.Del("Authorization") },
		"another header":          func(op *front.Operation) { op.Header.Set("X-Tenant", "a") },
		"a second header value":   func(op *front.Operation) { op.Header.Add("Authorization", "Bearer t1") },
		"another variable value":  func(op *front.Operation) { op.Variables["a"] = int64(2) },
		"a variable left out":     func(op *front.Operation) { delete(op.Variables, "b") },
		"a null variable":         func(op *front.Operation) { op.Variables["c"] = nil },
		"another operation name":  func(op *front.Operation) { op.OperationName = "R" },
		"another document":        func(op *front.Operation) { op.Query += " " },
		"another schema":          func(op *front.Operation) { op.Schema = &ast.Schema{} },
		"the plan asked for":      func(op *front.Operation) { op.IncludePlan = true },
		"name and query run into": func(op *front.Operation) { op.OperationName, op.Query = "Q1", op.Query[1:] },
	}
	for name, change := range different {
		if key(change) == key(nil) {
			t.Errorf("%s: the same key", name)
		}
	}
}
