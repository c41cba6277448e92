package transport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// MaxSDLBytes bounds the size of a subgraph's SDL.
const MaxSDLBytes = 4 << 20

// SchemaURL is where a subgraph whose GraphQL endpoint is graphqlURL serves its SDL:
// /schema.graphql beside it.
func SchemaURL(graphqlURL string) (string, error) {
	u, err := url.Parse(graphqlURL)
	if err != nil {
		return "", err
	}
	u.Path, u.RawQuery = "/schema.graphql", ""
	return u.String(), nil
}

// SDL fetches the SDL the subgraph serves at its SchemaURL, within the client's
// timeout, through net/http (the control plane's client; see Client). The gateway
// parses SDL with gqlparser: nautilus's own introspection reader rejects directive
// locations current gqlparser declares (docs/architecture.md).
func (c *Client) SDL(ctx context.Context) (string, error) {
	u, err := SchemaURL(c.url)
	if err != nil {
		return "", fmt.Errorf("schema url: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxSDLBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > MaxSDLBytes {
		return "", fmt.Errorf("SDL larger than %d bytes", MaxSDLBytes)
	}
	return string(b), nil
}
