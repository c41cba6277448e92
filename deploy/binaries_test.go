// Package deploy tests the deployment files against the binaries they run, with no
// container engine and no cluster: compose.yaml through the compose specification's
// loader, the Dockerfile through BuildKit's parser, .dockerignore against what `go build`
// reads, and the Kubernetes manifests rendered by kustomize and decoded strictly into
// the Kubernetes API types. What a binary reads is taken from the binary itself: each is
// built once per test run and asked for its flags with -h, so a setting it does not know
// or a port it does not listen on fails here, not in production.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/gateway"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/internal/tracing"
	"github.com/fedgraph/fedgraph/schema"
)

// command is one binary that an image runs.
type command struct {
	name string // the image's SERVICE and the compose service's and Deployment's name
	pkg  string // its package, relative to the module root
}

// services are the graph's services, as every deployment file names them: the gateway
// and each subgraph of the graph's table (schema.Subgraphs), by its name.
func services() []command {
	out := []command{{name: "gateway", pkg: "./gateway/cmd/gateway"}}
	for _, s := range schema.Subgraphs() {
		out = append(out, command{name: s.Name, pkg: "./" + s.Command()})
	}
	return out
}

// subgraphsEnv is the variable of the gateway's subgraph list (its -subgraphs flag):
// NAME=URL,NAME=URL,… in merge order.
const subgraphsEnv = "SUBGRAPHS"

// urlSetting is one URL of another service that a variable sets.
type urlSetting struct {
	label  string // for messages: the variable, and for SUBGRAPHS the subgraph's name
	url    string
	target string // the service it must reach, when the setting names it: SUBGRAPHS's names
}

// urlSettings returns the URLs of other services that env sets, by label: the value of
// each -…-url flag, and each subgraph of the gateway's SUBGRAPHS, parsed as the gateway
// parses it (gateway.ParseSubgraphs). A nil value (a Secret's) sets none.
func urlSettings(env map[string]*string) ([]urlSetting, error) {
	var out []urlSetting
	var errs []error
	for name, v := range env {
		switch {
		case v == nil:
		case name == subgraphsEnv:
			list, err := gateway.ParseSubgraphs(*v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, *v, err))
				continue
			}
			for _, s := range list {
				out = append(out, urlSetting{label: name + " " + s.Name, url: s.URL, target: s.Name})
			}
		case isURLSetting(name):
			out = append(out, urlSetting{label: name, url: *v})
		}
	}
	slices.SortFunc(out, func(a, b urlSetting) int { return strings.Compare(a.label, b.label) })
	return out, errors.Join(errs...)
}

// checkSubgraphList checks the gateway's SUBGRAPHS in env: set, as the gateway parses
// it, and naming the graph's subgraphs (schema.Subgraphs), each once, in the table's
// order, which is the merge order.
func checkSubgraphList(t *testing.T, env map[string]*string) {
	t.Helper()
	v, ok := env[subgraphsEnv]
	if !ok || v == nil {
		t.Errorf("gateway: no %s: the gateway starts only with its subgraphs", subgraphsEnv)
		return
	}
	list, err := gateway.ParseSubgraphs(*v)
	if err != nil {
		t.Errorf("gateway %s=%q: %v", subgraphsEnv, *v, err)
		return
	}
	var got, want []string
	for _, s := range list {
		got = append(got, s.Name)
	}
	for _, s := range schema.Subgraphs() {
		want = append(want, s.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("gateway %s names %v, want the graph's subgraphs in schema.Subgraphs' order %v", subgraphsEnv, got, want)
	}
}

// healthcheck is the command every image carries for container health checks.
var healthcheck = command{name: "healthcheck", pkg: "./tools/healthcheck"}

// flagInfo is one flag of a binary, as its -h output describes it.
type flagInfo struct {
	name string // -name, without the dash
	kind string // the value's type as -h prints it: string, int, duration, …; "bool" for a bool
	def  string // the default, unquoted; empty when -h prints none
}

// binary is a built command and the settings it reads.
type binary struct {
	command
	path  string
	flags map[string]flagInfo // by environment variable name (serve.EnvName)
	// otel reports whether the binary links OpenTelemetry's SDK, which reads the
	// standard OTEL_* variables itself (tracing is configured by them, not by flags).
	otel bool
}

// runtimeEnv are the variables Go's runtime reads in every binary.
var runtimeEnv = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true, "GOGC": true, "GODEBUG": true, "GOTRACEBACK": true}

