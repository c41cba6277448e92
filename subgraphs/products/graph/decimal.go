package graph

import (
	"io"
	"strconv"
	"strings"

	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// Decimal is the GraphQL scalar Decimal: an exact decimal number written as a string,
// an optional '-', digits, and optionally a '.' and more digits. Only a JSON string
// is one: a number could already have been rounded by the client's float.
type Decimal string

// MarshalGQL writes d as a JSON string.
func (d Decimal) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(d)))
}

// UnmarshalGQL reads a Decimal from a JSON string of the scalar's form; anything else
// is a BAD_USER_INPUT error.
func (d *Decimal) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return subgraph.BadInput("a Decimal is a string such as \"12.34\", got %s", describe(v))
	}
	if !isDecimal(s) {
		return subgraph.BadInput("%q is not a Decimal such as \"12.34\": digits, optionally a point and more digits", clip(s))
	}
	*d = Decimal(s)
	return nil
}

// isDecimal reports whether s is an optional '-', one or more digits, and optionally a
// '.' followed by one or more digits.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(s, ".")
	return digits(whole) && (!hasPoint || digits(frac))
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// describe names the JSON type of a value that is not a string.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return "a number"
}

// clip keeps error messages short whatever a client sends.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
