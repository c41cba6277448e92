// Package conformance is a federation gateway's conformance suite: cases of a few
// Apollo Federation subgraphs each (package fedtest, served on loopback), composed at
// test time by @apollo/composition, and queries with the exact answers a gateway
// serving the supergraph must give. Each case covers one capability of federation
// (entity fetches, @shareable, @provides, @requires, abstract types, keys, @override,
// @interfaceObject, @inaccessible, mutations, Federation 1 subgraphs, subgraph errors).
//
// The expectations follow the GraphQL spec and Apollo's documented behaviour; they are
// checked against Apollo Gateway (TestApolloGateway), which answers them all but the
// known differences it lists with their reasons. Run runs the cases against any
// gateway that serves a supergraph file:
//
//	conformance.Run(t, conformance.Gateway{Name: "ours", Start: startOurs})
//
// The cases, schemas and data are written for this suite; they learn which
// capabilities matter from graphql-hive/federation-gateway-audit, not its code.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/fedtest"
	"github.com/fedgraph/fedgraph/internal/webtest"
)

// Case is a supergraph and the queries a gateway serving it must answer.
type Case struct {
	// Name is the case's name, a subtest's.
	Name string
	// About says what capability the case covers.
	About string
	// Subgraphs returns the case's subgraphs, with fresh data on each call: a run may
	// change it (mutations).
	Subgraphs func() []fedtest.Subgraph
	// Hints are the composition hint codes the case composes with, on purpose, besides
	// description hints; each must be among the composition's hints.
	Hints []string
	// Queries run one after another, in order.
	Queries []Query
}

// Query is a client request and its expected answer.
type Query struct {
	// Name is the query's name, a subtest's.
	Name      string
	Query     string
	Variables map[string]any
	// Data is the expected "data" as JSON, its objects' keys in the order the query
	// asks for them; "" when the answer must have no data entry (a request error).
	Data string
	// Errors are the expected errors, in any order; none when empty.
	Errors []Error
	// Requests, when set, is how many requests each subgraph named must receive for
	// the query: one per subgraph per step of the plan, whatever the number of objects
	// the step is for.
	Requests map[string]int
}

// Error is an expected GraphQL error.
type Error struct {
	// Path is the error's path as JSON, "" when it has none (a request error).
	Path string
	// Code, when set, is its extensions.code.
	Code string
}

// invalid is the expected answer to a query the API schema refuses.
func invalid() []Error { return []Error{{Code: errcode.ValidationFailed}} }

// Cases returns every case, in priority order.
func Cases() []Case {
	return []Case{
		entityCase(),
		shareableCase(),
		providesCase(),
		requiresCase(),
		abstractCase(),
		keysCase(),
		overrideCase(),
		interfaceObjectCase(),
		inaccessibleCase(),
		mutationCase(),
		federation1Case(),
		errorsCase(),
	}
}

// Gateway is the gateway a run measures.
type Gateway struct {
	// Name names it in messages.
	Name string
	// Start serves the supergraph file on loopback and returns the gateway's GraphQL
	// URL; the gateway stops when t ends.
	Start func(t testing.TB, supergraphFile string) string
	// Differences are the gateway's known differences from the expectations: why it
	// answers a query otherwise, keyed "case/query". Such a query is logged rather
	// than failed, and one that answers as expected fails, so that the table stays
	// exact.
	Differences map[string]string
}

// Result is what a run counted.
type Result struct {
	// Queries is how many queries ran; Passed how many were answered as expected.
	Queries, Passed int
	// Differed lists "case/query: reason" for each known difference seen.
	Differed []string
}

// Run composes each case, serves it with gw and checks every query's answer, the cases
// in parallel. It returns what it counted once every case has run.
func Run(t *testing.T, gw Gateway) Result {
	t.Helper()
	var mu sync.Mutex
	var res Result
	record := func(id string, ok bool, differed string) {
		mu.Lock()
		defer mu.Unlock()
		res.Queries++
		if ok {
			res.Passed++
		}
		if differed != "" {
			res.Differed = append(res.Differed, id+": "+differed)
		}
	}
	// Once, before the cases run at once: it may install tools/web's packages.
	webtest.Node(t)
	// The group returns once its parallel subtests have all ended.
	t.Run("cases", func(t *testing.T) {
		for _, c := range Cases() {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				c.run(t, gw, record)
			})
		}
	})
	slices.Sort(res.Differed)
	return res
}

// Run runs the case alone against gw.
func (c Case) Run(t *testing.T, gw Gateway) {
	t.Helper()
	c.run(t, gw, func(string, bool, string) {})
}

