package subgraph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestWriteResponse checks that writeResponse writes every answer as encoding/json
// does, written as it stands or not.
func TestWriteResponse(t *testing.T) {
	yes := true
	tests := []struct {
		name string
		resp graphql.Response
	}{
		{"data", graphql.Response{Data: json.RawMessage(`{"products":{"edges":[{"node":{"id":"Product:1","name":"a b"}}]}}`)}},
		{"null data", graphql.Response{Data: json.RawMessage(`null`)}},
		{"no data", graphql.Response{}},
		{"data to escape", graphql.Response{Data: json.RawMessage(`{"name":"<b>&amp;</b>"}`)}},
		{"a line separator", graphql.Response{Data: json.RawMessage("{\"name\":\"a\u2028b\"}")}},
		{"a paragraph separator", graphql.Response{Data: json.RawMessage("{\"name\":\"a\u2029b\"}")}},
		{"runes near them, and others", graphql.Response{Data: json.RawMessage("{\"name\":\"\u2027\u202a\u20ac é 日本\"}")}},
		{"errors", graphql.Response{Data: json.RawMessage(`{"a":1}`), Errors: gqlerror.List{{Message: "boom"}}}},
		{"extensions", graphql.Response{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}}},
		{"incremental", graphql.Response{Data: json.RawMessage(`{"a":1}`), Label: "l", HasNext: &yes}},
	}
	for _, tt := range tests {
		want, err := json.Marshal(&tt.resp)
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		writeResponse(&got, &tt.resp)
		if got.String() != string(want) {
			t.Errorf("%s: wrote %s, want %s", tt.name, got.String(), want)
		}
	}
}

// TestResponseType checks the content type of an answer by the request's Accept, as
// gqlgen's POST transport chooses it.
func TestResponseType(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", "application/json"},
		{"*/*", "application/json"},
		{"application/json", "application/json"},
		{"application/graphql-response+json", "application/graphql-response+json"},
		{"application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json"},
		{"text/html, application/json", "application/json"},
		{"text/html", "application/graphql-response+json"},
	}
	for _, tt := range tests {
		if got := responseType(tt.accept); got != tt.want {
			t.Errorf("responseType(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}
