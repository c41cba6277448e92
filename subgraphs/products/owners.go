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

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// Limits of UsersClient's calls.
const (
	// UsersTimeout bounds one call to the users subgraph, connecting included, unless
	// NewUsersClientTimeout is given another. It exceeds the users subgraph's own
	// Redis timeout (subgraph.DefaultRedisTimeout), so that a users Redis that does not
	// answer reaches products as the users subgraph's SERVICE_UNAVAILABLE answer, not
	// as a timeout of its own; either way the client sees SERVICE_UNAVAILABLE.
	UsersTimeout = time.Second
	// usersMaxIdlePerHost keeps enough warm connections for concurrent mutations; Go's
	// default of 2 dials a new socket for nearly every call under load.
	usersMaxIdlePerHost = 64
	// maxUsersReply bounds what is read of a reply; the one we expect is tiny.
	maxUsersReply = 1 << 20
)

// userExistsQuery is named so that the users subgraph's logs and metrics
// (fedgraph_subgraph_requests_total{operation="OwnerExists"}) tell products' owner checks
// from the gateway's requests.
const userExistsQuery = `query OwnerExists($id: ID!){ user(id: $id) { id } }`

// UsersClient asks the users subgraph over GraphQL whether a user exists. It implements
// OwnerChecker and is safe for concurrent use.
//
// When the users subgraph cannot answer, UserExists fails with a SERVICE_UNAVAILABLE
// subgraph.Error, so that the outage keeps its meaning across the hop: users
// unreachable, timed out, answering 502, 503, 504 or 429, or answering with a
// SERVICE_UNAVAILABLE or REQUEST_TIMEOUT error of its own. Anything else unexpected is
// an internal error.
type UsersClient struct {
	url    string
	client *http.Client
}

// usersUnavailable is what a client learns when the users subgraph cannot say whether
// an owner exists: which service, never its address.
const usersUnavailable = "the users subgraph is unavailable"

// NewUsersClient returns a UsersClient for the users subgraph's GraphQL endpoint, for
// example http://users:8081/graphql, whose calls take at most UsersTimeout. It has its
// own connection pool and timeouts.
func NewUsersClient(graphqlURL string) (*UsersClient, error) {
	return NewUsersClientTimeout(graphqlURL, UsersTimeout)
}

// NewUsersClientTimeout is NewUsersClient with calls bounded by timeout (0:
// UsersTimeout), connecting included.
func NewUsersClientTimeout(graphqlURL string, timeout time.Duration) (*UsersClient, error) {
	u, err := url.Parse(graphqlURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("products: users url %q is not an http(s) url", graphqlURL)
	}
	if timeout < 0 {
		return nil, fmt.Errorf("products: users timeout must not be negative, got %s", timeout)
	}
	if timeout == 0 {
		timeout = UsersTimeout
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          usersMaxIdlePerHost,
		MaxIdleConnsPerHost:   usersMaxIdlePerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &UsersClient{url: graphqlURL, client: &http.Client{Transport: transport, Timeout: timeout}}, nil
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
		err = fmt.Errorf("products: check user %q: %w", id, err)
		if ctx.Err() != nil {
			return false, err // the request itself ended: not the users subgraph's doing
		}
		return false, subgraph.Unavailable(usersUnavailable, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxUsersReply)) // lets the connection be reused
		resp.Body.Close()
	}()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return false, subgraph.Unavailable(usersUnavailable, fmt.Errorf("products: check user %q: users subgraph answered %s", id, resp.Status))
	default:
		return false, fmt.Errorf("products: check user %q: users subgraph answered %s", id, resp.Status)
	}
	var reply struct {
		Data *struct {
			User *struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxUsersReply)).Decode(&reply); err != nil {
		err = fmt.Errorf("products: check user %q: decode reply: %w", id, err)
		if ctx.Err() == nil && subgraph.IsUnavailable(err) {
			return false, subgraph.Unavailable(usersUnavailable, err) // cut off or timed out mid-answer
		}
		return false, err
	}
	if len(reply.Errors) > 0 {
		e := reply.Errors[0]
		err := fmt.Errorf("products: check user %q: users subgraph: %s (%s)", id, e.Message, e.Extensions.Code)
		switch e.Extensions.Code {
		case errcode.ServiceUnavailable, errcode.RequestTimeout:
			return false, subgraph.Unavailable(usersUnavailable, err)
		}
		return false, err
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
