package systemtest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's flag tables from the binaries")

// documented are the binaries whose every flag docs/configuration.md lists.
var documented = []string{"gateway", "users", "products", "devgraph"}

// TestConfigurationPage checks that docs/configuration.md lists every flag of every
// binary with its default and its environment variable, as the binary itself says with
// -h: each binary's table sits between <!-- flags NAME --> and <!-- end flags -->.
// -update rewrites the tables.
func TestConfigurationPage(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	next := string(page)
	for _, name := range documented {
		cmd := exec.Command(filepath.Join(bin, name), "-h")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
		out, _ := cmd.CombinedOutput() // -h exits non-zero
		flags := parseUsage(string(out))
		if len(flags) == 0 {
			t.Fatalf("%s -h printed no flags:\n%s", name, out)
		}
		begin, end := "<!-- flags "+name+" -->\n", "<!-- end flags -->"
		i := strings.Index(next, begin)
		if i < 0 {
			t.Fatalf("docs/configuration.md has no %q", strings.TrimSpace(begin))
		}
		j := strings.Index(next[i:], end)
		if j < 0 {
			t.Fatalf("docs/configuration.md: %q is not closed by %q", strings.TrimSpace(begin), end)
		}
		next = next[:i+len(begin)] + table(flags) + next[i+j:]
	}
	if *update {
		if err := os.WriteFile(path, []byte(next), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if next != string(page) {
		want, got := strings.Split(next, "\n"), strings.Split(string(page), "\n")
		for k := range min(len(want), len(got)) {
			if want[k] != got[k] {
				t.Fatalf("docs/configuration.md's flag tables differ from the binaries' flags (go test ./internal/systemtest -run TestConfigurationPage -update rewrites them); first difference, line %d:\n page: %s\n want: %s", k+1, got[k], want[k])
			}
		}
		t.Fatalf("docs/configuration.md's flag tables differ from the binaries' flags in length (go test ./internal/systemtest -run TestConfigurationPage -update rewrites them)")
	}
}

// usageFlag is one flag as flag.PrintDefaults shows it.
type usageFlag struct {
	name, typ, def, usage string
}

var defaultSuffix = regexp.MustCompile(` \(default (.*)\)$`)

// parseUsage reads flag.PrintDefaults's output: "  -name type" lines, each followed by
// its usage lines, indented by four spaces and a tab, the last ending in "(default X)"
// unless the default is the zero value.
func parseUsage(out string) []usageFlag {
	var flags []usageFlag
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "  -"):
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "  -"), " ")
			flags = append(flags, usageFlag{name: name, typ: typ})
		case strings.HasPrefix(line, "    \t") && len(flags) > 0:
			f := &flags[len(flags)-1]
			f.usage = strings.TrimSpace(f.usage + " " + strings.TrimPrefix(line, "    \t"))
		}
	}
	for i := range flags {
		if m := defaultSuffix.FindStringSubmatch(flags[i].usage); m != nil {
			flags[i].def = strings.Trim(m[1], `"`)
			flags[i].usage = strings.TrimSuffix(flags[i].usage, m[0])
			continue
		}
		// PrintDefaults leaves a zero default out.
		switch flags[i].typ {
		case "": // a boolean
			flags[i].def = "false"
		case "int", "int64", "uint", "uint64", "float":
			flags[i].def = "0"
		case "duration":
			flags[i].def = "0s"
		}
	}
	return flags
}

// table renders flags as the page's markdown table.
func table(flags []usageFlag) string {
	var b bytes.Buffer
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, f := range flags {
		def := "empty"
		if f.def != "" {
			def = "`" + cell(f.def) + "`"
		}
		env := strings.ToUpper(strings.ReplaceAll(f.name, "-", "_"))
		fmt.Fprintf(&b, "| `-%s` | `%s` | %s | %s |\n", f.name, env, def, cell(f.usage))
	}
	return b.String()
}