func (c Case) run(t *testing.T, gw Gateway, record func(id string, ok bool, differed string)) {
	t.Helper()
	g := fedtest.ComposeAllowing(t, c.Hints, c.Subgraphs()...)
	for _, want := range c.Hints {
		if !slices.ContainsFunc(g.Hints, func(h fedtest.Hint) bool { return h.Code == want }) {
			t.Errorf("composition has no %s hint: %+v", want, g.Hints)
		}
	}
	url := gw.Start(t, g.File)
	for _, q := range c.Queries {
		t.Run(q.Name, func(t *testing.T) {
			id := c.Name + "/" + q.Name
			wrong := q.check(t, url, g)
			reason, known := gw.Differences[id]
			switch {
			case known && len(wrong) > 0:
				t.Logf("%s answers otherwise, as known (%s):\n%s", gw.Name, reason, strings.Join(wrong, "\n"))
				record(id, false, reason)
			case known:
				t.Errorf("%s is declared to differ (%s) but answers as expected: drop the declaration", gw.Name, reason)
				record(id, true, "")
			case len(wrong) > 0:
				t.Errorf("%s:\n%s", gw.Name, strings.Join(wrong, "\n"))
				record(id, false, "")
			default:
				record(id, true, "")
			}
		})
	}
}

// check sends q to the gateway at url and returns what is wrong with its answer.
func (q Query) check(t *testing.T, url string, g *fedtest.Graph) []string {
	t.Helper()
	before := map[string]int{}
	for _, s := range g.Subgraphs {
		before[s.Name] = s.Handler.Count()
	}
	status, body := post(t, url, q.Query, q.Variables)
	var wrong []string
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Path       []any          `json:"path"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return []string{fmt.Sprintf("HTTP %d, not a GraphQL response: %v\n%s", status, err, body)}
	}
	got, err := canonical(resp.Data)
	if err != nil {
		return []string{fmt.Sprintf("data: %v\n%s", err, body)}
	}
	want, err := canonical([]byte(q.Data))
	if err != nil {
		t.Fatalf("the case's data is not JSON: %v", err)
	}
	if got != want {
		wrong = append(wrong, fmt.Sprintf("data\n   got %s\n  want %s", orNone(got), orNone(want)))
	}

	var gotErrs []Error
	for _, e := range resp.Errors {
		ge := Error{}
		if e.Path != nil {
			p, _ := json.Marshal(e.Path)
			ge.Path = string(p)
		}
		ge.Code, _ = e.Extensions["code"].(string)
		gotErrs = append(gotErrs, ge)
	}
	if !errorsMatch(gotErrs, q.Errors) {
		var msgs []string
		for _, e := range resp.Errors {
			msgs = append(msgs, e.Message)
		}
		wrong = append(wrong, fmt.Sprintf("errors\n   got %+v (messages %q)\n  want %+v", gotErrs, msgs, q.Errors))
	}

	for name, n := range q.Requests {
		s := g.Subgraph(name)
		if s == nil {
			t.Fatalf("the case has no subgraph %q", name)
		}
		if got := s.Handler.Count() - before[name]; got != n {
			wrong = append(wrong, fmt.Sprintf("subgraph %s received %d requests, want %d", name, got, n))
		}
	}
	if len(wrong) > 0 {
		// What the subgraphs were asked is most of the diagnosis.
		for _, s := range g.Subgraphs {
			for _, r := range s.Handler.Requests()[before[s.Name]:] {
				wrong = append(wrong, fmt.Sprintf("  %s was sent %s", s.Name, r.Body))
			}
		}
	}
	return wrong
}

func orNone(s string) string {
	if s == "" {
		return "(no data)"
	}
	return s
}

// errorsMatch reports whether got and want are the same number of errors and each of
// want matches one of got: the same path, and the same code when want has one.
func errorsMatch(got, want []Error) bool {
	if len(got) != len(want) {
		return false
	}
	// The wants with a code go first, so that one without takes what they leave.
	want = slices.Clone(want)
	slices.SortStableFunc(want, func(a, b Error) int { return strings.Compare(b.Code, a.Code) })
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && g.Path == canonicalPath(w.Path) && (w.Code == "" || g.Code == w.Code) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func canonicalPath(p string) string {
	c, err := canonical([]byte(p))
	if err != nil {
		return p
	}
	return c
}

// post sends a GraphQL request and returns the answer's status and body.
func post(t *testing.T, url, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
