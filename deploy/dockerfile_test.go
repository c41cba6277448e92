package deploy

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// instruction is one Dockerfile instruction, as BuildKit's parser reads it.
type instruction struct {
	cmd   string   // lower case: from, run, copy, …
	flags []string // --from=web, --mount=…
	args  []string
	json  bool // exec form (["a", "b"])
}

// flag returns the value of --name=value, or "".
func (in instruction) flag(name string) string {
	for _, f := range in.flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// stage is one FROM and what follows it.
type stage struct {
	name string // after AS; empty for an unnamed stage
	base string // the image or stage it starts from, variables unexpanded
	ins  []instruction
}

// dockerfile is a parsed Dockerfile.
type dockerfile struct {
	args   map[string]string // global ARGs (before the first FROM) and their defaults
	stages []*stage
}

// loadDockerfile parses the module's Dockerfile with BuildKit's parser.
func loadDockerfile(t *testing.T) *dockerfile {
	t.Helper()
	root, _ := binaries(t)
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	d := &dockerfile{args: map[string]string{}}
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"]}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		switch {
		case in.cmd == "from":
			s := &stage{base: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				s.name = in.args[2]
			}
			d.stages = append(d.stages, s)
		case len(d.stages) == 0 && in.cmd == "arg":
			name, def, _ := strings.Cut(in.args[0], "=")
			d.args[name] = def
		case len(d.stages) == 0:
			t.Errorf("Dockerfile: %s before the first FROM", in.cmd)
		default:
			s := d.stages[len(d.stages)-1]
			s.ins = append(s.ins, in)
		}
	}
	return d
}

// stage returns the stage called name, or nil.
func (d *dockerfile) stage(name string) *stage {
	for _, s := range d.stages {
		if s.name != "" && s.name == name {
			return s
		}
	}
	return nil
}

// expand replaces $NAME and ${NAME} in s with the global ARGs, overridden by args, as
// BuildKit does in FROM.
func (d *dockerfile) expand(s string, args map[string]string) string {
	return os.Expand(s, func(name string) string {
		if v, ok := args[name]; ok {
			return v
		}
		return d.args[name]
	})
}

// image is what one build of the Dockerfile produces: its last stage with everything
// inherited from the stages it starts from.
type image struct {
	base       string // the image the chain of stages starts from
	user       string
	expose     []string
	entrypoint []string
	health     []string          // HEALTHCHECK's CMD, exec form
	files      map[string]source // destination path → where COPY --from took it
	env        map[string]string // what ENV sets
}

// source is a file copied from another stage.
type source struct {
	stage *stage
	path  string
	chown string // COPY's --chown, "" for root
}

// image resolves the image that building with args yields.
func (d *dockerfile) image(t *testing.T, args map[string]string) *image {
	t.Helper()
	last := d.stages[len(d.stages)-1]
	chain := d.chain(t, last, args)
	img := &image{base: d.expand(chain[0].base, args), files: map[string]source{}}
	for _, s := range chain {
		img.env = d.env(s, img.env)
		for _, in := range s.ins {
			switch in.cmd {
			case "user":
				img.user = in.args[0]
			case "expose":
				img.expose = append(img.expose, in.args...)
			case "entrypoint":
				if !in.json {
					t.Errorf("stage %q: ENTRYPOINT in shell form needs a shell the image does not have", s.name)
				}
				img.entrypoint = in.args
			case "healthcheck":
				if !in.json || len(in.args) < 2 || in.args[0] != "CMD" {
					t.Errorf("stage %q: HEALTHCHECK %q: want CMD in exec form", s.name, in.args)
					continue
				}
				img.health = in.args[1:]
			case "copy":
				from := d.stage(d.expand(in.flag("from"), args))
				if from == nil || len(in.args) != 2 {
					continue
				}
				img.files[in.args[1]] = source{stage: from, path: in.args[0], chown: in.flag("chown")}
			}
		}
	}
	return img
}

// chain returns the stages that s starts from, the first one starting from an image,
// and s last.
func (d *dockerfile) chain(t *testing.T, s *stage, args map[string]string) []*stage {
	t.Helper()
	var chain []*stage
	for seen := 0; s != nil; seen++ {
		if seen > len(d.stages) {
			t.Fatal("Dockerfile: stages start from each other in a cycle")
		}
		chain = append([]*stage{s}, chain...)
		base := d.expand(s.base, args)
		if base == "" {
			t.Fatalf("Dockerfile: FROM %s is empty with %v", s.base, args)
		}
		s = d.stage(base)
	}
	return chain
}

