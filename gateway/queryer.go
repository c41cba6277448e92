package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// maxSubgraphResponse bounds what the gateway reads from one subgraph answer.
const maxSubgraphResponse = 64 << 20

// queryer sends plan steps to one subgraph over its own pooled HTTP client. It does not
// implement nautilus's WithMiddlewares, which mutates a queryer shared by all requests.
type queryer struct {
	sg     Subgraph
	client *http.Client
	logger *slog.Logger
}

func newQueryer(sg Subgraph, timeout time.Duration, logger *slog.Logger) *queryer {
	transport := &http.Transport{
		Proxy:               nil, // subgraphs are reached directly, never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128, // Go's default of 2 dials a socket per request under fan-out
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &queryer{sg: sg, client: &http.Client{Transport: transport, Timeout: timeout}, logger: logger}
}

type subgraphResponse struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Query implements graphql.Queryer.
func (q *queryer) Query(ctx context.Context, input *graphql.QueryInput, receiver any) error {
	body, err := json.Marshal(map[string]any{
		"query":         input.Query,
		"variables":     input.Variables,
		"operationName": input.OperationName,
	})
	if err != nil {
		return q.unavailable(ctx, fmt.Errorf("encode request: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.sg.URL, bytes.NewReader(body))
	if err != nil {
		return q.unavailable(ctx, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := q.client.Do(req)
	if err != nil {
		return q.unavailable(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxSubgraphResponse))
	if err != nil {
		return q.unavailable(ctx, fmt.Errorf("read response: %w", err))
	}
	var out subgraphResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return q.unavailable(ctx, fmt.Errorf("status %d, undecodable body: %w", resp.StatusCode, err))
	}
	if out.Data == nil && len(out.Errors) == 0 {
		return q.unavailable(ctx, fmt.Errorf("status %d with neither data nor errors", resp.StatusCode))
	}
	if err := setReceiver(receiver, out.Data); err != nil {
		return q.unavailable(ctx, err)
	}
	if len(out.Errors) == 0 {
		return nil
	}
	list := make(graphql.ErrorList, len(out.Errors))
	for i, e := range out.Errors {
		list[i] = &graphql.Error{Message: e.Message, Path: e.Path, Extensions: e.Extensions}
	}
	return list
}

// unavailable logs why a subgraph could not answer and returns what a client may see:
// the subgraph's name, never its address or the Go error.
func (q *queryer) unavailable(ctx context.Context, err error) error {
	q.logger.WarnContext(ctx, "subgraph request failed", "subgraph", q.sg.Name, "err", err)
	return graphql.ErrorList{&graphql.Error{
		Message:    fmt.Sprintf("subgraph %s did not answer", q.sg.Name),
		Extensions: map[string]any{"code": "SUBGRAPH_UNAVAILABLE", "subgraph": q.sg.Name},
	}}
}

func setReceiver(receiver any, data map[string]any) error {
	switch r := receiver.(type) {
	case *map[string]any:
		*r = data
		return nil
	default:
		raw, err := json.Marshal(data)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, receiver)
	}
}

// toGQLErrors turns what nautilus returns into client-facing GraphQL errors. Errors a
// subgraph sent keep their message, path and code; gqlparser's keep theirs with code;
// any other error is nautilus's own Go error, logged and shown generically.
func toGQLErrors(ctx context.Context, logger *slog.Logger, err error, code string) gqlerror.List {
	var out gqlerror.List
	var walk func(error)
	walk = func(err error) {
		var list graphql.ErrorList
		var gl gqlerror.List
		var ge *graphql.Error
		var qe *gqlerror.Error
		switch {
		case errors.As(err, &list):
			for _, e := range list {
				walk(e)
			}
		case errors.As(err, &gl):
			for _, e := range gl {
				walk(e)
			}
		case errors.As(err, &ge):
			e := &gqlerror.Error{Message: ge.Message, Extensions: ge.Extensions}
			for _, p := range ge.Path {
				switch v := p.(type) {
				case string:
					e.Path = append(e.Path, ast.PathName(v))
				case float64:
					e.Path = append(e.Path, ast.PathIndex(int(v)))
				}
			}
			out = append(out, withDefaultCode(e, "INTERNAL_SERVER_ERROR"))
		case errors.As(err, &qe):
			c := *qe
			out = append(out, withDefaultCode(&c, code))
		default:
			logger.ErrorContext(ctx, "gateway error", "err", err)
			out = append(out, &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}})
		}
	}
	walk(err)
	return out
}

func withDefaultCode(e *gqlerror.Error, code string) *gqlerror.Error {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	if _, ok := e.Extensions["code"]; !ok {
		e.Extensions["code"] = code
	}
	return e
}
