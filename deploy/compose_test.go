package deploy

import (
	"context"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/fedgraph/fedgraph/schema"
)

// redisPort is the port redis-server listens on without --port.
const redisPort = 6379

// loadCompose loads compose.yaml as `docker compose` would with env as the only
// environment (none of the test process's), validated against the compose schema.
func loadCompose(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	root, _ := binaries(t)
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "compose.yaml")}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("fedgraph", true) })
	if err != nil {
		t.Fatalf("load compose.yaml: %v", err)
	}
	return p
}

// isRedis reports whether s is one of the Redis servers.
func isRedis(s types.ServiceConfig) bool {
	return s.Build == nil && strings.HasPrefix(s.Image, "redis:")
}

// TestCompose checks compose.yaml against the binaries and the Dockerfile: each service
// is built from the Dockerfile by its SERVICE, every variable it sets is one its binary
// reads with a value of the flag's type, its published ports (on 127.0.0.1) are the port
// it listens on and its metrics listener's (METRICS_ADDR, which it must set), its
// healthcheck is on the port it listens on, tracing is off unless the environment turns
// it on, and every service it talks to is one it waits for.
func TestCompose(t *testing.T) {
	root, bins := binaries(t)
	d := loadDockerfile(t)
	p := loadCompose(t, map[string]string{})

	var apps []string
	for name, s := range p.Services {
		if isRedis(s) {
			continue
		}
		if s.Build == nil {
			t.Errorf("service %s: neither built from the Dockerfile nor a Redis (image %q)", name, s.Image)
			continue
		}
		apps = append(apps, name)
	}
	slices.Sort(apps)
	var want []string
	for _, c := range services() {
		want = append(want, c.name)
	}
	slices.Sort(want)
	if !slices.Equal(apps, want) {
		t.Fatalf("services built from the Dockerfile: %v, want %v", apps, want)
	}

	for _, c := range services() {
		t.Run(c.name, func(t *testing.T) {
			s := p.Services[c.name]
			bin := bins[c.name]

			if s.Build.Context != root || (s.Build.Dockerfile != "" && s.Build.Dockerfile != "Dockerfile") {
				t.Errorf("build %s/%s, want the module's Dockerfile", s.Build.Context, s.Build.Dockerfile)
			}
			if arg := s.Build.Args["SERVICE"]; arg == nil || *arg != c.name || d.stage(*arg) == nil {
				t.Errorf("build arg SERVICE = %v, want %q, a stage of the Dockerfile", deref(arg), c.name)
			}

			if err := bin.checkEnv(s.Environment); err != nil {
				t.Errorf("environment: %v", err)
			}
			for name, v := range s.Environment {
				if v == nil {
					t.Errorf("environment %s has no value: it would come from the host's environment", name)
				}
			}

			if err := bin.checkListensOnEveryInterface(s.Environment); err != nil {
				t.Errorf("environment: %v", err)
			}
			port := bin.listenPort(t, s.Environment)
			metrics := bin.metricsPort(t, s.Environment)
			var targets []int
			for _, pc := range s.Ports {
				targets = append(targets, int(pc.Target))
				if pc.HostIP != "127.0.0.1" {
					t.Errorf("port %d published on %q, want 127.0.0.1 only", pc.Target, pc.HostIP)
				}
			}
			slices.Sort(targets)
			if want := []int{min(port, metrics), max(port, metrics)}; !slices.Equal(targets, want) {
				t.Errorf("ports to %v: want %d, the port %s listens on, and %d, its METRICS_ADDR's", targets, port, c.name, metrics)
			}
			// Tracing is off unless the environment names a collector.
			if bin.tracingOn(t, s.Environment) {
				t.Error("tracing is on with nothing in the environment: want it off by default")
			}
			if v, ok := s.Environment["OTEL_SERVICE_NAME"]; ok && deref(v) != c.name {
				t.Errorf("OTEL_SERVICE_NAME = %v, want %q", deref(v), c.name)
			}
			if s.HealthCheck == nil || len(s.HealthCheck.Test) != 3 || s.HealthCheck.Test[0] != "CMD" || s.HealthCheck.Test[1] != healthcheckPath {
				t.Fatalf("healthcheck %+v: want [CMD %s URL]: the image has no shell and no curl", s.HealthCheck, healthcheckPath)
			}
			checkHealthURL(t, s.HealthCheck.Test[2], strconv.Itoa(port))
			checkHealthTiming(t, s.HealthCheck, bins[healthcheck.name])

			if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
				t.Errorf("read_only %v, cap_drop %v: want a read-only file system and no capabilities", s.ReadOnly, s.CapDrop)
			}

			// Every service it calls, it waits for, healthy; and it waits for nothing else.
			links := links(t, p, bins, c.name)
			var deps []string
			for dep, cfg := range s.DependsOn {
				deps = append(deps, dep)
				if cfg.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s: condition %q, want %s", dep, cfg.Condition, types.ServiceConditionHealthy)
				}
				if hc := p.Services[dep].HealthCheck; hc == nil || hc.Disable {
					t.Errorf("depends_on %s, which has no healthcheck", dep)
				}
			}
			slices.Sort(deps)
			if targets := slices.Sorted(maps.Keys(links)); !slices.Equal(deps, targets) {
				t.Errorf("depends_on %v, but it connects to %v", deps, targets)
			}
		})
	}

	checkComposeSchemaCache(t, p, bins["gateway"], d)

	// What the services' settings must agree on. The gateway's SUBGRAPHS names every
	// subgraph of the graph, in order; links checked that each leads to its service.
	users, products := p.Services["users"], p.Services["products"]
	checkSubgraphList(t, p.Services["gateway"].Environment)
	for _, tt := range []struct {
		svc    string
		env    types.MappingWithEquals
		name   string
		target string
	}{
		{"products", products.Environment, "USERS_URL", "users"},
	} {
		if got := host(t, bins[tt.svc].setting(t, tt.env, tt.name)); got != tt.target {
			t.Errorf("%s %s names %s, want %s", tt.svc, tt.name, got, tt.target)
		}
	}
	usersRedis := host(t, bins["users"].setting(t, users.Environment, "REDIS_URL"))
	productsRedis := host(t, bins["products"].setting(t, products.Environment, "REDIS_URL"))
	if usersRedis == productsRedis || !isRedis(p.Services[usersRedis]) || !isRedis(p.Services[productsRedis]) {
		t.Errorf("REDIS_URL: users on %q, products on %q: want a Redis service each", usersRedis, productsRedis)
	}
	// products consumes user.deleted from the users Redis, on the stream users writes.
	if got, want := bins["products"].setting(t, products.Environment, "EVENTS_REDIS_URL"), bins["users"].setting(t, users.Environment, "REDIS_URL"); got != want {
		t.Errorf("products EVENTS_REDIS_URL = %q, want users' REDIS_URL %q", got, want)
	}
	// products refuses to start without its events source unless EVENTS=off.
	if got := bins["products"].setting(t, products.Environment, "EVENTS"); got != "on" {
		t.Errorf("products EVENTS = %q, want on", got)
	}
	stream := bins["products"].setting(t, products.Environment, "EVENTS_STREAM")
	wantStream := bins["users"].setting(t, users.Environment, "KEY_PREFIX") + bins["products"].flags["EVENTS_STREAM"].def
	if stream != wantStream {
		t.Errorf("products EVENTS_STREAM = %q, want users' KEY_PREFIX followed by the stream: %q", stream, wantStream)
	}

	for name, s := range p.Services {
		if !isRedis(s) {
			continue
		}
		t.Run(name, func(t *testing.T) { checkComposeRedis(t, p, s) })
	}
}

