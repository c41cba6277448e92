package gateway_test

import (
	"encoding/json"
	"net/http"
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
