package playground_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"testing"
)

// maxPackages bounds what `make web` (and so `make run`) installs from npm: GraphiQL and
// React, not the test and benchmark tooling.
const maxPackages = 60

// The npm package that supplies the playground's files, and the test tooling's, from this
// package's directory (go test runs each package in its own).
var (
	playgroundPkg = filepath.Join("..", "..", "tools", "playground")
	toolingPkg    = filepath.Join("..", "..", "tools", "web")
)

type packageJSON struct {
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

type packageLock struct {
	LockfileVersion int `json:"lockfileVersion"`
	Packages        map[string]struct {
		Dependencies map[string]string `json:"dependencies"`
	} `json:"packages"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// installed lists what npm ci installs from lock: every entry of "packages" but the
// root ("").
func installed(lock packageLock) []string {
	var names []string
	for k := range lock.Packages {
		if k != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// TestPlaygroundPackageSize checks that tools/playground's lock file, which `make web`
// installs with npm ci, lists at most maxPackages packages, and that it is in step with
// package.json.
func TestPlaygroundPackageSize(t *testing.T) {
	var pkg packageJSON
	var lock packageLock
	readJSON(t, filepath.Join(playgroundPkg, "package.json"), &pkg)
	readJSON(t, filepath.Join(playgroundPkg, "package-lock.json"), &lock)
	if lock.LockfileVersion < 2 || lock.Packages == nil {
		t.Fatalf("package-lock.json: lockfileVersion %d without a packages map; want npm 7's format or later", lock.LockfileVersion)
	}
	names := installed(lock)
	t.Logf("tools/playground installs %d npm packages", len(names))
	if len(names) > maxPackages {
		t.Errorf("tools/playground/package-lock.json lists %d packages, want at most %d (make run installs them all):\n%q", len(names), maxPackages, names)
	}
	if got, want := lock.Packages[""].Dependencies, pkg.Dependencies; !maps.Equal(got, want) {
		t.Errorf("package-lock.json's root dependencies %v, package.json's %v: run npm install --package-lock-only in tools/playground", got, want)
	}
}

// TestPlaygroundPackageDependencies checks that tools/playground depends on exactly the
// packages build.mjs copies files from, and that the test tooling (tools/web) does not
// list them again.
func TestPlaygroundPackageDependencies(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(playgroundPkg, "build.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var copied []string
	for _, m := range regexp.MustCompile(`pkgDir\('([^']+)'\)`).FindAllStringSubmatch(string(script), -1) {
		if !slices.Contains(copied, m[1]) {
			copied = append(copied, m[1])
		}
	}
	if len(copied) == 0 {
		t.Fatal("build.mjs names no package with pkgDir('NAME')")
	}
	sort.Strings(copied)

	var pkg packageJSON
	readJSON(t, filepath.Join(playgroundPkg, "package.json"), &pkg)
	var deps []string
	for name := range pkg.Dependencies {
		deps = append(deps, name)
	}
	sort.Strings(deps)
	if !slices.Equal(deps, copied) {
		t.Errorf("tools/playground/package.json depends on %q; build.mjs copies from %q: want the same packages", deps, copied)
	}
	if len(pkg.DevDependencies) > 0 {
		t.Errorf("tools/playground/package.json has devDependencies %v; the test tooling belongs in tools/web", pkg.DevDependencies)
	}

	var tooling packageJSON
	readJSON(t, filepath.Join(toolingPkg, "package.json"), &tooling)
	for _, name := range copied {
		if v, ok := tooling.Dependencies[name]; ok {
			t.Errorf("tools/web depends on %s@%s, which is the playground's (tools/playground)", name, v)
		}
		if v, ok := tooling.DevDependencies[name]; ok {
			t.Errorf("tools/web depends on %s@%s, which is the playground's (tools/playground)", name, v)
		}
	}
}
