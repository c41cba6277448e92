package systemtest

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A products subgraph reached directly, as a hostile caller reaches it: the issue's
// `_entities` request, which asks each of thousands of User representations for a page
// of 100 products, is refused before it runs, and one let through by raised limits
// stops at -max-response-bytes or at -request-timeout, the work included. Memory is the
// products process's own peak RSS (VmHWM), read once its work has ended.

// hostileEntities is the request: a page of 100 products for each of n
// representations of owner.
func hostileEntities(owner string, n int) (string, map[string]any) {
	reps := make([]any, n)
	for i := range reps {
		reps[i] = map[string]any{"__typename": "User", "id": owner}
	}
	return `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { products(first: 100) { edges { node { id name description price { amount } } } } } } }`,
		map[string]any{"r": reps}
}

// procStatus returns a field of /proc/PID/status of p, in kB.
func procStatus(t *testing.T, p *process, field string) int64 {
	t.Helper()
	p.mu.Lock()
	pid := p.cmd.Process.Pid
	p.mu.Unlock()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s %q: %v", field, v, err)
			}
			return kb
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// TestHostileEntities seeds a user with 100 products, then sends the request
// (scaled to 3,000 representations, and to 900, under the representations cap but
// 900 times the cost of a page) straight to a products process with its default
// limits, and then the request of 1,000 representations to products processes whose
// complexity limit lets it run: one with a -max-response-bytes of 1 MiB, one with a
// -request-timeout of 100ms. Each is refused or ended with its code, and the
// process's peak RSS, read once its goroutines are back where they were (its work
// has ended), stays under 120 MB. Measured: 25-30 MB for the refused requests, about
// 60 MB for the two stopped ones; without the bounds, 192-311 MB for these four
// (each answered in full but the one that timed out, whose work went on after its
// 504), and 3.16 GB for the 12,000 representations.
func TestHostileEntities(t *testing.T) {
	s := &system{usersRedis: startRedis(t), productsRedis: startRedis(t)}
	s.users = startProcess(t, "users", 0, "-redis-url", s.usersRedis.url(), "-cursor-secret", "system-test")
	seeder := startProcess(t, "products", 0, s.productsArgs()...)
	var u struct{ CreateUser struct{ ID string } }
	must(t, s.users.url(), `mutation { createUser(input: {name: "Ada", email: "ada@example.com"}) { id } }`, nil, &u)
	owner := u.CreateUser.ID
	var m strings.Builder
	m.WriteString("mutation {")
	for i := range 100 {
		fmt.Fprintf(&m, ` p%d: createProduct(input: {name: "Product %d", description: %q, ownerId: %q, price: {amount: "1.00", currencyCode: USD}}) { id }`,
			i, i, strings.Repeat("d", 100), owner)
	}
	m.WriteString(" }")
	must(t, seeder.url(), m.String(), nil, nil)
	seeder.kill()

	const maxPeakKB = 120 << 10
	tests := []struct {
		name       string
		flags      []string
		reps       int
		wantStatus int
		wantCode   string
	}{
		{"3000 representations", nil, 3000, http.StatusOK, "COST_LIMIT_EXCEEDED"},
		{"a page for each of 900 representations", nil, 900, http.StatusOK, "COST_LIMIT_EXCEEDED"},
		{"past -max-response-bytes", []string{"-max-complexity", "1000000000", "-max-response-bytes", "1048576"}, 1000, http.StatusOK, "RESPONSE_TOO_LARGE"},
		{"past -request-timeout", []string{"-max-complexity", "1000000000", "-request-timeout", "100ms"}, 1000, http.StatusGatewayTimeout, "REQUEST_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metricsPort := freePort(t)
			metrics := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
			p := startProcess(t, "products", 0, append(s.productsArgs(), append([]string{"-metrics-addr", fmt.Sprintf("127.0.0.1:%d", metricsPort)}, tt.flags...)...)...)
			// A first request, so that the baseline has the connection's goroutines.
			must(t, p.url(), `{ __typename }`, nil, nil)
			goroutines := metric(t, metrics, "go_goroutines")
			before := procStatus(t, p, "VmRSS")

			q, vars := hostileEntities(owner, tt.reps)
			r, err := post(p.url(), q, vars, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != tt.wantCode || r.Status != tt.wantStatus || len(r.Data) > 0 && string(r.Data) != "null" {
				t.Errorf("got %d, data %.100s, errors %+v; want %d, no data and one %s error", r.Status, r.Data, r.Errors, tt.wantStatus, tt.wantCode)
			}
			eventually(t, 30*time.Second, "the request's goroutines end", func() bool {
				return metric(t, metrics, "go_goroutines") <= goroutines+2
			})
			peak := procStatus(t, p, "VmHWM")
			t.Logf("products RSS before %d MB, peak %d MB", before>>10, peak>>10)
			if peak > maxPeakKB {
				t.Errorf("products' peak RSS %d MB, want under %d MB", peak>>10, maxPeakKB>>10)
			}
		})
	}
}
