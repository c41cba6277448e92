package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ignoreRule is one line of .dockerignore.
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool // a ! line: admit what earlier lines excluded
}

// loadDockerignore reads .dockerignore with the Docker builder's rules: a line is a
// filepath.Match pattern in which ** also crosses directories, rooted at the context; a
// pattern that matches a directory matches everything under it; the last matching line
// decides, and ! admits again.
func loadDockerignore(t *testing.T, path string) []ignoreRule {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rules []ignoreRule
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r ignoreRule
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			r.negate, line = true, strings.TrimSpace(rest)
		}
		line = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		r.re = regexp.MustCompile("^" + globRegexp(line) + "$")
		rules = append(rules, r)
	}
	return rules
}

// globRegexp translates a .dockerignore pattern into a regular expression.
func globRegexp(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// ignored reports whether the builder leaves path (slash-separated, relative to the
// context) out of the context.
func ignored(rules []ignoreRule, path string) bool {
	var out bool
	for _, r := range rules {
		match := r.re.MatchString(path)
		for dir := path; !match && strings.Contains(dir, "/"); {
			dir = dir[:strings.LastIndex(dir, "/")]
			match = r.re.MatchString(dir)
		}
		if match {
			out = !r.negate
		}
	}
	return out
}

// TestDockerignore checks that the build context holds every file that `go build` of
// an image reads (each package's Go files and embedded files, for every package the
// binaries import from this module) and what the Node stage copies, and that it keeps
// out what must not be sent (the repository, local builds, node_modules).
func TestDockerignore(t *testing.T) {
	root, _ := binaries(t)
	rules := loadDockerignore(t, filepath.Join(root, ".dockerignore"))

	// The matcher itself, on the rules' shapes the file uses.
	for _, tt := range []struct {
		rules []string
		path  string
		want  bool
	}{
		{[]string{"*"}, "a/b.go", true},
		{[]string{"*", "!a/"}, "a/b/c.go", false},
		{[]string{"*", "!a/", "**/*_test.go"}, "a/b/c_test.go", true},
		{[]string{"*", "!a/", "**/testdata/"}, "a/testdata/x", true},
		{[]string{"*", "!a/b.json"}, "a/b.json", false},
		{[]string{"*", "!a/b.json"}, "a/c.json", true},
	} {
		var rs []ignoreRule
		for _, p := range tt.rules {
			negate := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(strings.TrimPrefix(p, "!"))), "/")
			rs = append(rs, ignoreRule{re: regexp.MustCompile("^" + globRegexp(p) + "$"), negate: negate})
		}
		if got := ignored(rs, tt.path); got != tt.want {
			t.Errorf("rules %q: ignored(%q) = %v, want %v", tt.rules, tt.path, got, tt.want)
		}
	}

	args := []string{"list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}|{{join .GoFiles \",\"}}|{{join .EmbedFiles \",\"}}{{end}}{{end}}"}
	for _, c := range append(services(), healthcheck) {
		args = append(args, c.pkg)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var need []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			continue
		}
		rel, err := filepath.Rel(root, parts[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, list := range parts[1:] {
			for _, f := range strings.Split(list, ",") {
				if f == "" {
					continue
				}
				p := filepath.ToSlash(filepath.Join(rel, f))
				// GraphiQL's files come from the Node stage, not from the context.
				if strings.HasPrefix(p, "gateway/playground/dist/") {
					continue
				}
				need = append(need, p)
			}
		}
	}
	if len(need) < 20 {
		t.Fatalf("go list found only %d files the images need: %q", len(need), need)
	}
	need = append(need, "go.mod", "go.sum")
	// What the Dockerfile copies from the context by name.
	for _, s := range loadDockerfile(t).stages {
		for _, in := range s.ins {
			if in.cmd == "copy" && in.flag("from") == "" && in.args[0] != "." {
				need = append(need, in.args[:len(in.args)-1]...)
			}
		}
	}
	for _, p := range need {
		if ignored(rules, p) {
			t.Errorf(".dockerignore leaves out %s, which the image build needs", p)
		}
	}

	for _, p := range []string{
		".git/HEAD", "tools/playground/node_modules/graphiql/package.json", "gateway/playground/dist/graphiql.min.js",
		"tools/web/package.json", "tools/web/package-lock.json", "tools/web/compose.mjs",
		"bin/gateway", "gateway/gateway_test.go", "gateway/testdata/schema.graphql", "deploy/compose_test.go",
		"compose.yaml", "README.md", ".env",
	} {
		if !ignored(rules, p) {
			t.Errorf(".dockerignore sends %s to the builder; no image needs it", p)
		}
	}
}
