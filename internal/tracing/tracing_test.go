package tracing

import (
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestRecords(t *testing.T) {
	if Records(Disabled().Provider) {
		t.Error("Records(Disabled's provider) = true, want false")
	}
	if !Records(sdktrace.NewTracerProvider()) {
		t.Error("Records(an SDK provider) = false, want true")
	}
}

// TestContextOnly checks that the caller's trace context reaches the handler's
// request context, and that a request without one gets none.
func TestContextOnly(t *testing.T) {
	tests := []struct {
		name, traceparent, tracestate string
		wantTrace, wantSpan           string
	}{
		{"none", "", "", "", ""},
		{"the caller's", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "k=v", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"malformed", "00-zz-yy-01", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got trace.SpanContext
			h := ContextOnly(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				got = trace.SpanContextFromContext(r.Context())
			}))
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			if tt.traceparent != "" {
				r.Header.Set("Traceparent", tt.traceparent)
				r.Header.Set("Tracestate", tt.tracestate)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if tt.wantTrace == "" {
				if got.IsValid() {
					t.Errorf("span context %v, want none", got)
				}
				return
			}
			if got.TraceID().String() != tt.wantTrace || got.SpanID().String() != tt.wantSpan || !got.IsRemote() || got.TraceState().Get("k") != "v" {
				t.Errorf("span context %s/%s remote %v state %q, want %s/%s remote, k=v", got.TraceID(), got.SpanID(), got.IsRemote(), got.TraceState(), tt.wantTrace, tt.wantSpan)
			}
		})
	}
}
