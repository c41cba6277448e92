package deploy

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fedgraph/fedgraph/internal/metrics"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// The kustomizations, relative to the module root.
const (
	kustomizeBase       = "deploy/kubernetes/base"
	kustomizeProduction = "deploy/kubernetes/overlays/production"
	redisValues         = "deploy/kubernetes/redis"
)

// Redis Cluster's ports: clients, and the bus between its nodes.
const redisBusPort = 16379

// monitoringNamespace is the namespace Prometheus runs in, the only one whose pods may
// reach the metrics ports (networkpolicies.yaml selects it by its
// kubernetes.io/metadata.name label).
const monitoringNamespace = "monitoring"

// The pod-template annotations that tell Prometheus where to scrape a pod.
const (
	scrapeAnnotation = "prometheus.io/scrape"
	portAnnotation   = "prometheus.io/port"
	pathAnnotation   = "prometheus.io/path"
)

// rendered is what a kustomization renders, decoded into the Kubernetes API types.
type rendered struct {
	namespace   string // of every object; "" in the base
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	policies    []*networkingv1.NetworkPolicy
}

// render runs kustomize on dir (relative to the module root) and decodes every object
// strictly: a field the API type does not have, or has twice, fails the test, as the API
// server would refuse it.
func render(t *testing.T, dir string) *rendered {
	t.Helper()
	root, _ := binaries(t)
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, dir))
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		appsv1.AddToScheme, corev1.AddToScheme, policyv1.AddToScheme, autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	r := &rendered{
		deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
	}
	namespaces := map[string]bool{}
	for _, res := range resMap.Resources() {
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, gvk, err := decoder.Decode(y, nil, nil)
		if err != nil {
			t.Errorf("%s %s: %v", res.GetKind(), res.GetName(), err)
			continue
		}
		namespaces[res.GetNamespace()] = true
		switch o := obj.(type) {
		case *appsv1.Deployment:
			r.deployments[o.Name] = o
		case *corev1.Service:
			r.services[o.Name] = o
		case *corev1.ConfigMap:
			r.configMaps[o.Name] = o
		case *corev1.Secret:
			r.secrets[o.Name] = o
		case *policyv1.PodDisruptionBudget:
			r.pdbs = append(r.pdbs, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.hpas = append(r.hpas, o)
		case *networkingv1.NetworkPolicy:
			r.policies = append(r.policies, o)
		default:
			t.Errorf("%s %s: a kind this test does not check", gvk, res.GetName())
		}
	}
	if len(namespaces) != 1 {
		t.Errorf("objects in namespaces %v, want one", namespaces)
	}
	for ns := range namespaces {
		r.namespace = ns
	}
	return r
}

// envVar is one variable of a container: a literal, or a Secret's key.
type envVar struct {
	value  *string
	secret *corev1.SecretKeySelector
}

// containerEnv resolves a container's environment: env, and the ConfigMaps and Secrets
// of envFrom (env wins, as in Kubernetes).
func (r *rendered) containerEnv(t *testing.T, c corev1.Container) map[string]envVar {
	t.Helper()
	env := map[string]envVar{}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, ok := r.configMaps[from.ConfigMapRef.Name]
			if !ok {
				t.Errorf("%s: envFrom ConfigMap %s is not rendered", c.Name, from.ConfigMapRef.Name)
				continue
			}
			for k, v := range cm.Data {
				env[from.Prefix+k] = envVar{value: &v}
			}
		default:
			t.Errorf("%s: envFrom %+v: want ConfigMaps only; name each secret value with env", c.Name, from)
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = envVar{value: &e.Value}
		case e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = envVar{secret: e.ValueFrom.SecretKeyRef}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v, ok := r.configMaps[ref.Name].Data[ref.Key]
			if !ok {
				t.Errorf("%s: %s from ConfigMap %s key %s, which is not rendered", c.Name, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = envVar{value: &v}
		default:
			t.Errorf("%s: %s: unexpected valueFrom %+v", c.Name, e.Name, e.ValueFrom)
		}
	}
	return env
}

// values maps env to what binary.checkEnv takes: a Secret's value is not known.
func values(env map[string]envVar) map[string]*string {
	out := map[string]*string{}
	for k, v := range env {
		out[k] = v.value
	}
	return out
}

// containerPort resolves a probe's or a Service's port to one of c's container ports.
func containerPort(c corev1.Container, port intstr.IntOrString) (int32, bool) {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

// selects reports whether sel selects a pod labelled l; a nil selector selects nothing.
func selects(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %+v: %v", sel, err)
	}
	return s.Matches(labels.Set(l))
}

