package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/auth/issuer"
)

// rawPost posts body as it is, with an optional Authorization header, and returns the
// status and the answer's body.
func rawPost(t *testing.T, url, body, authorization string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestOneMeaningPerStringAcrossProcesses sends a name with a lone surrogate escape
// through the gateway binary and straight to the users binary: both store what
// encoding/json reads, x U+FFFD y, never the escape's text.
func TestOneMeaningPerStringAcrossProcesses(t *testing.T) {
	s := startSystem(t)
	id := s.createUser(t, "Ada Lovelace")
	idJSON, _ := json.Marshal(id)
	const update = `mutation($id: ID!, $n: String) { updateUser(id: $id, input: {name: $n}) { name } }`
	body := `{"query":"` + update + `","variables":{"id":` + string(idJSON) + `,"n":"x\ud800y"}}`
	name := func() string {
		var d struct{ User struct{ Name string } }
		must(t, s.users.url(), `query($id: ID!) { user(id: $id) { name } }`, map[string]any{"id": id}, &d)
		return d.User.Name
	}
	for _, p := range []*process{s.gateway, s.users} {
		if st, b := rawPost(t, p.url(), body, ""); st != http.StatusOK || bytes.Contains(b, []byte(`"errors"`)) {
			t.Fatalf("%s: %d %s", p.url(), st, b)
		}
		if got := name(); got != "x\uFFFDy" {
			t.Errorf("through %s: stored %q, want %q", p.url(), got, "x\uFFFDy")
		}
		must(t, s.users.url(), update, map[string]any{"id": id, "n": "reset"}, nil)
	}
}

// TestCritTokenAcrossProcesses runs the three binaries with authentication on, from one
// JWK Set file: an admin token signed by the trusted key but with a crit header naming
// an extension is refused with 401 UNAUTHENTICATED by the gateway and by the subgraph
// it is sent to around the gateway, and its delete does not happen.
func TestCritTokenAcrossProcesses(t *testing.T) {
	iss, err := issuer.New("https://issuer.test", "fedgraph")
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := iss.JWKS()
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	authArgs := []string{"-jwks-file", file, "-jwt-issuer", iss.Issuer, "-jwt-audience", iss.Audience}
	s := &system{usersRedis: startRedis(t), productsRedis: startRedis(t)}
	s.users = startProcess(t, "users", 0, append([]string{"-redis-url", s.usersRedis.url(), "-cursor-secret", "system-test"}, authArgs...)...)
	s.products = startProcess(t, "products", 0, append(s.productsArgs(), authArgs...)...)
	s.startGateway(t, authArgs...)

	admin := func(header map[string]any) map[string]string {
		return map[string]string{"Authorization": "Bearer " + iss.Token(issuer.Claims{Subject: "User:admin", Scopes: []string{"admin"}, Header: header})}
	}
	r, err := post(s.gateway.url(), `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Ada", "email": "ada@example.com"}}, admin(nil))
	var made struct{ CreateUser struct{ ID string } }
	if err != nil || len(r.Errors) > 0 || json.Unmarshal(r.Data, &made) != nil || made.CreateUser.ID == "" {
		t.Fatalf("create with a good admin token: %v %+v %s", err, r.Errors, r.Data)
	}
	crit := admin(map[string]any{"crit": []string{"x-must-understand"}, "x-must-understand": true})
	for _, p := range []*process{s.gateway, s.users} {
		r, err := post(p.url(), `mutation($id: ID!) { deleteUser(id: $id) }`, map[string]any{"id": made.CreateUser.ID}, crit)
		if err != nil || r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Errorf("%s: a delete with a crit header: %v %d %+v", p.url(), err, r.Status, r.Errors)
		}
	}
	var d struct{ User *struct{ ID string } }
	must(t, s.users.url(), `query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": made.CreateUser.ID}, &d)
	if d.User == nil {
		t.Error("the user was deleted by a token with a crit header")
	}
}
