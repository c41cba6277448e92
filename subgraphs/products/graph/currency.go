package graph

import (
	"io"
	"strconv"

	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// CurrencyCode is the GraphQL enum CurrencyCode: an ISO 4217 code that the store accepts
// (store.MinorUnits), which are the enum's values (a test keeps them the same). It is
// written by hand rather than generated so that a value gqlparser lets through (it
// compares enum values of variables regardless of case) is refused as BAD_USER_INPUT.
type CurrencyCode string

// MarshalGQL writes c as the enum value it is.
func (c CurrencyCode) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(c)))
}

// UnmarshalGQL reads a CurrencyCode: exactly one of the enum's values.
func (c *CurrencyCode) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if _, known := store.MinorUnits(s); !ok || !known {
		return subgraph.BadInput("%q is not a CurrencyCode: want an ISO 4217 code such as USD", clip(s))
	}
	*c = CurrencyCode(s)
	return nil
}