// TestKubernetes renders the base and the production overlay and checks each against
// the binaries and the Dockerfile: every container's settings, ports and probes, its
// resources and security, the Services that find it, the gateway's disruption budget and
// autoscaler, and who the NetworkPolicies let talk to whom.
func TestKubernetes(t *testing.T) {
	base := render(t, kustomizeBase)
	for _, tt := range []struct {
		dir        string
		production bool
	}{
		{kustomizeBase, false},
		{kustomizeProduction, true},
	} {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			r := render(t, tt.dir)
			checkDeployments(t, r, base, tt.production)
			checkServices(t, r)
			checkGatewayScaling(t, r)
			checkNetworkPolicies(t, r)
			if tt.production {
				if r.namespace == "" {
					t.Error("the production overlay sets no namespace")
				}
				if len(r.secrets) > 0 {
					t.Errorf("the production overlay renders Secrets %v: it must expect them made outside git", slices.Sorted(maps.Keys(r.secrets)))
				}
				// docs/deploy.md: "For production, set -introspection=false -playground=false".
				_, bins := binaries(t)
				env := values(r.containerEnv(t, r.deployments["gateway"].Spec.Template.Spec.Containers[0]))
				for _, name := range []string{"INTROSPECTION", "PLAYGROUND"} {
					if v := bins["gateway"].setting(t, env, name); v != "false" {
						t.Errorf("production gateway %s = %q, want false", name, v)
					}
				}
				checkProductionAuthentication(t, r)
			}
		})
	}
	checkRedisValues(t, base)
}

// checkDeployments checks each service's Deployment against its binary and its image:
// the image, every variable and where it comes from, the URLs, the port, the probes,
// resources and security.
func checkDeployments(t *testing.T, r, base *rendered, production bool) {
	_, bins := binaries(t)
	d := loadDockerfile(t)
	if len(r.deployments) != len(services()) {
		t.Errorf("Deployments %v, want one per service", slices.Sorted(maps.Keys(r.deployments)))
	}
	for _, svc := range services() {
		t.Run(svc.name, func(t *testing.T) {
			dep, ok := r.deployments[svc.name]
			if !ok {
				t.Fatalf("no Deployment %s", svc.name)
			}
			bin := bins[svc.name]
			pod := dep.Spec.Template
			if !selects(t, dep.Spec.Selector, pod.Labels) {
				t.Errorf("selector %+v does not select its own pods %v", dep.Spec.Selector, pod.Labels)
			}
			if len(pod.Spec.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
			}
			c := pod.Spec.Containers[0]

			name, tag, _ := strings.Cut(c.Image, ":")
			if !strings.HasSuffix(name, "-"+svc.name) && !strings.HasSuffix(name, "/"+svc.name) {
				t.Errorf("image %s is not %s's", c.Image, svc.name)
			}
			if production && (!strings.Contains(name, "/") || tag == "" || tag == "dev" || tag == "latest") {
				t.Errorf("image %s: want a registry's image by version", c.Image)
			}

			env := r.containerEnv(t, c)
			if err := bin.checkEnv(values(env)); err != nil {
				t.Errorf("environment: %v", err)
			}
			for name, v := range env {
				if v.secret == nil {
					continue
				}
				// The production overlay's Secret is made outside git with the base's keys.
				sec, ok := base.secrets[v.secret.Name]
				if !ok {
					t.Errorf("%s from Secret %s, which the base does not define", name, v.secret.Name)
				} else if _, ok := sec.Data[v.secret.Key]; !ok {
					t.Errorf("%s from Secret %s key %s, which it does not have", name, v.secret.Name, v.secret.Key)
				}
				if v.secret.Optional != nil && *v.secret.Optional {
					t.Errorf("%s: an optional Secret key starts the service on its development default", name)
				}
			}
			for _, must := range mustBeSecret(svc.name) {
				if v, ok := env[must]; !ok || v.secret == nil {
					t.Errorf("%s must come from a Secret", must)
				}
				for _, from := range c.EnvFrom {
					if from.ConfigMapRef == nil {
						continue
					}
					if _, ok := r.configMaps[from.ConfigMapRef.Name].Data[must]; ok {
						t.Errorf("ConfigMap %s holds %s, which belongs in a Secret", from.ConfigMapRef.Name, must)
					}
				}
			}
			if svc.name == "products" {
				// products refuses to start without its events source unless EVENTS=off.
				if got := bin.setting(t, values(env), "EVENTS"); got != "on" || env["EVENTS_REDIS_URL"].value == nil && env["EVENTS_REDIS_URL"].secret == nil {
					t.Errorf("EVENTS = %q with EVENTS_REDIS_URL %+v: want on, from the users Redis", got, env["EVENTS_REDIS_URL"])
				}
			}
			checkURLs(t, r, bins, svc.name, env)
			if svc.name == "gateway" {
				checkSubgraphList(t, values(env))
				checkSchemaCacheMount(t, pod.Spec, c, bin.setting(t, values(env), "SCHEMA_CACHE_DIR"))
			}
			// The probes and the Service reach the pod's address, not its loopback.
			if err := bin.checkListensOnEveryInterface(values(env)); err != nil {
				t.Errorf("environment: %v", err)
			}

			port := bin.listenPort(t, values(env))
			metricsPort := bin.metricsPort(t, values(env))
			checkContainerPorts(t, c, port, metricsPort)
			checkScrapeAnnotations(t, c, pod.Annotations, metricsPort)
			bin.tracingOn(t, values(env)) // its OTEL_* values, if any, are ones it takes
			checkProbe(t, c, "readiness", c.ReadinessProbe, "/readyz", port)
			checkProbe(t, c, "liveness", c.LivenessProbe, "/healthz", port)

			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okReq := c.Resources.Requests[res]
				lim, okLim := c.Resources.Limits[res]
				if !okReq || !okLim {
					t.Errorf("resources %s: want a request and a limit", res)
				} else if req.Cmp(lim) > 0 {
					t.Errorf("resources %s: request %s above limit %s", res, req.String(), lim.String())
				}
			}

			uid := dockerfileUser(t, d, svc.name)
			ps := pod.Spec.SecurityContext
			if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser != uid {
				t.Errorf("pod securityContext: want runAsNonRoot and runAsUser %d, the image's USER", uid)
			}
			if ps != nil && (ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
				t.Errorf("pod seccompProfile %+v, want RuntimeDefault", ps.SeccompProfile)
			}
			cs := c.SecurityContext
			if cs == nil || cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
				cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
				cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") {
				t.Error("container securityContext: want no privilege escalation, a read-only root file system and capabilities drop ALL")
			}
			if a := pod.Spec.AutomountServiceAccountToken; a == nil || *a {
				t.Error("automountServiceAccountToken: want false, no service calls the API server")
			}
		})
	}
}

