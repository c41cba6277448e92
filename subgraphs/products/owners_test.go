package products

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/subgraphtest"
)

// fakeUsers imitates the users subgraph's answer to UsersClient's query: each id in
// replies names the status and body to send; any other id is an unknown user.
func fakeUsers(t *testing.T, replies map[string]func(w http.ResponseWriter, id string)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/graphql" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("request %s %s %q, want POST /graphql application/json", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var req struct {
			Query     string
			Variables map[string]string
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("request body: %v", err)
		}
		if req.Query != `query OwnerExists($id: ID!){ user(id: $id) { id } }` {
			t.Errorf("query = %q", req.Query)
		}
		id := req.Variables["id"]
		w.Header().Set("Content-Type", "application/json")
		if reply, ok := replies[id]; ok {
			reply(w, id)
			return
		}
		io.WriteString(w, `{"data":{"user":null}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func found(w http.ResponseWriter, id string) {
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"user": map[string]any{"id": id}}})
}

func reply(status int, body string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestUsersClient(t *testing.T) {
	known, unknown, broken, failing, timedOut, internal, other, garbled, empty, overloaded :=
		relay.NewID("User"), relay.NewID("User"), relay.NewID("User"), relay.NewID("User"), relay.NewID("User"),
		relay.NewID("User"), relay.NewID("User"), relay.NewID("User"), relay.NewID("User"), relay.NewID("User")
	srv, _ := fakeUsers(t, map[string]func(http.ResponseWriter, string){
		known:      found,
		broken:     reply(http.StatusInternalServerError, `{"errors":[{"message":"internal error"}]}`),
		failing:    reply(http.StatusOK, `{"errors":[{"message":"the data store did not answer in time","extensions":{"code":"SERVICE_UNAVAILABLE"}}],"data":{"user":null}}`),
		timedOut:   reply(http.StatusGatewayTimeout, `{"errors":[{"message":"The request timed out.","extensions":{"code":"REQUEST_TIMEOUT"}}]}`),
		internal:   reply(http.StatusOK, `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}],"data":{"user":null}}`),
		other:      func(w http.ResponseWriter, _ string) { found(w, relay.NewID("User")) },
		garbled:    reply(http.StatusOK, `<html>`),
		empty:      reply(http.StatusOK, `{}`),
		overloaded: reply(http.StatusServiceUnavailable, `busy`),
	})
	c, err := NewUsersClient(srv.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
		want bool
		// wantErr is in the error's detail (for a subgraph.Error, its cause); wantCode
		// is its code when it is one.
		wantErr, wantCode string
	}{
		{"found", known, true, "", ""},
		{"not found", unknown, false, "", ""},
		{"status 500", broken, false, "500", ""},
		{"users store unavailable", failing, false, "did not answer in time", errcode.ServiceUnavailable},
		{"users timed out", timedOut, false, "504", errcode.ServiceUnavailable},
		{"status 503", overloaded, false, "503", errcode.ServiceUnavailable},
		{"internal error", internal, false, "INTERNAL_SERVER_ERROR", ""},
		{"another user's id", other, false, "answered user", ""},
		{"not json", garbled, false, "decode", ""},
		{"no data", empty, false, "no data", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.UserExists(context.Background(), tt.id)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("UserExists = %v, %v; want %v, nil", got, err, tt.want)
				}
				return
			}
			checkOwnerError(t, got, err, tt.id, tt.wantErr, tt.wantCode)
		})
	}

	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.UserExists(ctx, known); err == nil || !strings.Contains(err.Error(), "context canceled") || code(err) != "" {
			t.Errorf("UserExists with a canceled context = %v (code %q), want context canceled and no code", err, code(err))
		}
	})
}

// TestUsersClientUnreachable checks that a users subgraph that cannot be reached, or
// that accepts connections and never answers, is SERVICE_UNAVAILABLE within the
// client's timeout.
func TestUsersClientUnreachable(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tt := range []struct {
		name, url, wantErr string
	}{
		{"connection refused", closed.URL + "/graphql", "refused"},
		{"never answers", "http://" + subgraphtest.Silent(t) + "/graphql", "Timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewUsersClientTimeout(tt.url, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			id := relay.NewID("User")
			got, err := c.UserExists(context.Background(), id)
			checkOwnerError(t, got, err, id, tt.wantErr, errcode.ServiceUnavailable)
		})
	}
}

func code(err error) string {
	var c subgraph.Coded
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return ""
}

func checkOwnerError(t *testing.T, got bool, err error, id, wantErr, wantCode string) {
	t.Helper()
	if got {
		t.Error("UserExists reported true along with an error")
	}
	if err == nil {
		t.Fatalf("UserExists = %v, nil; want an error", got)
	}
	detail := err.Error()
	var se *subgraph.Error
	if errors.As(err, &se) {
		if se.Err == nil {
			t.Fatalf("coded error %q has no cause to log", err)
		}
		detail = se.Err.Error()
		if se.Message != usersUnavailable {
			t.Errorf("client-facing message %q, want %q", se.Message, usersUnavailable)
		}
	}
	if !strings.Contains(detail, wantErr) {
		t.Errorf("UserExists error %q; want it to contain %q", detail, wantErr)
	}
	if !strings.HasPrefix(detail, "products: check user ") || !strings.Contains(detail, id) {
		t.Errorf("error %q does not name the operation and id", detail)
	}
	if c := code(err); c != wantCode {
		t.Errorf("error code %q, want %q", c, wantCode)
	}
}

func TestNewUsersClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "users:8081/graphql", "ftp://users/graphql", "http://", "http://[::1"} {
		if _, err := NewUsersClient(u); err == nil {
			t.Errorf("NewUsersClient(%q) succeeded, want an error", u)
		}
	}
}

func TestCreateProductAsksTheUsersSubgraph(t *testing.T) {
	known, broken := relay.NewID("User"), relay.NewID("User")
	users, calls := fakeUsers(t, map[string]func(http.ResponseWriter, string){
		known:  found,
		broken: reply(http.StatusBadGateway, "upstream at 10.1.2.3 down"),
	})
	owners, err := NewUsersClient(users.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	r := redistest.New(t)
	h, err := New(config(r.Client, r.Prefix, owners))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, redis: r, url: srv.URL}

	if p := e.create("Lamp", "1", "USD", known); p.Owner == nil || p.Owner.ID != known {
		t.Fatalf("createProduct for a known user = %+v", p)
	}
	for _, c := range []struct {
		owner, wantCode string
	}{
		{relay.NewID("User"), "BAD_USER_INPUT"},
		{broken, "SERVICE_UNAVAILABLE"}, // a 502: the users subgraph is not there
	} {
		before := r.Dump(t)
		resp := e.post(createMutation, map[string]any{"input": map[string]any{
			"name": "Chair", "ownerId": c.owner, "price": map[string]any{"amount": "1", "currencyCode": "USD"},
		}})
		raw := resp.Raw
		if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != c.wantCode {
			t.Errorf("owner %s: want one %s error, got %s", c.owner, c.wantCode, raw)
		}
		// The owner's random id may hold "502" itself: it is left out of the check.
		if masked := strings.ReplaceAll(raw, c.owner, "User:…"); strings.Contains(masked, users.URL) || strings.Contains(masked, "10.1.2.3") || strings.Contains(masked, "502") {
			t.Errorf("response leaks the users subgraph's address or answer: %s", raw)
		}
		if d := subgraphtest.Diff(before, r.Dump(t)); len(d) > 0 {
			t.Errorf("owner %s: redis changed: %v", c.owner, d)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("users subgraph called %d times, want 3", n)
	}
}
