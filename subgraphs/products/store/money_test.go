package store

import (
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		wantMinor        int64
		wantErr          string // a substring of the error; "" for success
	}{
		{"12.34", "USD", 1234, ""},
		{"5", "USD", 500, ""},
		{"0", "USD", 0, ""},
		{"0.00", "USD", 0, ""},
		{"007.10", "USD", 710, ""},
		{"0.5", "EUR", 50, ""},
		{"1200", "JPY", 1200, ""},
		{"1.234", "KWD", 1234, ""},
		{"90071992547409.91", "USD", 1<<53 - 1, ""},
		{"12.5", "JPY", 0, "more decimals"},
		{"12.0", "JPY", 0, "more decimals"},
		{"12.345", "USD", 0, "more decimals"},
		{"1.2345", "KWD", 0, "more decimals"},
		{"-1", "USD", 0, "not a non-negative decimal"},
		{"+1", "USD", 0, "not a non-negative decimal"},
		{"1e3", "USD", 0, "not a non-negative decimal"},
		{"12.3.4", "USD", 0, "not a non-negative decimal"},
		{" 12", "USD", 0, "not a non-negative decimal"},
		{"12 ", "USD", 0, "not a non-negative decimal"},
		{"", "USD", 0, "not a non-negative decimal"},
		{"12.", "USD", 0, "not a non-negative decimal"},
		{".5", "USD", 0, "not a non-negative decimal"},
		{"1,5", "USD", 0, "not a non-negative decimal"},
		{"١٢", "USD", 0, "not a non-negative decimal"}, // Arabic-Indic digits
		{"abc", "USD", 0, "not a non-negative decimal"},
		{"NaN", "USD", 0, "not a non-negative decimal"},
		{"90071992547409.92", "USD", 0, "too large"},
		{"99999999999999999999", "USD", 0, "too large"},
		{strings.Repeat("9", 100000), "USD", 0, "too large"},
		{"12", "XYZ", 0, "unknown currency"},
		{"12", "usd", 0, "unknown currency"},
		{"12", "", 0, "unknown currency"},
		{"12", "US", 0, "unknown currency"},
		{"12", "USDX", 0, "unknown currency"},
		{"12", "HRK", 0, "unknown currency"},
		{"12", "XAU", 0, "unknown currency"},
	}
	for _, tt := range tests {
		t.Run(clip(tt.amount)+" "+tt.currency, func(t *testing.T) {
			got, err := ParseMoney(tt.amount, tt.currency)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseMoney(%q, %q) = %+v, want an error containing %q", clip(tt.amount), tt.currency, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseMoney(%q, %q) error = %q, want it to contain %q", clip(tt.amount), tt.currency, err, tt.wantErr)
				}
				if len(err.Error()) > 200 {
					t.Errorf("error message is %d bytes long; want it clipped", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMoney(%q, %q) error = %v, want none", tt.amount, tt.currency, err)
			}
			want := Money{Minor: tt.wantMinor, Currency: tt.currency}
			if got != want {
				t.Errorf("ParseMoney(%q, %q) = %+v, want %+v", tt.amount, tt.currency, got, want)
			}
		})
	}
}

func TestMoneyAmountRoundTrips(t *testing.T) {
	tests := []struct {
		amount, currency, wantMinor string
	}{
		{"0.05", "USD", "5"},
		{"0.50", "USD", "50"},
		{"0.00", "USD", "0"},
		{"12.34", "USD", "1234"},
		{"1200", "JPY", "1200"},
		{"0", "JPY", "0"},
		{"0.005", "KWD", "5"},
		{"1.234", "KWD", "1234"},
		{"0.0001", "CLF", "1"},
		{"90071992547409.91", "USD", "9007199254740991"},
	}
	for _, tt := range tests {
		t.Run(tt.amount+" "+tt.currency, func(t *testing.T) {
			m, err := ParseMoney(tt.amount, tt.currency)
			if err != nil {
				t.Fatalf("ParseMoney(%q, %q): %v", tt.amount, tt.currency, err)
			}
			if got := m.Amount(); got != tt.amount {
				t.Errorf("Amount() = %q, want %q", got, tt.amount)
			}
			if got := m.AmountMinor(); got != tt.wantMinor {
				t.Errorf("AmountMinor() = %q, want %q", got, tt.wantMinor)
			}
			back, err := ParseMoney(m.Amount(), m.Currency)
			if err != nil || back != m {
				t.Errorf("ParseMoney(Amount()) = %+v, %v; want %+v", back, err, m)
			}
		})
	}
}

func TestMoneyAmountPadsToTheCurrencysDecimals(t *testing.T) {
	tests := []struct {
		amount, currency, want string
	}{
		{"5", "USD", "5.00"},
		{"0", "USD", "0.00"},
		{"0.5", "EUR", "0.50"},
		{"1", "KWD", "1.000"},
	}
	for _, tt := range tests {
		m, err := ParseMoney(tt.amount, tt.currency)
		if err != nil {
			t.Fatalf("ParseMoney(%q, %q): %v", tt.amount, tt.currency, err)
		}
		if got := m.Amount(); got != tt.want {
			t.Errorf("ParseMoney(%q, %q).Amount() = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12.34", "0", "1200", "0.005", "-1", "1e3", "12.", ".5", "99999999999999999999"} {
		f.Add(s, "USD")
	}
	f.Add("1.234", "KWD")
	f.Add("12", "JPY")
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := ParseMoney(amount, currency)
		if err != nil {
			return
		}
		if m.Minor < 0 || m.Minor > maxMinor {
			t.Fatalf("ParseMoney(%q, %q) = %+v: out of range", amount, currency, m)
		}
		back, err := ParseMoney(m.Amount(), m.Currency)
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q, %q) = %+v, but its Amount %q parses to %+v, %v", amount, currency, m, m.Amount(), back, err)
		}
	})
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		code   string
		digits int
		ok     bool
	}{
		{"USD", 2, true}, {"EUR", 2, true}, {"GBP", 2, true}, {"JPY", 0, true}, {"KRW", 0, true},
		{"KWD", 3, true}, {"IQD", 3, true}, {"CLF", 4, true}, {"UYW", 4, true}, {"USN", 2, true},
		{"ZWG", 2, true}, {"XCG", 2, true}, {"VES", 2, true}, {"VED", 2, true},
		// Withdrawn from ISO 4217.
		{"HRK", 0, false}, {"ZWL", 0, false}, {"ANG", 0, false}, {"BGN", 0, false}, {"DEM", 0, false},
		// No minor unit in ISO 4217: no exact amount.
		{"XAU", 0, false}, {"XDR", 0, false}, {"XTS", 0, false}, {"XXX", 0, false},
		{"usd", 0, false}, {"", 0, false}, {"US", 0, false}, {"USDX", 0, false},
	}
	for _, tt := range tests {
		if digits, ok := MinorUnits(tt.code); digits != tt.digits || ok != tt.ok {
			t.Errorf("MinorUnits(%q) = %d, %v; want %d, %v", tt.code, digits, ok, tt.digits, tt.ok)
		}
	}
}
