package front_test

import (
	"testing"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// TestGraphQLOverHTTPAudit runs graphql-http's server audit against the front over the
// static test executor; every MUST and SHOULD audit has to pass. The gateway package runs
// the same audit against the whole graph.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	srv := newServer(t, front.DefaultConfig(), newStaticExecutor(t))
	webtest.Audit(t, srv.URL+"/graphql")
}
