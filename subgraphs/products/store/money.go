package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an exact amount: an integer count of the currency's minor units. Currency is
// an ISO 4217 code that MinorUnits accepts.
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
	scale, ok := MinorUnits(code)
	if !ok {
		return Money{}, fmt.Errorf("unknown currency %q: want an ISO 4217 code such as USD", clip(code))
	}
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
		var err error
		if n, err = strconv.ParseInt(minor, 10, 64); err != nil || n > maxMinor {
			return Money{}, fmt.Errorf("price amount %q is too large", clip(amount))
		}
	}
	return Money{Minor: n, Currency: code}, nil
}

// Amount is the amount in major units as an exact decimal string, with as many
// decimals as the currency has minor units.
func (m Money) Amount() string {
	scale, ok := MinorUnits(m.Currency)
	if !ok {
		scale = 2 // a currency stored before ISO withdrew it: its amounts were of 2 decimals
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
