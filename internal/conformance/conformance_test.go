package conformance

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/fedtest"
)

// TestCasesWellFormed checks the cases without node: names unique, every subgraph a
// valid schema, every query a document, every expected answer JSON, every subgraph a
// query counts requests of one of the case's.
func TestCasesWellFormed(t *testing.T) {
	cases := map[string]bool{}
	for _, c := range Cases() {
		if cases[c.Name] || c.Name == "" || c.About == "" {
			t.Errorf("case %q: a name and an About, unique, are required", c.Name)
		}
		cases[c.Name] = true
		graphs := map[string]bool{}
		for _, sg := range c.Subgraphs() {
			if graphs[sg.Name] {
				t.Errorf("%s: two subgraphs named %s", c.Name, sg.Name)
			}
			graphs[sg.Name] = true
			if _, err := fedtest.New(sg); err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
		queries := map[string]bool{}
		for _, q := range c.Queries {
			if queries[q.Name] || q.Name == "" {
				t.Errorf("%s: query %q: a name, unique, is required", c.Name, q.Name)
			}
			queries[q.Name] = true
			if _, err := parser.ParseQuery(&ast.Source{Input: q.Query}); err != nil {
				t.Errorf("%s/%s: %v", c.Name, q.Name, err)
			}
			if _, err := canonical([]byte(q.Data)); err != nil {
				t.Errorf("%s/%s: data %v", c.Name, q.Name, err)
			}
			if q.Data == "" && len(q.Errors) == 0 {
				t.Errorf("%s/%s: an answer without data has errors", c.Name, q.Name)
			}
			for name := range q.Requests {
				if !graphs[name] {
					t.Errorf("%s/%s: counts requests of %s, not a subgraph of the case", c.Name, q.Name, name)
				}
			}
		}
	}
	for id := range apolloDifferences() {
		if !knownQuery(id) {
			t.Errorf("Apollo difference %q names no query", id)
		}
	}
}

func knownQuery(id string) bool {
	for _, c := range Cases() {
		for _, q := range c.Queries {
			if c.Name+"/"+q.Name == id {
				return true
			}
		}
	}
	return false
}

func TestCanonical(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"key order kept", `{"b":1,"a":{"d":null,"c":[true,"x"]}}`, `{"b":1,"a":{"d":null,"c":[true,"x"]}}`},
		{"whitespace and escaping do not count", "{ \"s\" : \"<\\u00e9>\" }", `{"s":"<é>"}`},
		{"numbers by value", `[1,2.50,-3e2,1.0]`, `[1,2.5,-300,1]`},
		{"empty containers", `{"a":[],"b":{}}`, `{"a":[],"b":{}}`},
		{"null", `null`, `null`},
		{"nothing", ``, ``},
	}
	for _, tt := range tests {
		got, err := canonical([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("%s: canonical(%s) = %s, %v; want %s", tt.name, tt.in, got, err, tt.want)
		}
	}
	if a, _ := canonical([]byte(`{"a":1,"b":2}`)); a == `{"b":2,"a":1}` {
		t.Errorf("key order lost: %s", a)
	}
	for _, bad := range []string{`{"a":1} {}`, `{"a":`, `[1,]`} {
		if _, err := canonical([]byte(bad)); err == nil {
			t.Errorf("canonical(%q): no error", bad)
		}
	}
}

func TestErrorsMatch(t *testing.T) {
	tests := []struct {
		name      string
		got, want []Error
		match     bool
	}{
		{"none", nil, nil, true},
		{"one more", []Error{{Path: `["a"]`}}, nil, false},
		{"path and code", []Error{{Path: `["a",1]`, Code: "X"}}, []Error{{Path: `[ "a", 1 ]`, Code: "X"}}, true},
		{"any code", []Error{{Path: `["a"]`, Code: "X"}}, []Error{{Path: `["a"]`}}, true},
		{"another code", []Error{{Path: `["a"]`, Code: "Y"}}, []Error{{Path: `["a"]`, Code: "X"}}, false},
		{"another path", []Error{{Path: `["b"]`}}, []Error{{Path: `["a"]`}}, false},
		{"no path", []Error{{Code: errcode.ValidationFailed}}, invalid(), true},
		{
			"in any order, each matched once",
			[]Error{{Path: `["a"]`, Code: "X"}, {Path: `["a"]`}},
			[]Error{{Path: `["a"]`}, {Path: `["a"]`, Code: "X"}},
			true,
		},
		{"one error for two", []Error{{Path: `["a"]`}}, []Error{{Path: `["a"]`}, {Path: `["a"]`}}, false},
	}
	for _, tt := range tests {
		if got := errorsMatch(tt.got, tt.want); got != tt.match {
			t.Errorf("%s: errorsMatch(%+v, %+v) = %v, want %v", tt.name, tt.got, tt.want, got, tt.match)
		}
	}
}
