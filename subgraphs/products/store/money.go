package store

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Money is an exact amount: an integer count of the currency's minor units.
type Money struct {
	Minor    int64
	Currency string
}

// maxMinor bounds amounts so they stay exact in every JSON client (2^53 - 1).
const maxMinor = 1<<53 - 1

// ParseMoney reads a non-negative decimal amount in major units ("12.34") in an ISO
// 4217 currency. It refuses floats' approximations: an amount with more decimals than
// the currency has minor units, a sign, an exponent or an unknown currency is an error.
func ParseMoney(amount, code string) (Money, error) {
	unit, err := currency.ParseISO(code)
	if err != nil || unit.String() != code {
		return Money{}, fmt.Errorf("unknown currency %q: want an ISO 4217 code such as USD", clip(code))
	}
	scale, _ := currency.Standard.Rounding(unit)
	whole, frac, hasPoint := strings.Cut(amount, ".")
	if whole == "" || !digits(whole) || (hasPoint && (frac == "" || !digits(frac))) {
		return Money{}, fmt.Errorf("price amount %q is not a non-negative decimal such as \"12.34\"", clip(amount))
	}
	if len(frac) > scale {
		return Money{}, fmt.Errorf("price amount %q has more decimals than %s allows (%d)", clip(amount), code, scale)
	}
	// Leading zeros aside, more digits than maxMinor has cannot fit; checking the length
	// first keeps a megabyte of digits from reaching the integer parser.
	minor := strings.TrimLeft(whole+frac+strings.Repeat("0", scale-len(frac)), "0")
	if len(minor) > len(strconv.FormatInt(maxMinor, 10)) {
		return Money{}, fmt.Errorf("price amount %q is too large", clip(amount))
	}
	n := int64(0)
	if minor != "" {
		if n, err = strconv.ParseInt(minor, 10, 64); err != nil || n > maxMinor {
			return Money{}, fmt.Errorf("price amount %q is too large", clip(amount))
		}
	}
	return Money{Minor: n, Currency: code}, nil
}

// Amount is the amount in major units as an exact decimal string.
func (m Money) Amount() string {
	unit, err := currency.ParseISO(m.Currency)
	scale := 2
	if err == nil {
		scale, _ = currency.Standard.Rounding(unit)
	}
	s := strconv.FormatInt(m.Minor, 10)
	if scale == 0 {
		return s
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// AmountMinor is the amount in minor units as an integer string.
func (m Money) AmountMinor() string { return strconv.FormatInt(m.Minor, 10) }

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// InputError is a Money a client sent that cannot be read. Its message names only the
// client's input, so it may be shown; ErrorCode gives its GraphQL error code.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// ErrorCode is the extensions.code a client sees.
func (e *InputError) ErrorCode() string { return "BAD_USER_INPUT" }

// MarshalGQL writes m as the GraphQL scalar Money: {"amount": "12.34", "currency": "USD"}.
func (m Money) MarshalGQL(w io.Writer) {
	b, _ := json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{m.Amount(), m.Currency})
	w.Write(b)
}

// UnmarshalGQL reads the GraphQL scalar Money, an object with exactly the string fields
// amount and currency, through ParseMoney.
func (m *Money) UnmarshalGQL(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return &InputError{`price must be an object such as {amount: "12.34", currency: "USD"}`}
	}
	amount, aok := obj["amount"].(string)
	code, cok := obj["currency"].(string)
	if !aok || !cok || len(obj) != 2 {
		return &InputError{`price must have exactly the string fields amount and currency, such as {amount: "12.34", currency: "USD"}`}
	}
	parsed, err := ParseMoney(amount, code)
	if err != nil {
		return &InputError{err.Error()}
	}
	*m = parsed
	return nil
}
