package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// lookupAnswer is a fault that answers every lookup of a batched request with value (JSON
// text): a node lookup's alias with value, an _entities lookup's alias with a list of
// value, one per representation, or, with whole, with value in place of the list.
func lookupAnswer(value string, whole bool) fault {
	return func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var req struct {
			Variables map[string]json.RawMessage `json:"variables"`
		}
		json.Unmarshal(body, &req)
		data := map[string]json.RawMessage{}
		for name, v := range req.Variables {
			if !strings.HasPrefix(name, "_f") {
				continue
			}
			var reps []json.RawMessage
			if json.Unmarshal(v, &reps) != nil || whole {
				data[name] = json.RawMessage(value)
				continue
			}
			items := make([]string, len(reps))
			for i := range items {
				items[i] = value
			}
			data[name] = json.RawMessage("[" + strings.Join(items, ",") + "]")
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}
}

// TestNonObjectLookup has the users subgraph answer the owner lookups of two products
// with a string, a list, a number or a boolean where an object belongs, in stitch mode
// (node) and federation mode (_entities: an item of the list, or the list itself): each
// owner is null, and one error, naming the subgraph, says why; never a silent null that
// looks like a missing owner.
func TestNonObjectLookup(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []option
	}{{"stitch", nil}, {"federation", []option{withFederation(t)}}} {
		t.Run(mode.name, func(t *testing.T) {
			g := startGraph(t, redistest.Miniredis, mode.opts...)
			seed(t, g)
			const q = `{ products(first: 2) { edges { node { name owner { name } } } } }`
			const want = `[{"message":"subgraph users returned an invalid value for an object it was asked for","path":["products","edges",0,"node","owner"],"extensions":{"code":"INTERNAL_SERVER_ERROR","subgraph":"users"}}]`
			type lookupCase struct {
				name  string
				fault fault
			}
			cases := []lookupCase{
				{"a string", lookupAnswer(`"User:1"`, false)},
				{"a list", lookupAnswer(`[{"name":"x"}]`, false)},
				{"a number", lookupAnswer(`42`, false)},
				{"a boolean", lookupAnswer(`true`, false)},
			}
			if mode.name == "federation" {
				cases = append(cases,
					lookupCase{"a string for the list", lookupAnswer(`"x"`, true)},
					lookupCase{"an object for the list", lookupAnswer(`{"name":"x"}`, true)},
					lookupCase{"a short list", lookupAnswer(`[]`, true)},
					lookupCase{"a long list", lookupAnswer(`[{"name":"x"},{"name":"y"},{"name":"z"}]`, true)},
				)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					defer g.users.inject(c.fault)()
					exact(t, g.post(t, q, nil),
						`{"products":{"edges":[{"node":{"name":"Product 000","owner":null}},{"node":{"name":"Product 001","owner":null}}]}}`, want)
				})
			}
		})
	}
}