// checkSchemaCacheMount checks the gateway's SCHEMA_CACHE_DIR: set, and a writable
// volume of the pod mounted there (the root file system is read-only), so that a
// container restarted while a subgraph is down still has that subgraph's schema.
func checkSchemaCacheMount(t *testing.T, pod corev1.PodSpec, c corev1.Container, dir string) {
	t.Helper()
	if dir == "" {
		t.Error("SCHEMA_CACHE_DIR is empty: a restart while a subgraph is down would start without its fields")
		return
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath != dir {
			continue
		}
		if m.ReadOnly || m.SubPath != "" {
			t.Errorf("SCHEMA_CACHE_DIR=%s: mount %+v, want the whole volume, writable", dir, m)
		}
		if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name }) {
			t.Errorf("SCHEMA_CACHE_DIR=%s: mount of %s, which is no volume of the pod", dir, m.Name)
		}
		return
	}
	t.Errorf("SCHEMA_CACHE_DIR=%s is on no volume: the root file system is read-only", dir)
}

// checkContainerPorts checks that c declares exactly two ports: http, the port the binary
// listens on, and metrics, its METRICS_ADDR's.
func checkContainerPorts(t *testing.T, c corev1.Container, port, metricsPort int) {
	t.Helper()
	got := map[string]int32{}
	for _, p := range c.Ports {
		got[p.Name] = p.ContainerPort
	}
	want := map[string]int32{"http": int32(port), "metrics": int32(metricsPort)}
	if len(c.Ports) != len(want) || !maps.Equal(got, want) {
		t.Errorf("container ports %+v, want http %d, the port %s listens on, and metrics %d, its METRICS_ADDR's",
			c.Ports, port, c.Name, metricsPort)
	}
}

// checkScrapeAnnotations checks the pod template's Prometheus annotations: scrape on, the
// port the metrics listener is on (a container port of c), and the path it serves.
func checkScrapeAnnotations(t *testing.T, c corev1.Container, annotations map[string]string, metricsPort int) {
	t.Helper()
	if got := annotations[scrapeAnnotation]; got != "true" {
		t.Errorf("annotation %s = %q, want \"true\"", scrapeAnnotation, got)
	}
	if got := annotations[portAnnotation]; got != strconv.Itoa(metricsPort) {
		t.Errorf("annotation %s = %q, want %d, the port of METRICS_ADDR", portAnnotation, got, metricsPort)
	} else if cp, ok := containerPort(c, intstr.FromInt32(int32(metricsPort))); !ok || cp != int32(metricsPort) {
		t.Errorf("annotation %s = %q is no container port of %s", portAnnotation, got, c.Name)
	}
	path := annotations[pathAnnotation]
	if path == "" {
		path = "/metrics" // Prometheus's default
	}
	checkMetricsPath(t, path)
}

// checkMetricsPath checks that the metrics listener every binary starts
// (internal/metrics.Serve) answers 200 on path.
func checkMetricsPath(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	if err := metrics.Serve(ctx, "127.0.0.1:0", prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), &out); err != nil {
		t.Fatalf("metrics.Serve: %v", err)
	}
	// It prints "metrics on http://ADDR/metrics".
	_, base, ok := strings.Cut(strings.TrimSpace(out.String()), " on ")
	u, err := url.Parse(base)
	if !ok || err != nil || u.Host == "" {
		t.Fatalf("metrics.Serve printed %q: want its address", out.String())
	}
	resp, err := http.Get("http://" + u.Host + path)
	if err != nil {
		t.Fatalf("GET %s from the metrics listener: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("annotation %s = %q: the metrics listener answers %s there", pathAnnotation, path, resp.Status)
	}
}

