package interop

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/schema"
)

var update = flag.Bool("update", false, "rewrite schema/supergraph.graphql from the composition")

// checkCommittedSupergraph compares a supergraph composed from the running subgraphs with
// the one the repository keeps (schema/supergraph.graphql, which the gateway serves in
// federation mode), their URLs set to each subgraph's default address; -update rewrites
// it.
func checkCommittedSupergraph(t *testing.T, sdl string, subgraphs []subgraph) {
	t.Helper()
	for _, s := range subgraphs {
		sc, ok := schema.Lookup(s.name)
		if !ok {
			t.Fatalf("subgraph %s is not in the table", s.name)
		}
		sdl = strings.ReplaceAll(sdl, `url: "`+s.url+`"`, fmt.Sprintf(`url: "http://127.0.0.1:%d/graphql"`, sc.Port))
	}
	file := filepath.Join("..", "..", "schema", "supergraph.graphql")
	if *update {
		if err := os.WriteFile(file, []byte(sdl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != sdl {
		t.Errorf("%s is not the composition of the subgraphs' schemas: run go test ./internal/interop -run TestComposition -update", file)
	}
}

// TestComposition composes the running subgraphs' `_service { sdl }` and requires a
// supergraph with no composition error and no hint but description ones, routing each
// subgraph to its URL.
func TestComposition(t *testing.T) {
	nodeBin := node(t)
	g := startGraph(t)
	out := filepath.Join(t.TempDir(), "supergraph.graphql")
	rep, code, stderr := compose(t, nodeBin, out, g.subgraphs)
	if rep == nil || code != 0 {
		t.Fatalf("compose.mjs exited %d:\n%s", code, stderr)
	}
	for _, e := range rep.Errors {
		t.Errorf("composition error %s: %s", e.Code, e.Message)
	}
	for _, h := range rep.Hints {
		if h.Code != "INCONSISTENT_DESCRIPTION" {
			t.Errorf("composition hint %s: %s", h.Code, h.Message)
		}
	}
	t.Logf("composed with %d description hints", len(rep.Hints))
	sdl, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range g.subgraphs {
		want := `@join__graph(name: "` + s.name + `", url: "` + s.url + `")`
		if !strings.Contains(string(sdl), want) {
			t.Errorf("supergraph lacks %s", want)
		}
	}
	checkCommittedSupergraph(t, string(sdl), g.subgraphs)
	// Each subgraph's entities (User and Product) are keyed by id in the
	// supergraph: the planner can then fetch any of their fields from the other side.
	for _, want := range []string{
		`type User implements Node` + "\n" + `  @join__implements(graph: PRODUCTS, interface: "Node")`,
		`@join__type(graph: USERS, key: "id")`,
		`@join__type(graph: PRODUCTS, key: "id")`,
	} {
		if !strings.Contains(string(sdl), want) {
			t.Errorf("supergraph lacks %q", want)
		}
	}
}

// fakeSubgraph answers every GraphQL request with sdl as its `_service { sdl }`, or with
// an error when sdl is empty.
func fakeSubgraph(t *testing.T, sdl string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if sdl == "" {
			io.WriteString(w, `{"errors":[{"message":"Cannot query field \"_service\" on type \"Query\"."}]}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"_service": map[string]any{"sdl": sdl}}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/graphql"
}

// TestComposeRefuses checks compose.mjs's verdicts on hand-written Federation v2
// subgraphs (testdata), each case an edit of them: it passes description hints, and
// refuses composition errors, every other hint, and a subgraph without `_service`,
// writing no supergraph file when it refuses.
func TestComposeRefuses(t *testing.T) {
	nodeBin := node(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	usersSDL, productsSDL := read("users.graphql"), read("products.graphql")
	tests := []struct {
		name string
		// edit changes the fixtures; the users SDL "" makes users answer without _service.
		edit       func(users, products string) (string, string)
		wantCode   int
		wantErrors []string // codes
		wantHints  []string // codes, refused or not
	}{
		{
			name:      "description hints pass",
			edit:      func(u, p string) (string, string) { return u, p },
			wantCode:  0,
			wantHints: []string{"INCONSISTENT_DESCRIPTION"},
		},
		{
			name: "a field type that differs compatibly is a refused hint",
			edit: func(u, p string) (string, string) {
				return strings.Replace(u, "  endCursor: String\n", "  endCursor: String!\n", 1), p
			},
			wantCode:  1,
			wantHints: []string{"INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE", "INCONSISTENT_DESCRIPTION"},
		},
		{
			name: "a shared field of another type is an error",
			edit: func(u, p string) (string, string) {
				return u, strings.Replace(p, "  hasNextPage: Boolean!\n", "  hasNextPage: String!\n", 1)
			},
			wantCode:   1,
			wantErrors: []string{"FIELD_TYPE_MISMATCH"},
		},
		{
			name: "a field both resolve without @shareable is an error",
			edit: func(u, p string) (string, string) {
				return u, strings.Replace(p, "type PageInfo @shareable {", "type PageInfo {", 1)
			},
			wantCode:   1,
			wantErrors: []string{"INVALID_FIELD_SHARING"},
		},
		{
			name:     "a subgraph without _service",
			edit:     func(_, p string) (string, string) { return "", p },
			wantCode: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, p := tt.edit(usersSDL, productsSDL)
			out := filepath.Join(t.TempDir(), "supergraph.graphql")
			rep, code, stderr := compose(t, nodeBin, out, []subgraph{{"users", fakeSubgraph(t, u)}, {"products", fakeSubgraph(t, p)}})
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstderr: %s", code, tt.wantCode, stderr)
			}
			_, statErr := os.Stat(out)
			if wrote := statErr == nil; wrote != (code == 0) {
				t.Errorf("supergraph file written: %v, want %v", wrote, code == 0)
			}
			if code == 2 {
				if rep != nil || !strings.Contains(stderr, "no _service") {
					t.Errorf("want no report and the reason on stderr, got report %v, stderr %q", rep, stderr)
				}
				return
			}
			if got := codes(rep.Errors); !slices.Equal(got, tt.wantErrors) {
				t.Errorf("error codes %v, want %v\n%+v", got, tt.wantErrors, rep.Errors)
			}
			if len(tt.wantErrors) == 0 {
				if got := codes(rep.Hints); !slices.Equal(got, tt.wantHints) {
					t.Errorf("hint codes %v, want %v\n%+v", got, tt.wantHints, rep.Hints)
				}
			}
			if (rep.Supergraph != nil) != (len(tt.wantErrors) == 0) {
				t.Errorf("report has a supergraph: %v, want %v", rep.Supergraph != nil, len(tt.wantErrors) == 0)
			}
		})
	}
}

// codes returns the distinct codes of ms, sorted.
func codes(ms []message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Code)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
