package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// maxSDL bounds the size of a subgraph's SDL.
const maxSDL = 4 << 20

// getSDL fetches the SDL a subgraph serves at /schema.graphql beside its GraphQL URL.
// The gateway parses SDL with gqlparser: nautilus's own introspection reader rejects
// directive locations current gqlparser declares (see DESIGN.md).
func getSDL(ctx context.Context, client *http.Client, sg Subgraph) (string, error) {
	u, err := sg.SchemaURL()
	if err != nil {
		return "", fmt.Errorf("schema url: %w", err)
	}
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
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSDL+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSDL {
		return "", fmt.Errorf("SDL larger than %d bytes", maxSDL)
	}
	return string(b), nil
}