// mustBeSecret lists the variables of svc that must never be in a ConfigMap: the cursor
// secret, and the Redis URLs, which carry the password.
func mustBeSecret(svc string) []string {
	switch svc {
	case "users":
		return []string{"CURSOR_SECRET", "REDIS_URL"}
	case "products":
		return []string{"CURSOR_SECRET", "REDIS_URL", "EVENTS_REDIS_URL"}
	}
	return nil
}

// dockerfileUser returns the uid of the USER of the image SERVICE=svc builds.
func dockerfileUser(t *testing.T, d *dockerfile, svc string) int64 {
	t.Helper()
	img := d.image(t, map[string]string{"SERVICE": svc})
	uid, err := runtimeUser(img.user)
	if err != nil {
		t.Fatalf("Dockerfile USER %q: %v", img.user, err)
	}
	return uid
}

func checkProbe(t *testing.T, c corev1.Container, kind string, p *corev1.Probe, path string, port int) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe %+v: want an HTTP GET of %s", kind, p, path)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe on %s, want %s", kind, p.HTTPGet.Path, path)
	}
	if got, ok := containerPort(c, p.HTTPGet.Port); !ok || got != int32(port) {
		t.Errorf("%s probe on port %s, which is %d, not %d where the binary listens", kind, p.HTTPGet.Port.String(), got, port)
	}
}

// urlTargets says which Deployment each GraphQL URL setting must reach; each subgraph
// of the gateway's SUBGRAPHS must reach the Deployment of its name.
var urlTargets = map[string]string{"USERS_URL": "users"}

// checkURLs checks svc's http URL settings (urlSettings: each -…-url, and each subgraph
// of the gateway's SUBGRAPHS): each names a Service that leads, on the URL's port, to the
// Deployment it must reach, on the port that one listens on.
func checkURLs(t *testing.T, r *rendered, bins map[string]*binary, svc string, env map[string]envVar) {
	t.Helper()
	settings, err := urlSettings(values(env))
	if err != nil {
		t.Error(err)
	}
	for _, st := range settings {
		name, v := st.label, envVar{value: &st.url}
		if !strings.HasPrefix(*v.value, "http") {
			continue
		}
		u, err := url.Parse(*v.value)
		if err != nil {
			t.Errorf("%s=%s: %v", name, *v.value, err)
			continue
		}
		host := strings.TrimSuffix(u.Hostname(), ".svc.cluster.local")
		if r.namespace != "" {
			host = strings.TrimSuffix(host, "."+r.namespace)
		}
		s, ok := r.services[host]
		if !ok {
			t.Errorf("%s=%s: no Service %s", name, *v.value, host)
			continue
		}
		target := selectedDeployment(t, r, s)
		want, ok := urlTargets[name]
		if st.target != "" {
			want, ok = st.target, true
		}
		if ok && (target == nil || target.Name != want) {
			t.Errorf("%s=%s: Service %s does not lead to %s", name, *v.value, host, want)
			continue
		}
		if target == nil {
			continue
		}
		tc := target.Spec.Template.Spec.Containers[0]
		listen := bins[target.Name].listenPort(t, values(r.containerEnv(t, tc)))
		var reached bool
		for _, sp := range s.Spec.Ports {
			if strconv.Itoa(int(sp.Port)) != u.Port() {
				continue
			}
			if cp, ok := containerPort(tc, sp.TargetPort); ok && cp == int32(listen) {
				reached = true
			}
		}
		if !reached {
			t.Errorf("%s=%s: Service %s port %s does not lead to %s's port %d", name, *v.value, host, u.Port(), target.Name, listen)
		}
		if u.Path != "/graphql" {
			t.Errorf("%s=%s: the subgraphs serve GraphQL on /graphql", name, *v.value)
		}
	}
}