// env is the environment ENV instructions give in s, on top of inherited.
func (d *dockerfile) env(s *stage, inherited map[string]string) map[string]string {
	env := map[string]string{}
	for k, v := range inherited {
		env[k] = v
	}
	for _, in := range s.ins {
		if in.cmd != "env" {
			continue
		}
		// The parser gives each pair as name, value, "=".
		for i := 0; i+1 < len(in.args); i += 3 {
			env[in.args[i]] = in.args[i+1]
		}
	}
	return env
}

// needs returns the names of every stage that building s needs: those it starts from
// and those it copies from, transitively.
func (d *dockerfile) needs(t *testing.T, s *stage, args map[string]string) map[string]bool {
	t.Helper()
	need := map[string]bool{}
	var walk func(s *stage)
	walk = func(s *stage) {
		if need[s.name] {
			return
		}
		need[s.name] = true
		if b := d.stage(d.expand(s.base, args)); b != nil {
			walk(b)
		}
		for _, in := range s.ins {
			if from := d.stage(d.expand(in.flag("from"), args)); from != nil {
				walk(from)
			}
		}
	}
	walk(s)
	delete(need, "")
	return need
}

// goBuild is a `go build` that a stage runs.
type goBuild struct {
	out, pkg string
	trimpath bool
	static   bool // CGO_ENABLED=0 in the stage's environment or on the command line
}

// goBuilds returns every `go build` that stage runs, with the environment its chain gives.
func (d *dockerfile) goBuilds(t *testing.T, s *stage) []goBuild {
	t.Helper()
	var env map[string]string
	for _, c := range d.chain(t, s, nil) {
		env = d.env(c, env)
	}
	var builds []goBuild
	for _, in := range s.ins {
		if in.cmd != "run" {
			continue
		}
		line := strings.Join(in.args, " ")
		_, after, ok := strings.Cut(line, "go build")
		if !ok {
			continue
		}
		f := strings.Fields(after)
		b := goBuild{
			pkg:      f[len(f)-1],
			trimpath: slices.Contains(f, "-trimpath"),
			static:   env["CGO_ENABLED"] == "0" || strings.Contains(line, "CGO_ENABLED=0 "),
		}
		if i := slices.Index(f, "-o"); i >= 0 && i+1 < len(f) {
			b.out = f[i+1]
		}
		builds = append(builds, b)
	}
	return builds
}

// builtFrom checks that the image file dst is a static, -trimpath build of pkg copied
// from another stage.
func (d *dockerfile) builtFrom(t *testing.T, img *image, dst, pkg string) {
	t.Helper()
	src, ok := img.files[dst]
	if !ok {
		t.Errorf("%s: not copied from any stage", dst)
		return
	}
	for _, b := range d.goBuilds(t, src.stage) {
		if b.out != src.path {
			continue
		}
		if b.pkg != pkg {
			t.Errorf("%s: stage %q builds %s, want %s", dst, src.stage.name, b.pkg, pkg)
		}
		if !b.static {
			t.Errorf("%s: stage %q builds without CGO_ENABLED=0: not a static binary", dst, src.stage.name)
		}
		if !b.trimpath {
			t.Errorf("%s: stage %q builds without -trimpath", dst, src.stage.name)
		}
		return
	}
	t.Errorf("%s: stage %q runs no go build -o %s", dst, src.stage.name, src.path)
}

// ownedDir reports whether img has the directory dir owned by its USER: an entry of a
// directory that COPY --from --chown=USER copied, made in that stage by mkdir -p.
func (img *image) ownedDir(dir string) bool {
	for dst, src := range img.files {
		rel, ok := strings.CutPrefix(dir, dst)
		if !ok || !strings.HasSuffix(dst, "/") || rel == "" || src.chown != img.user {
			continue
		}
		made := strings.TrimSuffix(src.path, "/") + "/" + rel
		for _, in := range src.stage.ins {
			f := strings.Fields(strings.Join(in.args, " "))
			if in.cmd == "run" && slices.Contains(f, "mkdir") && slices.Contains(f, "-p") && slices.Contains(f, made) {
				return true
			}
		}
	}
	return false
}

