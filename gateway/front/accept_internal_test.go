package front

import "testing"

// TestNegotiate checks the answer's media type for an Accept, the common ones (taken
// without parsing) and the others alike.
func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept []string
		want   string
		ok     bool
	}{
		{nil, mediaJSON, true},
		{[]string{"application/json"}, mediaJSON, true},
		{[]string{"application/graphql-response+json"}, mediaGraphQLResponse, true},
		{[]string{"Application/JSON"}, mediaJSON, true},
		{[]string{"application/graphql-response+json, application/json;q=0.9"}, mediaGraphQLResponse, true},
		{[]string{"application/json;q=0.5", "application/graphql-response+json"}, mediaGraphQLResponse, true},
		{[]string{"text/html"}, "", false},
	}
	for _, tt := range tests {
		got, ok := negotiate(tt.accept)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("negotiate(%q) = %q, %v; want %q, %v", tt.accept, got, ok, tt.want, tt.ok)
		}
	}
}

// TestStreamKindOf checks which stream an Accept asks for, whatever the case of its
// media types.
func TestStreamKindOf(t *testing.T) {
	tests := []struct {
		accept []string
		want   streamKind
	}{
		{nil, noStream},
		{[]string{"application/json"}, noStream},
		{[]string{"text/event-stream"}, sseStream},
		{[]string{"application/json", "Text/Event-Stream"}, sseStream},
		{[]string{`multipart/mixed;subscriptionSpec="1.0", application/json`}, multipartStream},
		{[]string{`Multipart/Mixed; subscriptionSpec=1.0`}, multipartStream},
		{[]string{"multipart/mixed"}, noStream},
	}
	for _, tt := range tests {
		if got := streamKindOf(tt.accept); got != tt.want {
			t.Errorf("streamKindOf(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}
