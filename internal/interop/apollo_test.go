package interop

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/corpus"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
)

// TestApolloGatewayCorpus serves the composed supergraph with Apollo Gateway over the
// same subgraphs as our gateway and sends every case of the corpus to both. Unless the
// case declares otherwise (corpus.Case.Apollo, with the reason), the data must be
// identical, key order included, and the errors at the same paths (and so present in
// both or neither); where the data may differ its shape must not. A declared difference
// that has gone fails too, so the declarations stay exact. Error messages, codes and
// extensions are not compared: each gateway words its own, and ours adds its own
// extensions.
func TestApolloGatewayCorpus(t *testing.T) {
	nodeBin := node(t)
	g := startGraph(t)
	supergraph := filepath.Join(t.TempDir(), "supergraph.graphql")
	if rep, code, stderr := compose(t, nodeBin, supergraph, g.subgraphs); code != 0 {
		t.Fatalf("compose.mjs exited %d (report %+v):\n%s", code, rep, stderr)
	}
	apollo := startNodeGateway(t, nodeBin, "apollo-gateway.mjs", supergraph)
	ids := corpus.Seed(t, g.gateway)

	var differences, refused []string
	for _, c := range corpus.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			req := graphqltest.Request{Query: c.Query, Variables: ids.Variables(c)}
			ours := answerOf(t, "ours", graphqltest.Post(t, g.gateway, req))
			theirs := answerOf(t, "Apollo Gateway's", graphqltest.Post(t, apollo, req))
			for _, d := range compareAnswers(c.Apollo, ours, theirs) {
				t.Errorf("%s\n    ours %s\n  Apollo %s", d, ids.Mask([]byte(ours.String())), ids.Mask([]byte(theirs.String())))
			}
			if ours.data == nil && theirs.data == nil {
				refused = append(refused, c.Name)
			}
			if c.Apollo.Data != "" {
				differences = append(differences, fmt.Sprintf("| %s | data | %s |", c.Name, c.Apollo.Data))
			}
			if c.Apollo.Errors != "" {
				differences = append(differences, fmt.Sprintf("| %s | errors | %s |", c.Name, c.Apollo.Errors))
			}
		})
	}
	t.Logf("cases where Apollo Gateway answers otherwise, by design:\n| case | what | why |\n|---|---|---|\n%s", strings.Join(differences, "\n"))
	// A case both gateways refuse before executing compares little but its errors: the
	// list shows when a schema change has turned cases into that (the golden file of
	// gateway's TestCorpus fixes what each case answers).
	t.Logf("cases both refuse as a whole (no data): %q", refused)
}

// answer is what the comparison looks at in a GraphQL response.
type answer struct {
	data     *value   // nil when the response has no data entry
	errors   []string // each error's path as JSON ("" for none), sorted
	messages []string // the errors' messages, for failure output only
}

func answerOf(t *testing.T, whose string, r graphqltest.Response) answer {
	t.Helper()
	var a answer
	if r.Data != nil {
		v, err := parseValue(r.Data)
		if err != nil {
			t.Fatalf("%s data: %v\n%s", whose, err, r.Raw)
		}
		a.data = v
	}
	for _, e := range r.Errors {
		p := ""
		if e.Path != nil {
			b, _ := json.Marshal(e.Path)
			p = string(b)
		}
		a.errors = append(a.errors, p)
		a.messages = append(a.messages, e.Message)
	}
	slices.Sort(a.errors)
	return a
}

func (a answer) String() string {
	d := "(no data)"
	if a.data != nil {
		d = a.data.String()
	}
	return fmt.Sprintf("data %s, error paths %q, messages %q", d, a.errors, a.messages)
}

// compareAnswers returns what is wrong with theirs beside ours, given what the case
// allows to differ.
func compareAnswers(allowed corpus.Apollo, ours, theirs answer) []string {
	var wrong []string
	str := func(v *value) string {
		if v == nil {
			return "(none)"
		}
		return v.String()
	}
	sameData := str(ours.data) == str(theirs.data)
	switch {
	case allowed.Data == "" && !sameData:
		wrong = append(wrong, "the data differs")
	case allowed.Data != "" && sameData:
		wrong = append(wrong, "declared to differ in data ("+allowed.Data+"), but the data is identical: drop the declaration")
	case allowed.Data != "" && (ours.data == nil) != (theirs.data == nil):
		wrong = append(wrong, "one answer has data, the other none")
	case allowed.Data != "" && ours.data != nil && !sameShape(ours.data, theirs.data):
		wrong = append(wrong, "the data differs in shape, not only in values")
	}
	samePaths := slices.Equal(ours.errors, theirs.errors)
	switch {
	case allowed.Errors == "" && (len(ours.errors) == 0) != (len(theirs.errors) == 0):
		wrong = append(wrong, fmt.Sprintf("%d errors beside %d: one answer has errors, the other none", len(ours.errors), len(theirs.errors)))
	case allowed.Errors == "" && !samePaths:
		wrong = append(wrong, "the errors are not at the same paths")
	case allowed.Errors != "" && samePaths:
		wrong = append(wrong, "declared to differ in errors ("+allowed.Errors+"), but they are at the same paths: drop the declaration")
	}
	return wrong
}
