package subgraph

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// PageArgs checks the arguments of a connection over list and returns the page size and
// the position to start after (-1 for the beginning); bad arguments, a cursor of
// another list among them, are BAD_USER_INPUT errors.
func PageArgs(cursors *relay.Cursors, list relay.List, first *int, after *string) (int, int64, error) {
	n := relay.DefaultFirst
	if first != nil {
		n = *first
	}
	if err := relay.CheckFirst(n); err != nil {
		return 0, 0, BadInput("%v", err)
	}
	pos := int64(-1)
	if after != nil {
		p, err := cursors.Decode(list, *after)
		switch {
		case errors.Is(err, relay.ErrForeignCursor):
			return 0, 0, BadInput("after: %v: pass a cursor that this connection returned", err)
		case err != nil:
			return 0, 0, BadInput("after: %v", err)
		}
		pos = p
	}
	return n, pos, nil
}

// CheckName trims a name and checks it is 1 to maxRunes characters of valid UTF-8
// without control characters; field names it in the BAD_USER_INPUT error.
func CheckName(field, name string, maxRunes int) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", BadInput("%s must not be empty", field)
	case !utf8.ValidString(name):
		return "", BadInput("%s is not valid UTF-8", field)
	case utf8.RuneCountInString(name) > maxRunes:
		return "", BadInput("%s must be at most %d characters", field, maxRunes)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", BadInput("%s must not contain control characters", field)
	}
	return name, nil
}

// ExpectedVersion checks an update's expectedVersion argument: absent, or a version a
// record can have (1 or more).
func ExpectedVersion(v *int) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	if *v < 1 {
		return nil, BadInput("expectedVersion must be at least 1, got %d", *v)
	}
	n := int64(*v)
	return &n, nil
}
