package front_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// TestIntrospectionQueryPassesDefaults checks that the full introspection query GraphiQL and
// code generators send (graphql-js getIntrospectionQuery with every option, in testdata) fits
// every default limit and reaches the executor. What it answers is the gateway's to test.
func TestIntrospectionQueryPassesDefaults(t *testing.T) {
	q, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	exec := &recordingExecutor{}
	srv := newServer(t, front.DefaultConfig(), exec)
	for _, accept := range []string{mediaJSON, mediaGQL} {
		exec.last = nil
		r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, accept, strings.NewReader(queryBody(t, string(q))), nil)
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 0 {
			t.Fatalf("%s: got %d %.300s, want 200 without errors", accept, r.status, r.body)
		}
		if exec.last == nil || exec.last.OperationName != "IntrospectionQuery" || exec.last.Query != string(q) {
			t.Errorf("%s: the executor did not get the introspection query", accept)
		}
	}
}