// otelEnv are the OTEL_* variables a binary that links OpenTelemetry's SDK reads: those
// internal/tracing decides on, and those the SDK (resource, sampler, batch processor,
// limits) and the OTLP/HTTP trace exporter read themselves. Any other OTEL_* name is a
// typo or a feature the binaries do not have (OTEL_PROPAGATORS: the propagator is fixed;
// OTEL_SDK_DISABLED: tracing is off unless an exporter is named).
var otelEnv = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range []string{
		"SERVICE_NAME", "RESOURCE_ATTRIBUTES", "TRACES_EXPORTER", "TRACES_SAMPLER", "TRACES_SAMPLER_ARG",
		"BSP_SCHEDULE_DELAY", "BSP_EXPORT_TIMEOUT", "BSP_MAX_QUEUE_SIZE", "BSP_MAX_EXPORT_BATCH_SIZE",
		"ATTRIBUTE_COUNT_LIMIT", "ATTRIBUTE_VALUE_LENGTH_LIMIT", "SPAN_ATTRIBUTE_COUNT_LIMIT",
		"SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "SPAN_EVENT_COUNT_LIMIT", "SPAN_LINK_COUNT_LIMIT",
		"EVENT_ATTRIBUTE_COUNT_LIMIT", "LINK_ATTRIBUTE_COUNT_LIMIT",
	} {
		m["OTEL_"+n] = true
	}
	for _, n := range []string{"ENDPOINT", "CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY", "INSECURE", "HEADERS", "COMPRESSION", "PROTOCOL", "TIMEOUT"} {
		m["OTEL_EXPORTER_OTLP_"+n] = true
		m["OTEL_EXPORTER_OTLP_TRACES_"+n] = true
	}
	return m
}()

// built holds the binaries TestMain built, or why it could not.
var built struct {
	root string // the module root
	bins map[string]*binary
	err  error
}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fedgraph-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	built.root, built.bins, built.err = buildBinaries(dir)
	return m.Run()
}

// buildBinaries compiles every service and the healthcheck into dir with one `go build`
// and reads each one's flags.
func buildBinaries(dir string) (root string, bins map[string]*binary, err error) {
	root, err = filepath.Abs("..")
	if err != nil {
		return "", nil, err
	}
	cmds := append(services(), healthcheck)
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	for _, c := range cmds {
		args = append(args, c.pkg)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	bins = map[string]*binary{}
	for _, c := range cmds {
		b := &binary{command: c, path: filepath.Join(dir, filepath.Base(c.pkg))}
		if b.flags, err = readFlags(b.path); err != nil {
			return "", nil, fmt.Errorf("%s: %w", c.name, err)
		}
		info, err := buildinfo.ReadFile(b.path)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", c.name, err)
		}
		b.otel = slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return m.Path == "go.opentelemetry.io/otel/sdk" })
		bins[c.name] = b
	}
	return root, bins, nil
}

// binaries returns the built binaries by name, the module root too.
func binaries(t *testing.T) (root string, bins map[string]*binary) {
	t.Helper()
	if built.err != nil {
		t.Fatalf("building the binaries: %v", built.err)
	}
	return built.root, built.bins
}

// flagLine is the first line of a flag in flag.PrintDefaults: two spaces, the name, and
// the value's type unless it is a bool; a one-letter flag has its usage on the same line.
var flagLine = regexp.MustCompile(`^  -([^\s]+)(?: ([^\s]+))?(?:\t(.*))?$`)

// defaultOf is the end of a flag's usage in flag.PrintDefaults.
var defaultOf = regexp.MustCompile(`\(default (.*)\)$`)