// checkComposeSchemaCache checks the gateway's SCHEMA_CACHE_DIR: set, on a named volume
// of its own (the container's file system is read-only, and the volume outlives the
// container), writable, and a directory the image gives the gateway's user, from which
// a new volume takes its owner.
func checkComposeSchemaCache(t *testing.T, p *types.Project, bin *binary, d *dockerfile) {
	t.Helper()
	s := p.Services["gateway"]
	dir := bin.setting(t, s.Environment, "SCHEMA_CACHE_DIR")
	if dir == "" {
		t.Error("gateway SCHEMA_CACHE_DIR is empty: a restart while a subgraph is down would start without its fields")
		return
	}
	if img := d.image(t, map[string]string{"SERVICE": "gateway"}); !img.ownedDir(dir) {
		t.Errorf("gateway SCHEMA_CACHE_DIR=%s: not a directory of the image owned by its user %s; a volume there would be root's", dir, img.user)
	}
	for _, v := range s.Volumes {
		if v.Target != dir {
			continue
		}
		if v.Type != types.VolumeTypeVolume || v.ReadOnly {
			t.Errorf("gateway SCHEMA_CACHE_DIR=%s: mounted %+v, want a writable named volume", dir, v)
		}
		if _, ok := p.Volumes[v.Source]; !ok {
			t.Errorf("gateway volume %q is not declared under volumes", v.Source)
		}
		for name, o := range p.Services {
			for _, ov := range o.Volumes {
				if name != s.Name && ov.Source == v.Source {
					t.Errorf("gateway's schema cache volume %s is shared with %s", v.Source, name)
				}
			}
		}
		return
	}
	t.Errorf("gateway SCHEMA_CACHE_DIR=%s is on no volume: the container's file system is read-only", dir)
}