// selectedDeployment returns the one Deployment whose pods s selects, or nil.
func selectedDeployment(t *testing.T, r *rendered, s *corev1.Service) *appsv1.Deployment {
	t.Helper()
	var found []*appsv1.Deployment
	for _, d := range r.deployments {
		if len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// checkServices checks that each Service leads to its Deployment's ports, and never to
// the metrics listener's: Prometheus scrapes each pod, and the Services are what the
// graph (and, for the gateway, the public) reach.
func checkServices(t *testing.T, r *rendered) {
	_, bins := binaries(t)
	for name, s := range r.services {
		d := selectedDeployment(t, r, s)
		if d == nil {
			t.Errorf("Service %s selects %v: want exactly one Deployment's pods", name, s.Spec.Selector)
			continue
		}
		if d.Name != name {
			t.Errorf("Service %s leads to %s: the URLs name a service by its Deployment", name, d.Name)
		}
		c := d.Spec.Template.Spec.Containers[0]
		var metricsPort int32 = -1
		if b, ok := bins[d.Name]; ok {
			metricsPort = int32(b.metricsPort(t, values(r.containerEnv(t, c))))
		}
		for _, p := range s.Spec.Ports {
			cp, ok := containerPort(c, p.TargetPort)
			if !ok {
				t.Errorf("Service %s port %d: targetPort %s is no port of %s", name, p.Port, p.TargetPort.String(), d.Name)
			}
			if ok && cp == metricsPort {
				t.Errorf("Service %s port %d exposes %s's metrics listener (%d): only Prometheus, pod by pod, reaches it", name, p.Port, d.Name, metricsPort)
			}
		}
	}
	for _, svc := range services() {
		if _, ok := r.services[svc.name]; !ok {
			t.Errorf("no Service %s", svc.name)
		}
	}
}

// checkGatewayScaling checks the gateway's PodDisruptionBudget and autoscaler.
func checkGatewayScaling(t *testing.T, r *rendered) {
	gw := r.deployments["gateway"]
	if gw == nil {
		return
	}
	if gw.Spec.Replicas != nil {
		t.Errorf("gateway replicas %d: the autoscaler owns the count; applying again would reset it", *gw.Spec.Replicas)
	}
	if len(r.hpas) != 1 {
		t.Fatalf("%d HorizontalPodAutoscalers, want the gateway's", len(r.hpas))
	}
	hpa := r.hpas[0]
	if ref := hpa.Spec.ScaleTargetRef; ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != "gateway" {
		t.Errorf("autoscaler targets %+v, want the gateway's Deployment", ref)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("autoscaler replicas %v..%d: want at least 2, and max above min", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
	var cpu bool
	for _, m := range hpa.Spec.Metrics {
		cpu = cpu || (m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU)
	}
	if !cpu {
		t.Error("autoscaler: want a CPU metric")
	}

	if len(r.pdbs) != 1 {
		t.Fatalf("%d PodDisruptionBudgets, want the gateway's", len(r.pdbs))
	}
	pdb := r.pdbs[0]
	for name, d := range r.deployments {
		if got, want := selects(t, pdb.Spec.Selector, d.Spec.Template.Labels), name == "gateway"; got != want {
			t.Errorf("PodDisruptionBudget selects %s's pods: %v, want %v", name, got, want)
		}
	}
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		if pdb.Spec.MaxUnavailable.Type == intstr.Int && pdb.Spec.MaxUnavailable.IntVal < 1 {
			t.Errorf("PodDisruptionBudget maxUnavailable %s blocks every drain", pdb.Spec.MaxUnavailable.String())
		}
	case pdb.Spec.MinAvailable != nil:
		if pdb.Spec.MinAvailable.Type == intstr.Int && hpa.Spec.MinReplicas != nil && pdb.Spec.MinAvailable.IntVal >= *hpa.Spec.MinReplicas {
			t.Errorf("PodDisruptionBudget minAvailable %s with %d replicas blocks every drain", pdb.Spec.MinAvailable.String(), *hpa.Spec.MinReplicas)
		}
	default:
		t.Error("PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}
}

// pod is a pod the NetworkPolicies are checked on.
type pod struct {
	name      string
	namespace string
	nsLabels  map[string]string
	labels    map[string]string
	ports     map[string]int32 // named container ports
}

// redisPods returns the pods the redis-operator makes for each Redis release in
// deploy/kubernetes/redis, labelled as its chart labels them, in namespace.
func redisPods(t *testing.T, namespace string) map[string]pod {
	t.Helper()
	out := map[string]pod{}
	for _, name := range redisReleases(t) {
		out[name] = pod{
			name: name, namespace: namespace, nsLabels: map[string]string{"kubernetes.io/metadata.name": namespace},
			labels: map[string]string{"app.kubernetes.io/instance": name, "app.kubernetes.io/name": name, "redis_setup_type": "cluster"},
		}
	}
	return out
}

// checkNetworkPolicies checks who may reach whom: each pod against each other, on each
// port that matters, against what the graph needs and nothing more.
func checkNetworkPolicies(t *testing.T, r *rendered) {
	_, bins := binaries(t)
	ns := r.namespace
	if ns == "" {
		ns = "default"
	}
	nsLabels := map[string]string{"kubernetes.io/metadata.name": ns}
	pods := redisPods(t, ns)
	ports := map[string]int32{}
	metricsPorts := map[string]int32{}
	for name, d := range r.deployments {
		c := d.Spec.Template.Spec.Containers[0]
		named := map[string]int32{}
		for _, p := range c.Ports {
			named[p.Name] = p.ContainerPort
		}
		pods[name] = pod{name: name, namespace: ns, nsLabels: nsLabels, labels: d.Spec.Template.Labels, ports: named}
		ports[name] = int32(bins[name].listenPort(t, values(r.containerEnv(t, c))))
		metricsPorts[name] = int32(bins[name].metricsPort(t, values(r.containerEnv(t, c))))
	}
	pods["other"] = pod{name: "other", namespace: ns, nsLabels: nsLabels, labels: map[string]string{"app.kubernetes.io/name": "other"}}
	// Prometheus in the monitoring namespace, and pods that look like it elsewhere: in
	// the graph's namespace, and in a namespace of their own.
	prometheus := map[string]string{"app.kubernetes.io/name": "prometheus"}
	pods["prometheus"] = pod{name: "prometheus", namespace: monitoringNamespace,
		nsLabels: map[string]string{"kubernetes.io/metadata.name": monitoringNamespace}, labels: prometheus}
	pods["prometheus-here"] = pod{name: "prometheus-here", namespace: ns, nsLabels: nsLabels, labels: prometheus}
	pods["prometheus-elsewhere"] = pod{name: "prometheus-elsewhere", namespace: "elsewhere",
		nsLabels: map[string]string{"kubernetes.io/metadata.name": "elsewhere"}, labels: prometheus}
	pods["operator"] = pod{name: "operator", namespace: "ot-operators",
		nsLabels: map[string]string{"kubernetes.io/metadata.name": "ot-operators"}, labels: map[string]string{"name": "redis-operator"}}
	pods["dns"] = pod{name: "dns", namespace: "kube-system",
		nsLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}, labels: map[string]string{"k8s-app": "kube-dns"}}

	// Every policy selects pods that exist, and every pod of the graph is under one.
	for _, np := range r.policies {
		var n int
		for _, p := range pods {
			if p.namespace == ns && selects(t, &np.Spec.PodSelector, p.labels) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("NetworkPolicy %s selects no pod", np.Name)
		}
		if len(np.Spec.PolicyTypes) == 0 {
			t.Errorf("NetworkPolicy %s: name its policyTypes", np.Name)
		}
	}

	type hop struct {
		from, to string
		port     int32
		proto    corev1.Protocol
		want     bool
	}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	hops := []hop{
		{"other", "gateway", ports["gateway"], tcp, true},
		{"gateway", "users", ports["users"], tcp, true},
		{"gateway", "products", ports["products"], tcp, true},
		{"products", "users", ports["users"], tcp, true}, // the owner check
		{"users", "products", ports["products"], tcp, false},
		{"other", "users", ports["users"], tcp, false},
		{"other", "products", ports["products"], tcp, false},
		{"gateway", "users", 9999, tcp, false},
		{"users", "users-redis", redisPort, tcp, true},
		{"products", "products-redis", redisPort, tcp, true},
		{"products", "users-redis", redisPort, tcp, true}, // the user.deleted stream
		{"users", "products-redis", redisPort, tcp, false},
		{"gateway", "users-redis", redisPort, tcp, false},
		{"gateway", "products-redis", redisPort, tcp, false},
		{"other", "users-redis", redisPort, tcp, false},
		{"other", "products-redis", redisPort, tcp, false},
		{"users-redis", "users-redis", redisBusPort, tcp, true},
		{"products-redis", "products-redis", redisBusPort, tcp, true},
		{"products-redis", "users-redis", redisBusPort, tcp, false},
		{"operator", "users-redis", redisPort, tcp, true},
		{"operator", "products-redis", redisPort, tcp, true},
		{"operator", "users", ports["users"], tcp, false},
		{"gateway", "dns", 53, udp, true},
		{"users", "dns", 53, udp, true},
		{"products", "dns", 53, udp, true},
		{"gateway", "other", 443, tcp, false},
		{"users", "other", 443, tcp, false},
		{"prometheus", "users", ports["users"], tcp, false},
		{"prometheus", "products", ports["products"], tcp, false},
		{"prometheus", "users-redis", redisPort, tcp, false},
	}
	// Each service's metrics port: from the monitoring namespace, and from nowhere else.
	for _, svc := range services() {
		for _, from := range slices.Sorted(maps.Keys(pods)) {
			hops = append(hops, hop{from, svc.name, metricsPorts[svc.name], tcp, pods[from].namespace == monitoringNamespace})
		}
	}
	for _, h := range hops {
		from, okFrom := pods[h.from]
		to, okTo := pods[h.to]
		if !okFrom || !okTo {
			t.Errorf("no pod %s or %s", h.from, h.to)
			continue
		}
		v := judge(t, r.policies, ns, from, to, h.port, h.proto)
		if h.want && !(v.egress && v.ingress) {
			t.Errorf("%s → %s:%d/%s refused (egress %v, ingress %v), want allowed", h.from, h.to, h.port, h.proto, v.egress, v.ingress)
		}
		// A refused connection is refused by each side that has a policy, so that
		// neither side's policy alone lets it through.
		if !h.want && ((v.egress && v.ingress) || (v.egressPolicy && v.egress) || (v.ingressPolicy && v.ingress)) {
			t.Errorf("%s → %s:%d/%s allowed by egress %v, ingress %v, want refused by each side with a policy", h.from, h.to, h.port, h.proto, v.egress && v.egressPolicy, v.ingress && v.ingressPolicy)
		}
	}

	// Nor from outside the cluster: no ingress rule that reaches a metrics port names
	// addresses (judge models pods only, so an ipBlock would go unseen above).
	for _, svc := range services() {
		to := pods[svc.name]
		for _, np := range r.policies {
			if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !selects(t, &np.Spec.PodSelector, to.labels) {
				continue
			}
			for _, rule := range np.Spec.Ingress {
				if !portsMatch(rule.Ports, to, metricsPorts[svc.name], tcp) {
					continue
				}
				for _, peer := range rule.From {
					if peer.IPBlock != nil {
						t.Errorf("NetworkPolicy %s: ipBlock %s reaches %s's metrics port %d: want the monitoring namespace only", np.Name, peer.IPBlock.CIDR, svc.name, metricsPorts[svc.name])
					}
				}
			}
		}
	}
}

// verdict is what the NetworkPolicies say of one connection, each side on its own.
type verdict struct {
	egress, ingress bool // the source's egress and the destination's ingress allow it
	// egressPolicy and ingressPolicy report whether any policy of that direction
	// selects the source or the destination; a side none selects is open.
	egressPolicy, ingressPolicy bool
}

// judge evaluates a connection from from to to's port under the policies of namespace ns.
func judge(t *testing.T, policies []*networkingv1.NetworkPolicy, ns string, from, to pod, port int32, proto corev1.Protocol) verdict {
	var v verdict
	for _, np := range policies {
		if slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) && from.namespace == ns && selects(t, &np.Spec.PodSelector, from.labels) {
			v.egressPolicy = true
			for _, rule := range np.Spec.Egress {
				v.egress = v.egress || (peersMatch(t, rule.To, ns, to) && portsMatch(rule.Ports, to, port, proto))
			}
		}
		if slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) && to.namespace == ns && selects(t, &np.Spec.PodSelector, to.labels) {
			v.ingressPolicy = true
			for _, rule := range np.Spec.Ingress {
				v.ingress = v.ingress || (peersMatch(t, rule.From, ns, from) && portsMatch(rule.Ports, to, port, proto))
			}
		}
	}
	v.egress = v.egress || !v.egressPolicy
	v.ingress = v.ingress || !v.ingressPolicy
	return v
}

// peersMatch reports whether p is among peers, for a policy in namespace ns; no peers
// means every peer.
func peersMatch(t *testing.T, peers []networkingv1.NetworkPolicyPeer, ns string, p pod) bool {
	t.Helper()
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		if peer.IPBlock != nil {
			continue // no pod is modelled by address
		}
		nsOK := p.namespace == ns
		if peer.NamespaceSelector != nil {
			nsOK = selects(t, peer.NamespaceSelector, p.nsLabels)
		}
		podOK := peer.PodSelector == nil || selects(t, peer.PodSelector, p.labels)
		if nsOK && podOK {
			return true
		}
	}
	return false
}

// portsMatch reports whether port/proto of dst is among ports; no ports means all.
func portsMatch(ports []networkingv1.NetworkPolicyPort, dst pod, port int32, proto corev1.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			if n, ok := dst.ports[p.Port.StrVal]; ok && n == port {
				return true
			}
		case p.EndPort != nil:
			if port >= p.Port.IntVal && port <= *p.EndPort {
				return true
			}
		case p.Port.IntVal == port:
			return true
		}
	}
	return false
}