// readFlags runs path -h and returns its flags by environment variable name.
func readFlags(path string) (map[string]flagInfo, error) {
	// -h makes flag.Parse fail with ErrHelp, so the exit status says nothing.
	out, _ := exec.Command(path, "-h").CombinedOutput()
	if !bytes.Contains(out, []byte("Usage")) && !bytes.Contains(out, []byte("usage")) {
		return nil, fmt.Errorf("%s -h printed no usage:\n%s", path, out)
	}
	flags := map[string]flagInfo{}
	var cur *flagInfo
	var usage strings.Builder
	flush := func() {
		if cur == nil {
			return
		}
		if m := defaultOf.FindStringSubmatch(strings.TrimSpace(usage.String())); m != nil {
			cur.def = m[1]
			if cur.kind == "string" {
				if s, err := strconv.Unquote(m[1]); err == nil {
					cur.def = s
				}
			}
		}
		flags[serve.EnvName(cur.name)] = *cur
		cur = nil
		usage.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := flagLine.FindStringSubmatch(line); m != nil {
			flush()
			kind := m[2]
			if kind == "" {
				kind = "bool"
			}
			cur = &flagInfo{name: m[1], kind: kind}
			usage.WriteString(m[3])
			continue
		}
		if cur != nil && strings.HasPrefix(line, "    \t") {
			usage.WriteString(" " + strings.TrimPrefix(line, "    \t"))
		}
	}
	flush()
	if len(flags) == 0 {
		return nil, fmt.Errorf("%s -h listed no flags:\n%s", path, out)
	}
	return flags, nil
}

// checkEnv reports every variable of env that b does not read, and every value that
// its flag's type refuses. A nil value is one the deployment file leaves to something
// else (a Secret): only its name is checked. Besides its flags, a binary reads Go's
// runtime variables and, if it links OpenTelemetry's SDK, the OTEL_* ones of otelEnv;
// an OTLP endpoint, when not empty, must be an http or https URL.
func (b *binary) checkEnv(env map[string]*string) error {
	var errs []error
	for name, v := range env {
		if runtimeEnv[name] {
			continue
		}
		if b.otel && strings.HasPrefix(name, "OTEL_") {
			if !otelEnv[name] {
				errs = append(errs, fmt.Errorf("%s reads no %s: not a variable of OpenTelemetry's SDK or its OTLP/HTTP exporter", b.name, name))
			} else if v != nil && *v != "" && strings.HasSuffix(name, "_ENDPOINT") {
				if u, err := url.Parse(*v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					errs = append(errs, fmt.Errorf("%s=%q: want an http(s) URL of an OTLP/HTTP collector", name, *v))
				}
			}
			continue
		}
		f, ok := b.flags[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s reads no %s (its flags: %s)", b.name, name, b.envNames()))
			continue
		}
		if v == nil {
			continue
		}
		if err := parseAs(f.kind, *v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: -%s takes a %s: %w", name, *v, f.name, f.kind, err))
		}
		if b.name == "gateway" && name == subgraphsEnv {
			if _, err := gateway.ParseSubgraphs(*v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, *v, err))
			}
		}
	}
	return errors.Join(errs...)
}

