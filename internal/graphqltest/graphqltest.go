// Package graphqltest is the GraphQL client of the tests: one request over real HTTP
// (Post, PostErr) decoded into one Response type, and subscriptions over GraphQL over
// SSE (Subscribe, Live). Every test that talks to a subgraph or a gateway over HTTP uses
// it, so that the wire format a test checks is decoded one way.
package graphqltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

// Error is one GraphQL error of a Response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a decoded GraphQL response with its HTTP status, headers and raw body.
type Response struct {
	Status int             `json:"-"`
	Header http.Header     `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
	// Extensions is the response's extensions as sent; empty when absent.
	Extensions json.RawMessage `json:"extensions"`
	Raw        string          `json:"-"`
}

// Code is the code of the response's only error, or "" when it has none; a response
// with several errors fails the test.
func (r Response) Code(t testing.TB) string {
	t.Helper()
	switch len(r.Errors) {
	case 0:
		return ""
	case 1:
		code, _ := r.Errors[0].Extensions["code"].(string)
		return code
	}
	t.Fatalf("want at most one error, got %s", r.Raw)
	return ""
}

// Decode unmarshals the response's data into dst, failing the test on any error.
func (r Response) Decode(t testing.TB, dst any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.Raw)
	}
	if err := json.Unmarshal(r.Data, dst); err != nil {
		t.Fatalf("data %s: %v", r.Data, err)
	}
}

// Request is one GraphQL request over HTTP.
type Request struct {
	Query     string
	Variables map[string]any
	// OperationName picks the operation of a document with several; sent only when set.
	OperationName string
	// Header is added to the request.
	Header http.Header
}

// body is the request's JSON body: query and variables (null when there are none), and
// operationName when set.
func (req Request) body() ([]byte, error) {
	m := map[string]any{"query": req.Query, "variables": req.Variables}
	if req.OperationName != "" {
		m["operationName"] = req.OperationName
	}
	return json.Marshal(m)
}

// Timeout bounds every Post: a test that sees a subgraph answer a failure does so in
// a bounded time, or fails.
const Timeout = 20 * time.Second

// Post sends req to the GraphQL endpoint url and decodes the answer, whatever its
// status; a transport error or a body that is not JSON fails the test.
func Post(t testing.TB, url string, req Request) Response {
	t.Helper()
	r, err := PostErr(url, req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// PostErr is Post for goroutines, which must not call t.Fatal.
func PostErr(url string, req Request) (Response, error) {
	return PostContext(context.Background(), url, req)
}

// PostContext is PostErr within ctx, which Timeout bounds further.
func PostContext(ctx context.Context, url string, req Request) (Response, error) {
	body, err := req.body()
	if err != nil {
		return Response{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out); err != nil {
		return Response{}, errors.New("response " + string(raw) + " (status " + resp.Status + "): " + err.Error())
	}
	return out, nil
}

// Headers returns kv as an http.Header, for a Request's Header.
func Headers(kv map[string]string) http.Header {
	h := http.Header{}
	for k, v := range kv {
		h.Set(k, v)
	}
	return h
}