// checkComposeRedis checks a Redis server: the official redis:7 image, the append-only
// file on and synced every second, its data on a named volume of its own, a healthcheck,
// and no port on the host.
func checkComposeRedis(t *testing.T, p *types.Project, s types.ServiceConfig) {
	t.Helper()
	if s.Image != "redis:7" && !strings.HasPrefix(s.Image, "redis:7.") && !strings.HasPrefix(s.Image, "redis:7-") {
		t.Errorf("image %s, want the official redis:7", s.Image)
	}
	cmd := []string(s.Command)
	if len(cmd) == 0 || cmd[0] != "redis-server" {
		t.Fatalf("command %q: want redis-server with its options", cmd)
	}
	for _, opt := range [][2]string{{"--appendonly", "yes"}, {"--appendfsync", "everysec"}} {
		i := slices.Index(cmd, opt[0])
		if i < 0 || i+1 >= len(cmd) || cmd[i+1] != opt[1] {
			t.Errorf("command %q: want %s %s", cmd, opt[0], opt[1])
		}
	}
	if slices.Contains(cmd, "--port") {
		t.Errorf("command %q: the services' URLs assume port %d", cmd, redisPort)
	}
	if len(s.Volumes) != 1 || s.Volumes[0].Type != types.VolumeTypeVolume || s.Volumes[0].Target != "/data" {
		t.Fatalf("volumes %+v: want one named volume on /data, where redis:7 writes", s.Volumes)
	}
	if _, ok := p.Volumes[s.Volumes[0].Source]; !ok {
		t.Errorf("volume %q is not declared under volumes", s.Volumes[0].Source)
	}
	for other, o := range p.Services {
		if other != s.Name && isRedis(o) && len(o.Volumes) > 0 && o.Volumes[0].Source == s.Volumes[0].Source {
			t.Errorf("%s and %s share the volume %s", s.Name, other, s.Volumes[0].Source)
		}
	}
	if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
		t.Error("no healthcheck: the subgraphs wait for it")
	}
	if len(s.Ports) > 0 {
		t.Errorf("ports %+v: only the subgraphs reach their Redis", s.Ports)
	}
}

// checkHealthTiming checks that a healthcheck's timeout leaves the healthcheck binary
// its own, and that it runs often enough for depends_on to notice.
func checkHealthTiming(t *testing.T, hc *types.HealthCheckConfig, probe *binary) {
	t.Helper()
	own, err := time.ParseDuration(probe.flags["TIMEOUT"].def)
	if err != nil {
		t.Fatalf("healthcheck -timeout default: %v", err)
	}
	if hc.Timeout == nil || time.Duration(*hc.Timeout) <= own {
		t.Errorf("healthcheck timeout %v: want more than the healthcheck binary's own %s", hc.Timeout, own)
	}
	if hc.Interval == nil || time.Duration(*hc.Interval) > 30*time.Second {
		t.Errorf("healthcheck interval %v: want at most 30s", hc.Interval)
	}
}

// links returns the services that svc's URL settings (urlSettings: each -…-url, and
// each subgraph of the gateway's SUBGRAPHS) name, each checked: an http URL names
// another service's /graphql on the port that service listens on, and for SUBGRAPHS the
// service of the subgraph's name; a redis URL names a Redis server on its port.
func links(t *testing.T, p *types.Project, bins map[string]*binary, svc string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	settings, err := urlSettings(p.Services[svc].Environment)
	if err != nil {
		t.Error(err)
	}
	for _, s := range settings {
		u, err := url.Parse(s.url)
		if err != nil || u.Host == "" {
			continue
		}
		target, ok := p.Services[u.Hostname()]
		if !ok {
			t.Errorf("%s=%s: no service %s", s.label, s.url, u.Hostname())
			continue
		}
		out[target.Name] = true
		if s.target != "" && target.Name != s.target {
			t.Errorf("%s=%s: names the service %s, want %s", s.label, s.url, target.Name, s.target)
		}
		switch u.Scheme {
		case "http", "https":
			b, ok := bins[target.Name]
			if !ok {
				t.Errorf("%s=%s: %s is not one of the graph's services", s.label, s.url, target.Name)
				continue
			}
			if port := strconv.Itoa(b.listenPort(t, target.Environment)); u.Port() != port {
				t.Errorf("%s=%s: %s listens on %s", s.label, s.url, target.Name, port)
			}
			if u.Path != "/graphql" {
				t.Errorf("%s=%s: the subgraphs serve GraphQL on /graphql", s.label, s.url)
			}
		case "redis", "rediss":
			if !isRedis(target) {
				t.Errorf("%s=%s: %s is not a Redis", s.label, s.url, target.Name)
			}
			if u.Port() != strconv.Itoa(redisPort) {
				t.Errorf("%s=%s: Redis listens on %d", s.label, s.url, redisPort)
			}
		default:
			t.Errorf("%s=%s: unexpected scheme", s.label, s.url)
		}
	}
	return out
}

