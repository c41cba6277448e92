package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// askWithHeaders posts query to url with the given headers and returns the raw answer.
func askWithHeaders(t *testing.T, url, query string, hdr map[string]string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s %v", resp.StatusCode, b, err)
	}
	return b
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
	type answer struct {
		Data       json.RawMessage
		Errors     []any
		Extensions map[string]json.RawMessage
	}
	decode := func(b []byte) answer {
		t.Helper()
		var a answer
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return a
	}
	for _, h := range []string{front.HeaderIncludeQueryPlan, front.HeaderApolloExposeQueryPlan} {
		a := decode(askWithHeaders(t, g.url, query, map[string]string{h: "true"}))
		if string(a.Extensions["queryPlan"]) != want || string(a.Data) != `{"products":{"edges":[]}}` || a.Errors != nil {
			t.Errorf("%s: true: data %s, errors %v, plan\n%s\nwant\n%s", h, a.Data, a.Errors, a.Extensions["queryPlan"], want)
		}
	}
	m := decode(askWithHeaders(t, g.url, `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { name } }`, map[string]string{front.HeaderIncludeQueryPlan: "true"}))
	if want := `{"kind":"mutation","groups":[[{"subgraph":"users","query":"mutation {\n createUser(input: {name:\"Ada\",email:\"ada@example.com\"}) {\n  name\n }\n}\n"}]]}`; string(m.Extensions["queryPlan"]) != want {
		t.Errorf("a mutation's plan\n%s\nwant\n%s", m.Extensions["queryPlan"], want)
	}
	for _, hdr := range []map[string]string{nil, {front.HeaderIncludeQueryPlan: "false"}} {
		if b := askWithHeaders(t, g.url, query, hdr); bytes.Contains(b, []byte(`"extensions"`)) {
			t.Errorf("headers %v: %s, want no extensions", hdr, b)
		}
	}
	off := startGraph(t, redistest.Miniredis)
	if b := askWithHeaders(t, off.url, query, map[string]string{front.HeaderIncludeQueryPlan: "true"}); bytes.Contains(b, []byte(`"extensions"`)) {
		t.Errorf("without -expose-query-plan: %s, want no extensions", b)
	}
}
