package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fedgraph/fedgraph/internal/redistest"
)

// TestOneMeaningPerString sends strings whose JSON text has lone UTF-16 surrogate
// escapes, as a variable and as a literal in the query, through the gateway and straight
// to the users subgraph: the name stored is the same either way, and is what
// encoding/json makes of the text (each unpaired surrogate becomes U+FFFD).
func TestOneMeaningPerString(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	id := g.createUser(t, "Ada", "ada@example.com")
	idJSON, _ := json.Marshal(id)

	// stored reads the user's name straight from the subgraph.
	stored := func(t *testing.T) string {
		t.Helper()
		var r struct {
			Data struct{ User struct{ Name string } }
		}
		b := rawBody(t, g.usersURL, `{"query":"query($id: ID!) { user(id: $id) { name } }","variables":{"id":`+string(idJSON)+`}}`)
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("read back: %v: %s", err, b)
		}
		return r.Data.User.Name
	}
	const update = `mutation($id: ID!, $n: String) { updateUser(id: $id, input: {name: $n}) { name } }`
	for _, c := range []struct {
		name string
		text string // the JSON text of the string (quotes included)
	}{
		{"lone high surrogate", `"x\ud800y"`},
		{"lone low surrogate", `"x\udc00y"`},
		{"high surrogate at the end", `"xy\uD800"`},
		{"high surrogate before a letter escape", `"x\ud800\u0041y"`},
		{"two high surrogates then a low", `"x\ud800\ud83d\ude00y"`},
		{"low before high", `"x\ude00\ud83dy"`},
		{"a pair", `"x\ud83d\ude00y"`},
		{"an escaped backslash before u", `"x\\ud800y"`},
	} {
		var want string
		if err := json.Unmarshal([]byte(c.text), &want); err != nil {
			t.Fatal(err)
		}
		variable := `{"query":` + quote(update) + `,"variables":{"id":` + string(idJSON) + `,"n":` + c.text + `}}`
		bodies := map[string]string{
			"variable": variable,
			// The JSON string of the query holds the escape: the document's text has
			// whatever the JSON decoder made of it.
			"literal in the query's JSON": `{"query":"mutation { updateUser(id: ` + strings.ReplaceAll(string(idJSON), `"`, `\"`) +
				`, input: {name: \"` + strings.Trim(c.text, `"`) + `\"}) { name } }"}`,
			// A variable in a batch of one.
			"batched variable": "[" + variable + "]",
		}
		for how, body := range bodies {
			t.Run(c.name+"/"+how, func(t *testing.T) {
				b := rawBody(t, g.usersURL, strings.TrimSuffix(strings.TrimPrefix(body, "["), "]"))
				if bytes.Contains(b, []byte(`"errors"`)) {
					t.Fatalf("straight to users: %s", b)
				}
				direct := stored(t)
				rawBody(t, g.usersURL, `{"query":`+quote(update)+`,"variables":{"id":`+string(idJSON)+`,"n":"reset"}}`)
				b = rawBody(t, g.url, body)
				if bytes.Contains(b, []byte(`"errors"`)) {
					t.Fatalf("through the gateway: %s", b)
				}
				through := stored(t)
				if through != direct || how != "literal in the query's JSON" && through != want {
					t.Errorf("stored %q through the gateway, %q straight to users; encoding/json reads %q", through, direct, want)
				}
			})
		}
	}
}

// TestOneMeaningPerStringInAnswers has the users subgraph answer an owner's name with a
// lone surrogate escape and a byte that is not UTF-8: the client gets U+FFFD for each,
// as encoding/json reads them, never the escape passed on to be read otherwise.
func TestOneMeaningPerStringInAnswers(t *testing.T) {
	g := startGraph(t, redistest.Miniredis)
	ada := g.createUser(t, "Ada", "ada@example.com")
	g.createProduct(t, "Engine", "1", "USD", ada)
	defer g.users.inject(answer(http.StatusOK, "application/json", "{\"data\":{\"_f0\":{\"name\":\"x\\ud800y\\ude00z\xffw\"}}}"))()
	b := rawBody(t, g.url, `{"query":"{ products(first: 1) { edges { node { owner { name } } } } }"}`)
	var r struct {
		Data struct {
			Products struct {
				Edges []struct {
					Node struct{ Owner struct{ Name string } }
				}
			}
		}
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Data.Products.Edges) != 1 {
		t.Fatalf("%s: %v", b, err)
	}
	if got := r.Data.Products.Edges[0].Node.Owner.Name; got != "x\uFFFDy\uFFFDz\uFFFDw" {
		t.Errorf("name %q", got)
	}
	if !utf8.Valid(b) || bytes.Contains(b, []byte(`\ud800`)) || bytes.Contains(b, []byte(`\ude00`)) {
		t.Errorf("the answer passes on what the subgraph sent: %s", b)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// rawBody posts body as it is and returns the answer's body.
func rawBody(t *testing.T, url, body string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