// envNames lists the variables b reads, for messages.
func (b *binary) envNames() string {
	names := make([]string, 0, len(b.flags))
	for n := range b.flags {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

// parseAs checks that v is a value of a flag of kind. Kinds that only the binary can
// check (flag.Value implementations print as "value") are taken as they are.
func parseAs(kind, v string) error {
	var err error
	switch kind {
	case "bool":
		_, err = strconv.ParseBool(v)
	case "int":
		_, err = strconv.ParseInt(v, 0, 64)
	case "uint":
		_, err = strconv.ParseUint(v, 0, 64)
	case "float":
		_, err = strconv.ParseFloat(v, 64)
	case "duration":
		_, err = time.ParseDuration(v)
	}
	return err
}

// setting returns the value b runs with for the variable name: env's if set there, else
// the flag's default. It fails the test if b has no such flag.
func (b *binary) setting(t *testing.T, env map[string]*string, name string) string {
	t.Helper()
	f, ok := b.flags[name]
	if !ok {
		t.Fatalf("%s has no flag for %s", b.name, name)
	}
	if v, ok := env[name]; ok && v != nil {
		return *v
	}
	return f.def
}

// listenPort is the port b listens on with env.
func (b *binary) listenPort(t *testing.T, env map[string]*string) int {
	t.Helper()
	return b.port(t, env, "LISTEN_ADDR")
}

// everyInterface is the host a deployed binary listens on: a container's loopback is
// its own, and the binaries' default (127.0.0.1) would leave the service unreachable
// by other containers, by the published port and by Kubernetes' probes.
const everyInterface = "0.0.0.0"

// checkListensOnEveryInterface reports unless env sets b's LISTEN_ADDR itself, to
// 0.0.0.0:PORT: the binaries' default listens on loopback only.
func (b *binary) checkListensOnEveryInterface(env map[string]*string) error {
	v, ok := env["LISTEN_ADDR"]
	if !ok || v == nil {
		return fmt.Errorf("%s: LISTEN_ADDR not set: the binary would listen on its default %q, unreachable from outside the container",
			b.name, b.flags["LISTEN_ADDR"].def)
	}
	if host, _, err := net.SplitHostPort(*v); err != nil || host != everyInterface {
		return fmt.Errorf("%s: LISTEN_ADDR=%q: want %s:PORT, every interface of the container", b.name, *v, everyInterface)
	}
	return nil
}

// metricsPort is the port of b's Prometheus /metrics listener with env. Every
// deployment turns it on: a METRICS_ADDR left empty (the flag's default) fails the test.
func (b *binary) metricsPort(t *testing.T, env map[string]*string) int {
	t.Helper()
	n := b.port(t, env, "METRICS_ADDR")
	if listen := b.listenPort(t, env); n == listen {
		t.Fatalf("%s METRICS_ADDR and LISTEN_ADDR on the same port %d: the metrics listener would not start", b.name, n)
	}
	return n
}

// port is the fixed port of b's address setting name with env.
func (b *binary) port(t *testing.T, env map[string]*string, name string) int {
	t.Helper()
	addr := b.setting(t, env, name)
	if addr == "" {
		t.Fatalf("%s %s is empty: want a listener on a fixed port", b.name, name)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s %s %q: %v", b.name, name, addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		t.Fatalf("%s %s %q: want a fixed port", b.name, name, addr)
	}
	return n
}

// tracingOn reports whether b exports spans with env, as internal/tracing, which every
// binary calls with its environment, decides it; a value it refuses (an exporter or a
// protocol it does not support) fails the test. A nil value (a Secret's) reads as unset.
func (b *binary) tracingOn(t *testing.T, env map[string]*string) bool {
	t.Helper()
	if !b.otel {
		return false
	}
	tr, err := tracing.Setup(context.Background(), b.name, func(name string) string {
		if v := env[name]; v != nil {
			return *v
		}
		return ""
	})
	if err != nil {
		t.Errorf("%s tracing: %v", b.name, err)
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Errorf("%s tracing: shutdown: %v", b.name, err)
	}
	return tr.Enabled
}

// TestReadFlags checks the -h parser on a binary whose flags are known, so that the
// other tests cannot pass on a parser that reads nothing.
func TestReadFlags(t *testing.T) {
	_, bins := binaries(t)
	tests := []struct {
		bin, env string
		want     flagInfo
	}{
		{"users", "LISTEN_ADDR", flagInfo{name: "listen-addr", kind: "string", def: "127.0.0.1:4001"}},
		{"users", "REDIS_URL", flagInfo{name: "redis-url", kind: "string"}},
		{"gateway", "LISTEN_ADDR", flagInfo{name: "listen-addr", kind: "string", def: "127.0.0.1:4000"}},
		{"gateway", "INTROSPECTION", flagInfo{name: "introspection", kind: "bool", def: "true"}},
		{"gateway", "STARTUP_TIMEOUT", flagInfo{name: "startup-timeout", kind: "duration", def: "1s"}},
		{"gateway", "SCHEMA_CACHE_DIR", flagInfo{name: "schema-cache-dir", kind: "string"}},
		{"products", "EVENTS_REDIS_URL", flagInfo{name: "events-redis-url", kind: "string"}},
		{"gateway", "METRICS_ADDR", flagInfo{name: "metrics-addr", kind: "string"}},
		{"gateway", "SUBGRAPHS", flagInfo{name: "subgraphs", kind: "value"}},
		{"users", "METRICS_ADDR", flagInfo{name: "metrics-addr", kind: "string"}},
		{"products", "METRICS_ADDR", flagInfo{name: "metrics-addr", kind: "string"}},
		{"healthcheck", "TIMEOUT", flagInfo{name: "timeout", kind: "duration", def: "2s"}},
	}
	for _, tt := range tests {
		if got := bins[tt.bin].flags[tt.env]; got != tt.want {
			t.Errorf("%s flag %s = %+v, want %+v", tt.bin, tt.env, got, tt.want)
		}
	}
	for _, v := range []struct{ kind, value string }{{"int", "x"}, {"duration", "5"}, {"bool", "yes"}, {"float", "1,5"}} {
		if parseAs(v.kind, v.value) == nil {
			t.Errorf("parseAs(%q, %q) = nil, want an error", v.kind, v.value)
		}
	}

	// checkEnv knows the OTEL_* names from their typos, and only where OpenTelemetry is.
	str := func(s string) *string { return &s }
	for _, tt := range []struct {
		bin, name string
		value     *string
		ok        bool
	}{
		{"gateway", "METRICS_ADDR", str(":9090"), true},
		{"gateway", "METRICS_PORT", str("9090"), false},
		{"gateway", "SUBGRAPHS", str("users=http://users:4001/graphql,products=http://products:4002/graphql"), true},
		{"gateway", "SUBGRAPHS", str("users=http://users:4001/graphql,products"), false},
		{"gateway", "SUBGRAPHS", str("users=users:4001"), false},
		{"gateway", "USERS_URL", str("http://users:4001/graphql"), false},
		{"users", "OTEL_EXPORTER_OTLP_ENDPOINT", str("http://otel-collector:4318"), true},
		{"users", "OTEL_EXPORTER_OTLP_ENDPOINT", str(""), true},
		{"users", "OTEL_EXPORTER_OTLP_ENDPOINT", str("otel-collector:4318"), false},
		{"users", "OTEL_EXPORTER_OTLP_ENDPONT", str("http://otel-collector:4318"), false},
		{"products", "OTEL_SERVICE_NAME", str("products"), true},
		{"products", "OTEL_PROPAGATORS", str("b3"), false},
		{"healthcheck", "OTEL_SERVICE_NAME", str("healthcheck"), bins["healthcheck"].otel},
	} {
		err := bins[tt.bin].checkEnv(map[string]*string{tt.name: tt.value})
		if (err == nil) != tt.ok {
			t.Errorf("%s checkEnv(%s=%v) = %v, want ok %v", tt.bin, tt.name, deref(tt.value), err, tt.ok)
		}
	}
	for _, c := range services() {
		if !bins[c.name].otel {
			t.Errorf("%s does not link OpenTelemetry's SDK", c.name)
		}
	}
	// Each subgraph's binary listens where the table says, by default, on loopback only.
	for _, s := range schema.Subgraphs() {
		if got, want := bins[s.Name].flags["LISTEN_ADDR"].def, fmt.Sprintf("127.0.0.1:%d", s.Port); got != want {
			t.Errorf("%s -listen-addr defaults to %q, want %q: loopback, on the port of schema.Subgraphs", s.Name, got, want)
		}
	}
	// checkListensOnEveryInterface refuses what the binaries' default would do.
	for _, tt := range []struct {
		env map[string]*string
		ok  bool
	}{
		{map[string]*string{}, false},
		{map[string]*string{"LISTEN_ADDR": nil}, false},
		{map[string]*string{"LISTEN_ADDR": str("127.0.0.1:4001")}, false},
		{map[string]*string{"LISTEN_ADDR": str(":4001")}, false},
		{map[string]*string{"LISTEN_ADDR": str("0.0.0.0:4001")}, true},
	} {
		if err := bins["users"].checkListensOnEveryInterface(tt.env); (err == nil) != tt.ok {
			t.Errorf("checkListensOnEveryInterface(%v) = %v, want ok %v", tt.env, err, tt.ok)
		}
	}
	// tracingOn follows internal/tracing: off unless an endpoint or the exporter is set.
	for _, tt := range []struct {
		env  map[string]*string
		want bool
	}{
		{map[string]*string{}, false},
		{map[string]*string{"OTEL_EXPORTER_OTLP_ENDPOINT": str("")}, false},
		{map[string]*string{"OTEL_EXPORTER_OTLP_ENDPOINT": nil}, false},
		{map[string]*string{"OTEL_EXPORTER_OTLP_ENDPOINT": str("http://otel-collector:4318")}, true},
		{map[string]*string{"OTEL_TRACES_EXPORTER": str("otlp")}, true},
	} {
		if got := bins["gateway"].tracingOn(t, tt.env); got != tt.want {
			t.Errorf("tracingOn(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}
