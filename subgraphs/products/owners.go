package products

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Limits of UsersClient's calls.
const (
	// UsersTimeout bounds one call to the users subgraph, connecting included.
	UsersTimeout = 5 * time.Second
	// usersMaxIdlePerHost keeps enough warm connections for concurrent mutations; Go's
	// default of 2 dials a new socket for nearly every call under load.
	usersMaxIdlePerHost = 64
	// maxUsersReply bounds what is read of a reply; the one we expect is tiny.
	maxUsersReply = 1 << 20
)

const userExistsQuery = `query($id: ID!){ user(id: $id) { id } }`

// UsersClient asks the users subgraph over GraphQL whether a user exists. It implements
// OwnerChecker and is safe for concurrent use.
type UsersClient struct {
	url    string
	client *http.Client
}

// NewUsersClient returns a UsersClient for the users subgraph's GraphQL endpoint, for
// example http://users:8081/graphql. It has its own connection pool and timeouts.
func NewUsersClient(graphqlURL string) (*UsersClient, error) {
	u, err := url.Parse(graphqlURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("products: users url %q is not an http(s) url", graphqlURL)
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          usersMaxIdlePerHost,
		MaxIdleConnsPerHost:   usersMaxIdlePerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   2 * time.Second,
		ResponseHeaderTimeout: UsersTimeout,
	}
	return &UsersClient{url: graphqlURL, client: &http.Client{Transport: transport, Timeout: UsersTimeout}}, nil
}

// UserExists reports whether the users subgraph knows the user with id.
func (c *UsersClient) UserExists(ctx context.Context, id string) (bool, error) {
	body, err := json.Marshal(map[string]any{"query": userExistsQuery, "variables": map[string]string{"id": id}})
	if err != nil {
		return false, fmt.Errorf("products: check user %q: %w", id, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("products: check user %q: %w", id, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("products: check user %q: %w", id, err)
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxUsersReply)) // lets the connection be reused
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("products: check user %q: users subgraph answered %s", id, resp.Status)
	}
	var reply struct {
		Data *struct {
			User *struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxUsersReply)).Decode(&reply); err != nil {
		return false, fmt.Errorf("products: check user %q: decode reply: %w", id, err)
	}
	if len(reply.Errors) > 0 {
		return false, fmt.Errorf("products: check user %q: users subgraph: %s", id, reply.Errors[0].Message)
	}
	if reply.Data == nil {
		return false, fmt.Errorf("products: check user %q: reply has no data", id)
	}
	if reply.Data.User == nil {
		return false, nil
	}
	if reply.Data.User.ID != id {
		return false, fmt.Errorf("products: check user %q: users subgraph answered user %q", id, reply.Data.User.ID)
	}
	return true, nil
}
