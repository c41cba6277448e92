package front_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// TestIntrospectionQueryPassesDefaults checks that the full introspection query GraphiQL and
// code generators send (graphql-js getIntrospectionQuery with every option, in testdata) fits
// every default limit and is answered.
func TestIntrospectionQueryPassesDefaults(t *testing.T) {
	q, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, front.DefaultConfig(), newNautilusExecutor(t))
	for _, accept := range []string{mediaJSON, mediaGQL} {
		r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, accept, strings.NewReader(queryBody(t, string(q))), nil)
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 0 {
			t.Fatalf("%s: got %d %.300s, want 200 without errors", accept, r.status, r.body)
		}
		var data struct {
			Schema struct {
				QueryType struct{ Name string }   `json:"queryType"`
				Types     []struct{ Name string } `json:"types"`
			} `json:"__schema"`
		}
		if err := json.Unmarshal(g.Data, &data); err != nil {
			t.Fatal(err)
		}
		if data.Schema.QueryType.Name != "Query" || len(data.Schema.Types) < 5 {
			t.Errorf("%s: got queryType %q and %d types, want Query and the schema's types", accept, data.Schema.QueryType.Name, len(data.Schema.Types))
		}
	}
}
