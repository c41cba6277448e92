package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	// hang holds its requests until the test ends, for the timeout case.
	hang := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /nocontent", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("GET /hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hang) })

	// closed is an address that refuses connections: a listener bound, then closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()

	tests := []struct {
		name    string
		args    []string
		wantErr string // empty: success
		wantOut string
	}{
		{name: "200", args: []string{srv.URL + "/ok"}, wantOut: "200 OK"},
		{name: "204", args: []string{srv.URL + "/nocontent"}, wantOut: "204 No Content"},
		{name: "503", args: []string{srv.URL + "/down"}, wantErr: "503 Service Unavailable"},
		{name: "404", args: []string{srv.URL + "/missing"}, wantErr: "404 Not Found"},
		{name: "redirect not followed", args: []string{srv.URL + "/moved"}, wantErr: "302 Found"},
		{name: "timeout", args: []string{"-timeout", "50ms", srv.URL + "/hang"}, wantErr: "deadline exceeded"},
		{name: "connection refused", args: []string{closed}, wantErr: "refused"},
		{name: "no url", args: nil, wantErr: "want exactly one URL"},
		{name: "two urls", args: []string{srv.URL + "/ok", srv.URL + "/ok"}, wantErr: "want exactly one URL"},
		{name: "not http", args: []string{"localhost:4000/healthz"}, wantErr: "want http://host:port/path"},
		{name: "zero timeout", args: []string{"-timeout", "0s", srv.URL + "/ok"}, wantErr: "want more than 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, func(string) string { return "" }, &out)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("run(%q) = %v, want success", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("run(%q) printed %q, want it to contain %q", tt.args, out.String(), tt.wantOut)
			}
		})
	}
}
