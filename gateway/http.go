package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/nautilus/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/fedgraph/fedgraph/internal/serve"
)

// Handler serves the graph: GraphQL on /graphql and /healthz and /readyz.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/graphql", g.serveGraphQL)
	serve.Health(mux, g.Ready, g.logger)
	return mux
}

// Ready reports whether every subgraph answers a trivial query.
func (g *Gateway) Ready(ctx context.Context) error {
	var errs []error
	for _, q := range g.subgraphs {
		var data map[string]any
		if err := q.Query(ctx, &graphql.QueryInput{Query: "{ __typename }"}, &data); err != nil {
			errs = append(errs, errors.New(q.sg.Name+" does not answer"))
		}
	}
	return errors.Join(errs...)
}

type request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

type response struct {
	Data   map[string]any `json:"data"`
	Errors gqlerror.List  `json:"errors,omitempty"`
}

// maxBody bounds a request body.
const maxBody = 1 << 20

func (g *Gateway) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	var req request
	switch r.Method {
	case http.MethodPost:
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, response{Errors: gqlerror.List{{Message: "body is not a JSON GraphQL request", Extensions: map[string]any{"code": "BAD_REQUEST"}}}})
			return
		}
	case http.MethodGet:
		q := r.URL.Query()
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			if err := json.Unmarshal([]byte(v), &req.Variables); err != nil {
				writeJSON(w, http.StatusBadRequest, response{Errors: gqlerror.List{{Message: "variables is not a JSON object", Extensions: map[string]any{"code": "BAD_REQUEST"}}}})
				return
			}
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, response{Errors: gqlerror.List{{Message: "use GET or POST", Extensions: map[string]any{"code": "METHOD_NOT_ALLOWED"}}}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	data, errs := g.Execute(ctx, req.Query, req.OperationName, req.Variables)
	writeJSON(w, http.StatusOK, response{Data: data, Errors: errs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