// runtimeUser parses a USER that names a numeric uid (and optionally gid).
func runtimeUser(user string) (uid int64, err error) {
	u, _, _ := strings.Cut(user, ":")
	return strconv.ParseInt(u, 10, 64)
}

// healthcheckPath is where every image carries tools/healthcheck.
const healthcheckPath = "/usr/local/bin/healthcheck"

// TestDockerfile checks the image each SERVICE value builds against its binary: a
// minimal base, a numeric non-root user, the port the binary listens on, a static
// binary of the right package as the entrypoint, and a health check through
// tools/healthcheck on that port.
func TestDockerfile(t *testing.T) {
	_, bins := binaries(t)
	d := loadDockerfile(t)

	last := d.stages[len(d.stages)-1]
	if last.base != "${SERVICE}" && last.base != "$SERVICE" {
		t.Errorf("last stage is FROM %s, want FROM ${SERVICE}: the build argument selects the image", last.base)
	}
	if def := d.args["SERVICE"]; !slices.ContainsFunc(services(), func(c command) bool { return c.name == def }) {
		t.Errorf("ARG SERVICE defaults to %q, want one of the services", def)
	}

	for _, svc := range services() {
		t.Run(svc.name, func(t *testing.T) {
			bin := bins[svc.name]
			if d.stage(svc.name) == nil {
				t.Fatalf("no stage %q for SERVICE=%s", svc.name, svc.name)
			}
			img := d.image(t, map[string]string{"SERVICE": svc.name})

			if !regexp.MustCompile(`^gcr\.io/distroless/static(-debian\d+)?:nonroot$`).MatchString(img.base) && img.base != "scratch" {
				t.Errorf("final image starts from %s, want distroless static (nonroot) or scratch", img.base)
			}
			if uid, err := runtimeUser(img.user); err != nil || uid == 0 {
				t.Errorf("USER %q: want a numeric non-root uid (Kubernetes checks runAsNonRoot on the number)", img.user)
			}

			// Every variable the image sets is one the binary reads; LISTEN_ADDR is set,
			// to every interface, since the binaries listen on loopback by default.
			env := map[string]*string{}
			for k, v := range img.env {
				env[k] = &v
			}
			if err := bin.checkEnv(env); err != nil {
				t.Errorf("ENV: %v", err)
			}
			if err := bin.checkListensOnEveryInterface(env); err != nil {
				t.Errorf("ENV: %v", err)
			}
			port := strconv.Itoa(bin.listenPort(t, env))
			var exposed []string
			for _, p := range img.expose {
				exposed = append(exposed, strings.TrimSuffix(p, "/tcp"))
			}
			if !slices.Equal(exposed, []string{port}) {
				t.Errorf("EXPOSE %v, want [%s]: the port %s listens on (LISTEN_ADDR)", img.expose, port, svc.name)
			}
			// The gateway's schema cache is a directory its user owns: a volume mounted
			// there takes its owner from it (compose.yaml), and without one the
			// container's own layer keeps it across restarts.
			if svc.name == "gateway" {
				if dir := bin.setting(t, env, "SCHEMA_CACHE_DIR"); dir == "" || !img.ownedDir(dir) {
					t.Errorf("SCHEMA_CACHE_DIR %q: want a directory the image makes, owned by its USER %s", dir, img.user)
				}
			}

			entry := "/usr/local/bin/" + svc.name
			if !slices.Equal(img.entrypoint, []string{entry}) {
				t.Errorf("ENTRYPOINT %q, want [%q]", img.entrypoint, entry)
			}
			d.builtFrom(t, img, entry, svc.pkg)
			d.builtFrom(t, img, healthcheckPath, healthcheck.pkg)

			if len(img.health) != 2 || img.health[0] != healthcheckPath {
				t.Fatalf("HEALTHCHECK CMD %q, want [%s URL]", img.health, healthcheckPath)
			}
			checkHealthURL(t, img.health[1], port)

			// Only the gateway embeds GraphiQL: the others do not wait for npm.
			needs := d.needs(t, last, map[string]string{"SERVICE": svc.name})
			if got, want := needs["web"], svc.name == "gateway"; got != want {
				t.Errorf("building %s needs the web stage: %v, want %v", svc.name, got, want)
			}
		})
	}
}

