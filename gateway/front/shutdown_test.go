package front_test

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	fedserve "github.com/fedgraph/fedgraph/internal/serve"
)

// streamingExecutor answers queries as staticExecutor and streams one event per
// subscription, then waits for the subscription's end.
type streamingExecutor struct {
	*staticExecutor
	started chan struct{}
}

func (e streamingExecutor) Subscribe(ctx context.Context, op *front.Operation, next func(*front.Result)) *front.Result {
	next(&front.Result{Data: []byte(`{"tick":1}`)})
	close(e.started)
	<-ctx.Done()
	return nil
}

// TestShutdownEndsStreams: a graceful shutdown (serve.Run) ends the streams it would
// otherwise wait for: the subscriber gets complete, and the shutdown finishes within its
// timeout (Run returns no error).
func TestShutdownEndsStreams(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "merged", Input: mergedSDL + "type Subscription { tick: Int! }"})
	if err != nil {
		t.Fatal(err)
	}
	exec := streamingExecutor{staticExecutor: newStaticExecutor(t), started: make(chan struct{})}
	h, err := front.New(front.DefaultConfig(), func() *ast.Schema { return schema }, exec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ran := make(chan error, 1)
	go func() {
		ran <- fedserve.Run(ctx, front.DefaultConfig().HTTPServer(h), ln, slog.New(slog.DiscardHandler))
	}()

	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/graphql", strings.NewReader(`{"query":"subscription { tick }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	// A stream the shutdown leaves open fails the test at the client's timeout.
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-exec.started
	stop() // SIGTERM, as far as Run knows
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "event:") {
			events = append(events, strings.TrimSpace(strings.TrimPrefix(line, "event:")))
		}
	}
	if strings.Join(events, ",") != "next,complete" {
		t.Errorf("events %q, want next then complete", events)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run: %v, want a shutdown that did not wait out its timeout", err)
	}
}
