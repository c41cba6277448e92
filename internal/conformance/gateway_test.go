package conformance

import (
	"net/http/httptest"
	"testing"

	"github.com/fedgraph/fedgraph/gateway"
)

// startGateway serves a supergraph file with the gateway in federation mode, in this
// process, with its defaults.
func startGateway(t testing.TB, supergraphFile string) string {
	t.Helper()
	cfg := gateway.DefaultConfig()
	cfg.Supergraph = supergraphFile
	gw, err := gateway.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	h, err := gw.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/graphql"
}

// TestGateway runs every case against the gateway in federation mode: it must answer
// them all as expected.
func TestGateway(t *testing.T) {
	res := Run(t, Gateway{Name: "fedgraph gateway", Start: startGateway})
	t.Logf("the gateway answers %d of %d queries as expected", res.Passed, res.Queries)
}