// isURLSetting reports whether the variable name sets the address of another service of
// the graph: the binaries name every such flag -…-url. JWKS_URL is not one: it names the
// identity provider, outside the graph (checkProductionAuthentication checks it).
func isURLSetting(name string) bool {
	return strings.HasSuffix(name, "_URL") && name != "JWKS_URL"
}

// host is the host name of a URL setting.
func host(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return u.Hostname()
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// publishedTo returns the host port that s publishes its port target on, or "".
func publishedTo(s types.ServiceConfig, target int) string {
	for _, p := range s.Ports {
		if p.Target == uint32(target) {
			return p.Published
		}
	}
	return ""
}

// TestComposeSettings checks the settings compose.yaml takes from the environment: the
// cursor secret both subgraphs share, whose default is the binaries' development secret
// (so that they warn about it), the published ports, those of the metrics listeners, and
// the OTLP endpoint, which turns tracing on only when it is set.
func TestComposeSettings(t *testing.T) {
	_, bins := binaries(t)
	dev := bins["users"].flags["CURSOR_SECRET"].def
	if dev == "" || dev != bins["products"].flags["CURSOR_SECRET"].def {
		t.Fatalf("the subgraphs' -cursor-secret defaults differ or are empty: %q, %q", dev, bins["products"].flags["CURSOR_SECRET"].def)
	}
	for _, tt := range []struct {
		name         string
		env          map[string]string
		wantSecret   string
		wantPort     string
		wantMetrics  map[string]string // host port of each service's metrics listener
		wantEndpoint string
	}{
		{"defaults", map[string]string{}, dev, "4000",
			map[string]string{"gateway": "9100", "users": "9101", "products": "9102"}, ""},
		{"set", map[string]string{
			"CURSOR_SECRET": "0123456789abcdef", "GATEWAY_PORT": "8080",
			"GATEWAY_METRICS_PORT": "19100", "USERS_METRICS_PORT": "19101", "PRODUCTS_METRICS_PORT": "19102",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318",
			"JWKS_URL":                    "https://idp.example.com/jwks.json",
			"JWT_ISSUER":                  "https://idp.example.com/",
			"JWT_AUDIENCE":                "fedgraph",
		}, "0123456789abcdef", "8080",
			map[string]string{"gateway": "19100", "users": "19101", "products": "19102"}, "http://otel-collector:4318"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := loadCompose(t, tt.env)
			for _, s := range schema.Subgraphs() {
				if got := deref(p.Services[s.Name].Environment["CURSOR_SECRET"]); got != tt.wantSecret {
					t.Errorf("%s CURSOR_SECRET = %v, want %q", s.Name, got, tt.wantSecret)
				}
			}
			gateway := p.Services["gateway"]
			if got := publishedTo(gateway, bins["gateway"].listenPort(t, gateway.Environment)); got != tt.wantPort {
				t.Errorf("gateway's port published on %q, want %s", got, tt.wantPort)
			}
			published := map[string]string{}
			for _, c := range services() {
				s := p.Services[c.name]
				got := publishedTo(s, bins[c.name].metricsPort(t, s.Environment))
				if got != tt.wantMetrics[c.name] {
					t.Errorf("%s's metrics port published on %q, want %s", c.name, got, tt.wantMetrics[c.name])
				}
				for _, pc := range s.Ports {
					if other, ok := published[pc.Published]; ok {
						t.Errorf("host port %s published by %s and %s", pc.Published, other, c.name)
					}
					published[pc.Published] = c.name
				}
				if got := deref(s.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"]); got != tt.wantEndpoint {
					t.Errorf("%s OTEL_EXPORTER_OTLP_ENDPOINT = %v, want %q", c.name, got, tt.wantEndpoint)
				}
				// Token settings reach all three services alike, as each verifies itself.
				for _, name := range []string{"JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"} {
					if got, want := bins[c.name].setting(t, s.Environment, name), tt.env[name]; got != want {
						t.Errorf("%s %s = %q, want %q", c.name, name, got, want)
					}
				}
				if on := bins[c.name].tracingOn(t, s.Environment); on != (tt.wantEndpoint != "") {
					t.Errorf("%s tracing on: %v, want %v with OTEL_EXPORTER_OTLP_ENDPOINT=%q", c.name, on, !on, tt.wantEndpoint)
				}
			}
		})
	}
}
