package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// lines is an io.Writer that hands each line written to it to a channel.
type lines struct {
	w  *io.PipeWriter
	ch chan string
}

func newLines() *lines {
	r, w := io.Pipe()
	l := &lines{w: w, ch: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
		close(l.ch)
	}()
	return l
}

func (l *lines) Write(b []byte) (int, error) { return l.w.Write(b) }

// next returns the next line that contains s.
func (l *lines) next(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-l.ch:
			if !ok {
				t.Fatalf("output ended before a line with %q", s)
			}
			if strings.Contains(line, s) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line with %q within 30s", s)
		}
	}
}

// TestListensBeforeSubgraphs starts the gateway with a subgraph that does not serve its
// schema until the test lets it, and a -startup-timeout longer than the test: the
// gateway has printed its address and /healthz answers 200 while it waits; a GraphQL
// request sent meanwhile waits, and is answered once the subgraph answers. Under a gateway that listens only after the subgraphs answer, the address
// is never printed before the subgraph is let go.
func TestListensBeforeSubgraphs(t *testing.T) {
	release := make(chan struct{})
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/schema.graphql" {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, "type Query { hello: String }\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":{"hello":"world"}}`)
	}))
	defer sub.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := newLines()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen-addr", "127.0.0.1:0", "-subgraph", "hello=" + sub.URL + "/graphql",
			"-startup-timeout", "1h", "-log-level", "error"}, func(string) string { return "" }, out)
	}()
	line := out.next(t, "gateway on http://")
	base := strings.TrimSuffix(strings.TrimPrefix(line, "gateway on "), "/graphql")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz while the subgraph has not answered: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz while the subgraph has not answered = %d, want 200", resp.StatusCode)
	}
	// The request is on the wire before the subgraph answers.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const query = `{"query":"{ hello }"}`
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(query), query)
	close(release)
	answer, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request sent while the gateway started: %v", err)
	}
	body, _ := io.ReadAll(answer.Body)
	answer.Body.Close()
	var got struct{ Data struct{ Hello string } }
	if json.Unmarshal(body, &got); answer.StatusCode != http.StatusOK || got.Data.Hello != "world" {
		t.Errorf("the request sent while the gateway started: %d %s, want hello: world", answer.StatusCode, body)
	}
	resp, err = http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz once the subgraph answered = %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after the context ended: %v, want nil", err)
	}
}

// TestBadGatewayConfigBeforeListening checks that a setting only the gateway's Config
// judges is refused before the gateway listens.
func TestBadGatewayConfigBeforeListening(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-listen-addr", "127.0.0.1:0", "-subgraph", "users=http://127.0.0.1:1/graphql",
		"-subgraph-timeout", "nosuch=1s"}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), `subgraph timeout for "nosuch": no such subgraph`) {
		t.Errorf("run = %v, want the unknown subgraph refused", err)
	}
	if strings.Contains(out.String(), " on http://") {
		t.Errorf("it listened before refusing: %s", out.String())
	}
}
