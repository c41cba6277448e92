package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// maxSDL bounds the size of a subgraph's SDL.
const maxSDL = 4 << 20

// fetchSchema gets a subgraph's SDL and parses it with gqlparser, retrying until ctx
// ends so the gateway can start before its subgraphs. nautilus's own introspection
// reader rejects directive locations current gqlparser declares (see DESIGN.md).
func fetchSchema(ctx context.Context, client *http.Client, sg Subgraph) (*ast.Schema, error) {
	u, err := sg.SchemaURL()
	if err != nil {
		return nil, fmt.Errorf("subgraph %s: schema url: %w", sg.Name, err)
	}
	backoff := 50 * time.Millisecond
	for {
		sdl, err := getSDL(ctx, client, u)
		if err == nil {
			s, gerr := gqlparser.LoadSchema(&ast.Source{Name: sg.Name + ".graphql", Input: sdl})
			if gerr != nil {
				return nil, fmt.Errorf("subgraph %s: parse SDL: %w", sg.Name, gerr)
			}
			return s, nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("subgraph %s: get SDL from %s: %w (gave up: %w)", sg.Name, u, err, ctx.Err())
		case <-t.C:
		}
		backoff = min(backoff*2, time.Second)
	}
}

func getSDL(ctx context.Context, client *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSDL))
	return string(b), err
}
