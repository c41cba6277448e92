package errcode_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// TestEveryDeclaredCodeIsKnown reads the files that still declare codes of their own:
// each Code… string constant there is one errcode knows, so that a code added there and
// not here is caught (the gateway would hide its subgraph messages).
func TestEveryDeclaredCodeIsKnown(t *testing.T) {
	files := []string{
		"gateway/front/response.go",
		"gateway/authz.go",
		"subgraphs/subgraph/errors.go",
		"subgraphs/subgraph/auth.go",
	}
	found := 0
	for _, f := range files {
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				code, _ := strconv.Unquote(lit.Value)
				found++
				if !errcode.Known(code) {
					t.Errorf("%s: %s = %q is not in errcode", f, name.Name, code)
				}
			}
			return true
		})
	}
	if found < 50 {
		t.Errorf("found %d codes; the files moved?", found)
	}
	for _, c := range []string{"", "REDIS_DOWN", "bad_user_input", "INTERNAL"} {
		if errcode.Known(c) {
			t.Errorf("Known(%q)", c)
		}
	}
}
