package front

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// fuzzSDL has every kind of input type, recursive input objects and the graph's scalars.
const fuzzSDL = `
scalar Money
scalar DateTime
enum Color { RED GREEN }
input Point { x: Int! y: Float = 1.5 id: ID = 7 tags: [String!] = "a" next: Point color: Color = RED }
input One @oneOf { a: Int b: Point }
type Query { f(p: Point, o: One): Int }
`

// FuzzCoerceVariables coerces arbitrary JSON to arbitrary variable types (defaults
// included) against fuzzSDL: it must never panic, and what it accepts must hold plain Go
// values only and encode as JSON.
func FuzzCoerceVariables(f *testing.F) {
	seeds := []struct{ typ, value string }{
		{"Int", `3`}, {"Int!", `3.0`}, {"Int", `"3"`}, {"Int", `1e400`}, {"Int", `-0.0e-5`},
		{"Float", `1e-400`}, {"Float!", `null`}, {"ID", `12345678901234567890`}, {"ID = 3", ``},
		{"[Int!]!", `[1,2,null]`}, {"[[Int]]", `1`}, {"[Point!]", `{"x":1}`},
		{"Point", `{"x":1,"next":{"x":2,"next":{"x":"3"}}}`}, {"Point = {x: 1}", ``},
		{"One", `{"a":1,"b":{"x":1}}`}, {"One!", `{"b":{"x":1}}`},
		{"Money", `{"amount":"1.00","n":[1,2.5,1e308]}`}, {"DateTime", `[]`},
		{"Color", `"RED"`}, {"[Color] = [RED, GREEN]", ``}, {"Unknown", `1`}, {"Query", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.typ, []byte(s.value))
	}
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "fuzz", Input: fuzzSDL})
	f.Fuzz(func(t *testing.T, typ string, value []byte) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: "query($v: " + typ + ") { __typename }"}, 200)
		if err != nil || len(doc.Operations) != 1 || len(doc.Operations[0].VariableDefinitions) == 0 {
			return
		}
		vars := map[string]any{}
		if len(value) > 0 {
			dec := json.NewDecoder(bytes.NewReader(value))
			dec.UseNumber()
			var v any
			if dec.Decode(&v) != nil {
				return
			}
			vars["v"] = v
		}
		out, fail := coerceVariables(schema, doc.Operations[0], vars)
		if fail != nil {
			if len(fail.errs) != 1 || fail.errs[0].Extensions["code"] != errcode.BadUserInput {
				t.Fatalf("refusal: %+v, want one BAD_USER_INPUT", fail.errs)
			}
			if len(fail.errs[0].Message) > maxMessageBytes+len("…") {
				t.Fatalf("message is %d bytes", len(fail.errs[0].Message))
			}
			return
		}
		if err := checkPlain(out, 0); err != "" {
			t.Fatalf("coerced %s as %s to a non-plain value: %s", value, typ, err)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("coerced value does not encode: %v", err)
		}
	})
}

// checkPlain reports the first value in v that is not a plain Go value.
func checkPlain(v any, depth int) string {
	if depth > 20000 {
		return "too deep"
	}
	switch v := v.(type) {
	case nil, string, bool, int64:
		return ""
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "a non-finite float"
		}
		return ""
	case []any:
		for _, e := range v {
			if err := checkPlain(e, depth+1); err != "" {
				return err
			}
		}
		return ""
	case map[string]any:
		for _, e := range v {
			if err := checkPlain(e, depth+1); err != "" {
				return err
			}
		}
		return ""
	}
	return "a value of another type"
}

// TestParseIntegral checks the exact integer reading of JSON numbers at its edges.
func TestParseIntegral(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		res  integralResult
	}{
		{"0", 0, integralOK},
		{"-0.0e-7", 0, integralOK},
		{"3.0", 3, integralOK},
		{"30e-1", 3, integralOK},
		{"0.3e1", 3, integralOK},
		{"1E+2", 100, integralOK},
		{"3.5", 0, notIntegral},
		{"1e-1", 0, notIntegral},
		{"3.0000000000000000001", 0, notIntegral},
		{"9223372036854775807", math.MaxInt64, integralOK},
		{"-9223372036854775808", math.MinInt64, integralOK},
		{"9223372036854775808", 0, overflow},
		{"-9223372036854775809", 0, overflow},
		{"1e19", 0, overflow},
		{"1e1000000000000", 0, overflow},
		{"1e-1000000000000", 0, notIntegral},
		{"92233720368547758070e-1", math.MaxInt64, integralOK},
	}
	for _, tt := range tests {
		got, res := parseIntegral(tt.in)
		if got != tt.want || res != tt.res {
			t.Errorf("parseIntegral(%q): got %d, %d; want %d, %d", tt.in, got, res, tt.want, tt.res)
		}
	}
}

// FuzzParseIntegral compares parseIntegral with exact rational arithmetic on numbers whose
// exponent is small enough for math/big.
func FuzzParseIntegral(f *testing.F) {
	for _, s := range []string{"0", "3.0", "-12e3", "9223372036854775807", "1.5", "-9223372036854775808", "12345678901234567890e-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) || s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
			return
		}
		var n json.Number
		if json.Unmarshal([]byte(s), &n) != nil {
			return
		}
		s = string(n) // without surrounding space
		if i := strings.IndexAny(s, "eE"); i >= 0 && len(s)-i > 4 {
			return // big.Rat would take too long on huge exponents
		}
		got, res := parseIntegral(s)
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat cannot read %q", s)
		}
		switch {
		case !r.IsInt():
			if res != notIntegral {
				t.Fatalf("parseIntegral(%q) = %d, %d; want not integral", s, got, res)
			}
		case !r.Num().IsInt64():
			if res != overflow {
				t.Fatalf("parseIntegral(%q) = %d, %d; want overflow", s, got, res)
			}
		default:
			if res != integralOK || got != r.Num().Int64() {
				t.Fatalf("parseIntegral(%q) = %d, %d; want %d", s, got, res, r.Num().Int64())
			}
		}
	})
}