// redisReleases returns the Redis release names deploy/kubernetes/redis documents, one
// per values file, each checked to be the release its file says to install.
func redisReleases(t *testing.T) []string {
	t.Helper()
	root, _ := binaries(t)
	files, err := filepath.Glob(filepath.Join(root, redisValues, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Redis values in %s: %v", redisValues, err)
	}
	var names []string
	for _, f := range files {
		rn, err := kyaml.ReadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name, err := rn.GetString("redisCluster.name")
		if err != nil || name+".yaml" != filepath.Base(f) {
			t.Errorf("%s: redisCluster.name %q: want the file's name, the release's", f, name)
		}
		names = append(names, name)
	}
	return names
}

// checkRedisValues checks the Redis values against the manifests: one Redis Cluster per
// subgraph, persistent, with the append-only file synced every second and a password,
// and the base's Redis URLs naming each one's leader Service as a cluster seed.
func checkRedisValues(t *testing.T, base *rendered) {
	root, _ := binaries(t)
	for _, want := range []struct{ release, secretKey string }{
		{"users-redis", "users-redis-url"},
		{"products-redis", "products-redis-url"},
	} {
		t.Run(want.release, func(t *testing.T) {
			rn, err := kyaml.ReadFile(filepath.Join(root, redisValues, want.release+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			get := func(path string) string {
				t.Helper()
				n, err := rn.Pipe(kyaml.Lookup(strings.Split(path, ".")...))
				if err != nil || n == nil {
					return ""
				}
				return n.YNode().Value
			}
			for path, v := range map[string]string{
				"redisCluster.persistenceEnabled": "true",
				"externalConfig.enabled":          "true",
			} {
				if got := get(path); got != v {
					t.Errorf("%s = %q, want %q", path, got, v)
				}
			}
			conf := get("externalConfig.data")
			for _, line := range []string{"appendonly yes", "appendfsync everysec"} {
				if !slices.Contains(strings.Split(conf, "\n"), line) {
					t.Errorf("externalConfig.data %q: want %q", conf, line)
				}
			}
			if get("redisCluster.redisSecret.secretName") == "" || get("redisCluster.redisSecret.secretKey") == "" {
				t.Error("redisCluster.redisSecret: want a password")
			}
			raw, ok := base.secrets["fedgraph"].Data[want.secretKey]
			if !ok {
				t.Fatalf("the base's Secret has no %s", want.secretKey)
			}
			u, err := url.Parse(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			if h, p := u.Hostname(), u.Port(); h != want.release+"-leader" || p != strconv.Itoa(redisPort) {
				t.Errorf("%s = %s: want the operator's Service %s-leader:%d", want.secretKey, raw, want.release, redisPort)
			}
			// The operator makes a Redis Cluster: the URL must say so, or the client
			// would talk to one node and be MOVED on most keys.
			if opt, err := subgraph.ParseRedisURL(string(raw)); err != nil || !opt.IsClusterMode {
				t.Errorf("%s = %s: want a cluster URL (?cluster=true), got cluster=%v, %v", want.secretKey, raw, opt != nil && opt.IsClusterMode, err)
			}
		})
	}
}

// checkProductionAuthentication checks that the production overlay turns authentication
// on in every service with one set of settings (each verifies the token itself, so they
// must agree; docs/authentication.md), a JWK Set over HTTPS, and that the
// NetworkPolicies let each service reach it: TCP 443 to an address outside the cluster.
func checkProductionAuthentication(t *testing.T, r *rendered) {
	_, bins := binaries(t)
	settings := []string{"JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_ALGORITHMS"}
	var first map[string]string
	for _, svc := range services() {
		d := r.deployments[svc.name]
		env := values(r.containerEnv(t, d.Spec.Template.Spec.Containers[0]))
		got := map[string]string{}
		for _, name := range settings {
			got[name] = bins[svc.name].setting(t, env, name)
		}
		if u, err := url.Parse(got["JWKS_URL"]); err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("production %s: JWKS_URL %q, want an https URL: authentication must be on", svc.name, got["JWKS_URL"])
		}
		if got["JWT_ISSUER"] == "" || got["JWT_AUDIENCE"] == "" {
			t.Errorf("production %s: JWT_ISSUER %q, JWT_AUDIENCE %q: want both", svc.name, got["JWT_ISSUER"], got["JWT_AUDIENCE"])
		}
		if first == nil {
			first = got
		} else if !maps.Equal(first, got) {
			t.Errorf("production %s verifies tokens with %v, %s with %v: want the same settings everywhere", svc.name, got, services()[0].name, first)
		}

		if !reachesPublicHTTPS(t, r.policies, d.Spec.Template.Labels) {
			t.Errorf("production %s: no NetworkPolicy lets it reach the JWK Set (TCP 443 outside the cluster)", svc.name)
		}
	}
}

// identityProvider stands for the identity provider's address in the NetworkPolicy
// checks: 203.0.113.10 is in TEST-NET-3, a public range no cluster uses.
var identityProvider = net.ParseIP("203.0.113.10")

// reachesPublicHTTPS reports whether some egress rule of a policy selecting pods with
// labels allows TCP 443 to identityProvider: an ipBlock that holds it and does not
// except it.
func reachesPublicHTTPS(t *testing.T, policies []*networkingv1.NetworkPolicy, labels map[string]string) bool {
	for _, np := range policies {
		if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) || !selects(t, &np.Spec.PodSelector, labels) {
			continue
		}
		for _, rule := range np.Spec.Egress {
			if !portsMatch(rule.Ports, pod{}, 443, corev1.ProtocolTCP) {
				continue
			}
			for _, peer := range rule.To {
				if peer.IPBlock != nil && ipBlockHolds(peer.IPBlock, identityProvider) {
					return true
				}
			}
		}
	}
	return false
}

// ipBlockHolds reports whether ip is in block's CIDR and in none of its exceptions.
func ipBlockHolds(block *networkingv1.IPBlock, ip net.IP) bool {
	_, cidr, err := net.ParseCIDR(block.CIDR)
	if err != nil || !cidr.Contains(ip) {
		return false
	}
	for _, ex := range block.Except {
		if _, e, err := net.ParseCIDR(ex); err == nil && e.Contains(ip) {
			return false
		}
	}
	return true
}
