package errcode_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// code is one constant of errcode.go: its name, its value and the HTTP status its doc
// comment starts with.
type code struct {
	name, value, status string
}

// declared reads errcode.go's string constants. Each doc comment must start with the
// constant's name and its status in parentheses, which the docs' table repeats.
func declared(t *testing.T) []code {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), "errcode.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var codes []code
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || len(vs.Values) != 1 {
				t.Fatalf("errcode.go: declare one code per line: %v", vs.Names)
			}
			name := vs.Names[0].Name
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Fatalf("errcode.go: %s is not a string literal", name)
			}
			value, _ := strconv.Unquote(lit.Value)
			doc := vs.Doc.Text()
			prefix := name + " ("
			end := strings.Index(doc, ")")
			if !strings.HasPrefix(doc, prefix) || end < 0 {
				t.Errorf("errcode.go: %s's doc comment must start %q, then its status and \")\": %q", name, prefix, doc)
				continue
			}
			codes = append(codes, code{name: name, value: value, status: doc[len(prefix):end]})
		}
	}
	if len(codes) < 40 {
		t.Fatalf("errcode.go declares %d codes; the file changed shape?", len(codes))
	}
	return codes
}

// TestKnown checks that Known takes exactly the declared codes.
func TestKnown(t *testing.T) {
	seen := map[string]string{}
	for _, c := range declared(t) {
		if !errcode.Known(c.value) {
			t.Errorf("Known(%s = %q) is false", c.name, c.value)
		}
		if other, ok := seen[c.value]; ok {
			t.Errorf("%s and %s are both %q", other, c.name, c.value)
		}
		seen[c.value] = c.name
	}
	for _, c := range []string{"", "REDIS_DOWN", "bad_user_input", "INTERNAL", "OFFLINE"} {
		if errcode.Known(c) {
			t.Errorf("Known(%q)", c)
		}
	}
}

// embeddedCode finds a code written inside a literal JSON body.
var embeddedCode = regexp.MustCompile(`"code"\s*:\s*"([A-Z][A-Z0-9_]*)"`)

// TestOneDeclaration checks that no Go file outside this package, tests aside, writes a
// code errcode declares as a string of its own: no constant of another name for it, no
// literal in an error's extensions, no JSON body that spells it; and that no
// extensions map gets a literal code at all, declared or not. A code written twice is
// one that can drift; tests may spell codes out, since they check the wire.
func TestOneDeclaration(t *testing.T) {
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "errcode":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(file, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok && isString(kv.Key, "code") {
				if v, ok := kv.Value.(*ast.BasicLit); ok && v.Kind == token.STRING {
					t.Errorf("%s: \"code\": %s: a client-facing code is one of errcode's constants", rel, v.Value)
				}
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if errcode.Known(s) {
				t.Errorf("%s: %s is errcode's: use the constant", rel, lit.Value)
			}
			for _, m := range embeddedCode.FindAllStringSubmatch(s, -1) {
				if errcode.Known(m[1]) {
					t.Errorf("%s: %q spells errcode's %s: build it from the constant", rel, s, m[1])
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d Go files; is %s the repository's root?", files, root)
	}
}

// isString reports whether e is the string literal s.
func isString(e ast.Expr, s string) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING && lit.Value == strconv.Quote(s)
}

// row is one row of docs/api.md's error table.
type row struct {
	line   int
	status string
}

// docsTable reads the tables of docs/api.md whose header starts "| code |": the code
// in backticks, and the status column.
func docsTable(t *testing.T) map[string]row {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows := map[string]row{}
	inTable, statusCol := false, -1
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !inTable {
			if cells[0] != "code" {
				continue
			}
			inTable, statusCol = true, -1
			for i, c := range cells {
				if c == "status" {
					statusCol = i
				}
			}
			if statusCol < 0 {
				t.Fatalf("docs/api.md:%d: the code table has no status column", n)
			}
			continue
		}
		if strings.Trim(cells[0], "-: ") == "" {
			continue // the header's rule
		}
		c := cells[0]
		if len(c) < 3 || c[0] != '`' || c[len(c)-1] != '`' || strings.Count(c, "`") != 2 {
			t.Errorf("docs/api.md:%d: the first cell must be one code in backticks: %q", n, c)
			continue
		}
		c = c[1 : len(c)-1]
		if prev, ok := rows[c]; ok {
			t.Errorf("docs/api.md:%d: %s is listed already, line %d", n, c, prev.line)
		}
		status := ""
		if statusCol < len(cells) {
			status = cells[statusCol]
		}
		rows[c] = row{line: n, status: status}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDocsTable checks that docs/api.md's error table lists exactly errcode's codes,
// each with the status its doc comment gives.
func TestDocsTable(t *testing.T) {
	rows := docsTable(t)
	codes := declared(t)
	for _, c := range codes {
		r, ok := rows[c.value]
		if !ok {
			t.Errorf("docs/api.md's error table has no `%s` (errcode.%s, %s)", c.value, c.name, c.status)
			continue
		}
		if r.status != c.status {
			t.Errorf("docs/api.md:%d: %s's status is %q; errcode.%s's comment says %q", r.line, c.value, r.status, c.name, c.status)
		}
		delete(rows, c.value)
	}
	for c, r := range rows {
		t.Errorf("docs/api.md:%d: `%s` is not one of errcode's codes", r.line, c)
	}
}