// checkHealthURL checks a health check's URL: this container's own port, a health path.
func checkHealthURL(t *testing.T, raw, port string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Errorf("health check URL %q: %v", raw, err)
		return
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
		t.Errorf("health check URL %q: want the container's own loopback", raw)
	}
	if u.Port() != port {
		t.Errorf("health check URL %q: port %s, but the binary listens on %s", raw, u.Port(), port)
	}
	if u.Path != "/readyz" && u.Path != "/healthz" {
		t.Errorf("health check URL %q: want /readyz or /healthz", raw)
	}
}

// TestDockerfileBuildStages checks the build stages: the Go toolchain is go.mod's, the
// Node stage runs the playground's npm package's (tools/playground) install and build as
// `make web` does, and nothing of the test tooling (tools/web), with a Node the project
// supports, and its output lands where the gateway embeds it.
func TestDockerfileBuildStages(t *testing.T) {
	root, _ := binaries(t)
	d := loadDockerfile(t)

	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	build := d.stage("build")
	if build == nil {
		t.Fatal("no stage build")
	}
	if got, want := d.expand(build.base, nil), "golang:"+string(m[1]); got != want {
		t.Errorf("build stage FROM %s, want %s (go.mod's go directive)", got, want)
	}

	web := d.stage("web")
	if web == nil {
		t.Fatal("no stage web")
	}
	nodeImage := d.expand(web.base, nil)
	nm := regexp.MustCompile(`^node:(\d+)`).FindStringSubmatch(nodeImage)
	if nm == nil {
		t.Fatalf("web stage FROM %s: want node:MAJOR…", nodeImage)
	}
	major, _ := strconv.Atoi(nm[1])
	var pkg struct{ Engines struct{ Node string } }
	data, err := os.ReadFile(filepath.Join(root, "tools/playground/package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	minNode, err := strconv.Atoi(strings.TrimPrefix(pkg.Engines.Node, ">="))
	if err != nil {
		t.Fatalf("tools/playground/package.json engines.node %q: want >=MAJOR", pkg.Engines.Node)
	}
	if major < minNode {
		t.Errorf("web stage runs Node %d, tools/playground wants %s", major, pkg.Engines.Node)
	}

	// What the web stage takes from the build context: the playground's package, whole,
	// and nothing else.
	var sources []string
	for _, in := range web.ins {
		if in.cmd == "copy" && in.flag("from") == "" {
			sources = append(sources, in.args[:len(in.args)-1]...)
		}
	}
	for _, want := range []string{"tools/playground/package.json", "tools/playground/package-lock.json", "tools/playground/build.mjs"} {
		if !slices.Contains(sources, want) {
			t.Errorf("web stage does not copy %s (it copies %q)", want, sources)
		}
	}
	for _, src := range sources {
		if !strings.HasPrefix(src, "tools/playground/") {
			t.Errorf("web stage copies %s; it needs only tools/playground", src)
		}
	}

	var ci bool
	var out string
	for _, in := range web.ins {
		line := strings.Join(in.args, " ")
		if in.cmd == "run" && strings.Contains(line, "npm ci") {
			ci = true
		}
		if f := strings.Fields(line); in.cmd == "run" && len(f) == 3 && f[0] == "node" && f[1] == "build.mjs" {
			out = f[2]
		}
	}
	if !ci || out == "" {
		t.Fatalf("web stage: want RUN npm ci and RUN node build.mjs DIR, as make web does")
	}
	// The gateway's binary is built in a stage that has GraphiQL's files where
	// gateway/playground embeds them (//go:embed all:dist).
	img := d.image(t, map[string]string{"SERVICE": "gateway"})
	var copied bool
	for _, src := range img.files {
		for _, in := range src.stage.ins {
			if in.cmd != "copy" || in.flag("from") != "web" {
				continue
			}
			copied = true
			if got := strings.TrimSuffix(in.args[0], "/"); got != out {
				t.Errorf("stage %q copies %s from web, which writes %s", src.stage.name, in.args[0], out)
			}
			if got := strings.TrimSuffix(in.args[1], "/"); got != "gateway/playground/dist" {
				t.Errorf("stage %q copies GraphiQL to %s, want gateway/playground/dist", src.stage.name, in.args[1])
			}
		}
	}
	if !copied {
		t.Error("the stage that builds the gateway copies no GraphiQL files from the web stage")
	}
}
