package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// requestsMetric is the counter each subgraph keeps of the GraphQL requests it answered,
// by operation name and outcome (subgraphs/subgraph/metrics.go). The benchmark reads it
// from the subgraph's own metrics listener before and after each measurement, so that
// subgraph requests per client query are counted by the subgraph, with nothing between
// the gateways and the subgraphs.
const requestsMetric = "fedgraph_subgraph_requests_total"

// notFromGateway is the operation a subgraph answers for another subgraph rather than
// for a gateway: products' owner check on users, when a product is created
// (subgraphs/products/owners.go). It is left out of the count.
const notFromGateway = "OwnerExists"

// subgraphRequests returns the GraphQL requests the subgraph whose /metrics is at
// metricsURL has answered for gateways: requestsMetric summed over every operation but
// notFromGateway, and every outcome.
func subgraphRequests(ctx context.Context, client *http.Client, metricsURL string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("metrics %s: status %d", metricsURL, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("metrics %s: %w", metricsURL, err)
	}
	var n float64
	if f, ok := families[requestsMetric]; ok {
		for _, m := range f.GetMetric() {
			skip := false
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" && l.GetValue() == notFromGateway {
					skip = true
				}
			}
			if !skip {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return int64(n), nil
}
