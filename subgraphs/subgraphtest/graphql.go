package subgraphtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
)

// What both subgraphs' tests check the same way: requests that must be refused and
// change nothing, and the pages of a Relay connection.

// Diff returns the differences between two dumps of a store (redistest.Redis.Dump),
// sorted: what a request that must change nothing changed.
func Diff(before, after map[string]string) []string {
	var diffs []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			diffs = append(diffs, "removed "+k)
		} else if w != v {
			diffs = append(diffs, fmt.Sprintf("changed %s: %s -> %s", k, v, w))
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, "added "+k)
		}
	}
	slices.Sort(diffs)
	return diffs
}

// BadInput is a request that a subgraph must refuse with one error and no write.
type BadInput struct {
	Name    string
	Request graphqltest.Request
	// Code is the error's extensions.code.
	Code string
	// Message is a substring of its message.
	Message string
}

// BadInputs checks a table of BadInput against one subgraph.
type BadInputs struct {
	// URL is the subgraph's GraphQL endpoint.
	URL string
	// Dump reads the subgraph's store (redistest.Redis.Dump), before and after each
	// request.
	Dump func(testing.TB) map[string]string
	// Around, when set, runs before each request, and what it returns after it: the
	// subgraph's own checks of a case (what it asked another service, say).
	Around func(t *testing.T, c BadInput) (after func())
}

// Run sends each case in a subtest of its name and checks that it gets exactly one
// error, with the case's code, a message that contains the case's and names no address,
// and a path; and that the store is byte for byte what it was.
func (b BadInputs) Run(t *testing.T, cases []BadInput) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var after func()
			if b.Around != nil {
				after = b.Around(t, c)
			}
			before := b.Dump(t)
			r := graphqltest.Post(t, b.URL, c.Request)
			if len(r.Errors) != 1 {
				t.Fatalf("got %d errors, want 1: %s", len(r.Errors), r.Raw)
			}
			e := r.Errors[0]
			if code := r.Code(t); code != c.Code {
				t.Errorf("extensions.code = %q, want %q: %s", code, c.Code, r.Raw)
			}
			if !strings.Contains(e.Message, c.Message) {
				t.Errorf("message = %q, want it to contain %q", e.Message, c.Message)
			}
			if strings.Contains(e.Message, "127.0.0.1") || strings.Contains(strings.ToLower(e.Message), "redis") {
				t.Errorf("message %q leaks the subgraph's internals", e.Message)
			}
			if len(e.Path) == 0 && c.Code != errcode.ValidationFailed && c.Code != errcode.ParseFailed {
				t.Errorf("error has no path: %s", r.Raw)
			}
			if d := Diff(before, b.Dump(t)); len(d) > 0 {
				t.Errorf("the store changed:\n%s", strings.Join(d, "\n"))
			}
			if after != nil {
				after()
			}
		})
	}
}

// PageInfo is a Relay connection's pageInfo.
type PageInfo struct {
	HasNextPage, HasPreviousPage bool
	StartCursor, EndCursor       *string
}

// CheckPage checks a page of a connection: that it holds the items wantIDs of ids (the
// ids of its edges' nodes, in order), that hasNextPage and hasPreviousPage are
// hasNext and hasPrev, and that its start and end cursors are those of its first and
// last edges (of cursors), or none on an empty page.
func CheckPage(t testing.TB, label string, ids, cursors []string, info PageInfo, wantIDs []string, hasNext, hasPrev bool) {
	t.Helper()
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("%s: ids = %v, want %v", label, ids, wantIDs)
	}
	if info.HasNextPage != hasNext || info.HasPreviousPage != hasPrev {
		t.Errorf("%s: hasNextPage, hasPreviousPage = %v, %v; want %v, %v", label, info.HasNextPage, info.HasPreviousPage, hasNext, hasPrev)
	}
	if n := len(cursors); n > 0 {
		if info.StartCursor == nil || *info.StartCursor != cursors[0] || info.EndCursor == nil || *info.EndCursor != cursors[n-1] {
			t.Errorf("%s: start and end cursors %v, %v are not the first and last edges'", label, info.StartCursor, info.EndCursor)
		}
	} else if info.StartCursor != nil || info.EndCursor != nil {
		t.Errorf("%s: an empty page has cursors %v, %v", label, info.StartCursor, info.EndCursor)
	}
}
