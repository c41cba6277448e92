package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// planOf is the queryPlan entry of an answer's extensions, failing the test unless the
// answer came with status 200.
func planOf(t *testing.T, r graphqltest.Response) string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %+v", r.Status, r)
	}
	var ext map[string]json.RawMessage
	if len(r.Extensions) > 0 {
		if err := json.Unmarshal(r.Extensions, &ext); err != nil {
			t.Fatalf("extensions %s: %v", r.Extensions, err)
		}
	}
	return string(ext["queryPlan"])
}

// TestQueryPlan: with -expose-query-plan, a request that asks (our header or Apollo
// Router's) gets its plan in extensions.queryPlan beside its data: the root step's
// document as sent and the dependent step's path and fragment; a request that does not
// ask, or a gateway without the flag, answers no extensions.
func TestQueryPlan(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Front.ExposeQueryPlan = true })
	query := `{ products(first: 2) { edges { node { name owner { name } } } } }`
	want := `{"kind":"query","groups":[[{"subgraph":"products",` +
		`"query":"query {\n products(first: 2) {\n  edges {\n   node {\n    name\n    owner {\n     _fid: id\n    }\n   }\n  }\n }\n}\n",` +
		`"then":[{"subgraph":"users","path":["products","edges","node","owner"],"lookup":"node","fragment":"fragment _fS1 on User {\n name\n}\n"}]}]]}`
	for _, h := range []string{front.HeaderIncludeQueryPlan, front.HeaderApolloExposeQueryPlan} {
		r := postHeaders(t, g.url, query, map[string]string{h: "true"})
		if plan := planOf(t, r); plan != want || string(r.Data) != `{"products":{"edges":[]}}` || r.Errors != nil {
			t.Errorf("%s: true: data %s, errors %v, plan\n%s\nwant\n%s", h, r.Data, r.Errors, plan, want)
		}
	}
	m := postHeaders(t, g.url, `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { name } }`, map[string]string{front.HeaderIncludeQueryPlan: "true"})
	if want := `{"kind":"mutation","groups":[[{"subgraph":"users","query":"mutation {\n createUser(input: {name:\"Ada\",email:\"ada@example.com\"}) {\n  name\n }\n}\n"}]]}`; planOf(t, m) != want {
		t.Errorf("a mutation's plan\n%s\nwant\n%s", planOf(t, m), want)
	}
	for _, hdr := range []map[string]string{nil, {front.HeaderIncludeQueryPlan: "false"}} {
		if r := postHeaders(t, g.url, query, hdr); r.Status != http.StatusOK || len(r.Extensions) > 0 {
			t.Errorf("headers %v: %d, extensions %s; want 200 and none", hdr, r.Status, r.Extensions)
		}
	}
	off := startGraph(t, redistest.Miniredis)
	if r := postHeaders(t, off.url, query, map[string]string{front.HeaderIncludeQueryPlan: "true"}); r.Status != http.StatusOK || len(r.Extensions) > 0 {
		t.Errorf("without -expose-query-plan: %d, extensions %s; want 200 and none", r.Status, r.Extensions)
	}
}

// TestPlanReadsClientIDs: where the client selects an object's own id, unaliased and
// unconditional, the lookups below it read their ids from it and the planner adds no
// second `_fid: id`; where it is skipped or another field is aliased id, the planner's
// stays (a plan is made for the request's conditions: an @include that holds is no
// condition). Each answer is right either way.
func TestPlanReadsClientIDs(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, func(c *gateway.Config) { c.Front.ExposeQueryPlan = true })
	ada := g.createUser(t, "Ada", "ada@example.com")
	g.createProduct(t, "Engine", "1", "USD", ada)
	tests := []struct {
		name, query, owner, data string
		vars                     map[string]any
	}{
		{"the client's id", `{ products(first: 1) { edges { node { owner { id name } } } } }`,
			`owner {\n     id\n    }`, `{"products":{"edges":[{"node":{"owner":{"id":"` + ada + `","name":"Ada"}}}]}}`, nil},
		{"a conditional id", `query($x: Boolean!) { products(first: 1) { edges { node { owner { id @include(if: $x) name } } } } }`,
			`owner {\n     _fid: id\n    }`, `{"products":{"edges":[{"node":{"owner":{"name":"Ada"}}}]}}`, map[string]any{"x": false}},
		{"a condition that holds", `query($x: Boolean!) { products(first: 1) { edges { node { owner { id @include(if: $x) name } } } } }`,
			`owner {\n     id\n    }`, `{"products":{"edges":[{"node":{"owner":{"id":"` + ada + `","name":"Ada"}}}]}}`, map[string]any{"x": true}},
		{"another field aliased id", `{ products(first: 1) { edges { node { owner { id: name } } } } }`,
			`owner {\n     _fid: id\n    }`, `{"products":{"edges":[{"node":{"owner":{"id":"Ada"}}}]}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := graphqltest.Post(t, g.url, graphqltest.Request{Query: tt.query, Variables: tt.vars,
				Header: graphqltest.Headers(map[string]string{front.HeaderIncludeQueryPlan: "true"})})
			var plan struct {
				Groups [][]struct{ Query string }
			}
			if err := json.Unmarshal([]byte(planOf(t, r)), &plan); err != nil || len(plan.Groups) != 1 || len(plan.Groups[0]) != 1 {
				t.Fatalf("plan %s: %v", planOf(t, r), err)
			}
			if q := plan.Groups[0][0].Query; !strings.Contains(q, strings.ReplaceAll(tt.owner, `\n`, "\n")) {
				t.Errorf("products query\n%s\nwant it to select\n%s", q, strings.ReplaceAll(tt.owner, `\n`, "\n"))
			}
			if string(r.Data) != tt.data || r.Errors != nil {
				t.Errorf("data %s, errors %v; want %s", r.Data, r.Errors, tt.data)
			}
		})
	}
}
