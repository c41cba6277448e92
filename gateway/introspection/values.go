package introspection

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json
// does, and U+2028 and U+2029 are escaped so the output is also safe inside JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendDefault appends the default value v of an input of type t as graphql-js 16
// reports it: print(astFromValue(valueFromAST(v, t), t)). Coercing first is what makes a
// single value of a list type a one-item list, fills in an input object's omitted fields
// that have defaults (in the input type's field order), turns `1.0` into `1`, and prints
// an ID such as "4" as the Int literal 4.
func (e *evaluator) appendDefault(b []byte, v *ast.Value, t *ast.Type) []byte {
	if v.Kind == ast.NullValue {
		return append(b, "null"...)
	}
	if t.Elem != nil {
		b = append(b, '[')
		if v.Kind != ast.ListValue {
			b = e.appendDefault(b, v, t.Elem)
			return append(b, ']')
		}
		for i, c := range v.Children {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = e.appendDefault(b, c.Value, t.Elem)
		}
		return append(b, ']')
	}
	def := e.schema.Types[t.NamedType]
	if def == nil {
		return appendLiteral(b, v)
	}
	switch def.Kind {
	case ast.InputObject:
		if v.Kind != ast.ObjectValue {
			return appendLiteral(b, v)
		}
		b = append(b, '{')
		n := 0
		for _, f := range def.Fields {
			fv := childValue(v.Children, f.Name)
			if fv == nil {
				fv = f.DefaultValue
			}
			// astFromValue drops a field it has no value for, and null under non-null.
			if fv == nil || (fv.Kind == ast.NullValue && f.Type.NonNull) {
				continue
			}
			if n > 0 {
				b = append(b, ", "...)
			}
			n++
			b = append(b, f.Name...)
			b = append(b, ": "...)
			b = e.appendDefault(b, fv, f.Type)
		}
		return append(b, '}')
	case ast.Scalar:
		return appendScalarDefault(b, v, def)
	}
	return appendLiteral(b, v) // an enum value prints as its name
}

// appendScalarDefault appends the literal v of the scalar type def, coerced the way
// graphql-js coerces it: numbers go through a float64 (a JavaScript number), strings stay
// strings except an integer-looking ID, and a custom scalar's enum literal becomes a string.
func appendScalarDefault(b []byte, v *ast.Value, def *ast.Definition) []byte {
	isID := def.Name == "ID" && def.BuiltIn
	switch v.Kind {
	case ast.IntValue, ast.FloatValue:
		if isID && v.Kind == ast.IntValue {
			return append(b, v.Raw...)
		}
		f, err := strconv.ParseFloat(v.Raw, 64)
		if err != nil || math.IsInf(f, 0) {
			return appendLiteral(b, v)
		}
		return appendJSNumber(b, f)
	case ast.StringValue, ast.BlockValue:
		if isID && isIntegerString(v.Raw) {
			return append(b, v.Raw...)
		}
		return appendGraphQLString(b, v.Raw)
	case ast.EnumValue:
		if !def.BuiltIn {
			return appendGraphQLString(b, v.Raw)
		}
	}
	// Booleans print as themselves. A list or object given to a custom scalar prints as
	// written: graphql-js fails to print one ("Cannot convert value to AST").
	return appendLiteral(b, v)
}

func childValue(children ast.ChildValueList, name string) *ast.Value {
	for _, c := range children {
		if c.Name == name {
			return c.Value
		}
	}
	return nil
}

// isIntegerString reports whether s is an IntValue token, as graphql-js's
// integerStringRegExp (/^-?(?:0|[1-9][0-9]*)$/) tests it.
func isIntegerString(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendLiteral appends v in the form graphql-js's print gives a value.
func appendLiteral(b []byte, v *ast.Value) []byte {
	switch v.Kind {
	case ast.Variable:
		return append(append(b, '$'), v.Raw...)
	case ast.StringValue, ast.BlockValue:
		return appendGraphQLString(b, v.Raw)
	case ast.ListValue:
		b = append(b, '[')
		for i, c := range v.Children {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendLiteral(b, c.Value)
		}
		return append(b, ']')
	case ast.ObjectValue:
		b = append(b, '{')
		for i, c := range v.Children {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, c.Name...)
			b = append(b, ": "...)
			b = appendLiteral(b, c.Value)
		}
		return append(b, '}')
	}
	return append(b, v.Raw...)
}

// appendGraphQLString appends s as a GraphQL string literal, escaped as graphql-js's
// printString escapes it: the C0 controls, '"', '\\', DEL and the C1 controls, with the
// short forms \b \t \n \f \r where they exist and upper-case \u00XX otherwise.
func appendGraphQLString(b []byte, s string) []byte {
	const upper = "0123456789ABCDEF"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			b = append(b, '\\', 'u', '0', '0', upper[r>>4], upper[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// appendJSNumber appends f as JavaScript's Number.prototype.toString writes it
// (ECMA-262 Number::toString): the shortest digits that round-trip, in plain notation
// from 1e-7 up to 1e21 and in exponent notation such as 1e+21 or 1.5e-7 outside it.
func appendJSNumber(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, '0') // -0 too
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d.ddde±XX
	mark := 0
	for e[mark] != 'e' {
		mark++
	}
	exp, _ := strconv.Atoi(string(e[mark+1:]))
	var digits [24]byte
	d := append(digits[:0], e[0])
	if mark > 1 {
		d = append(d, e[2:mark]...)
	}
	k, n := len(d), exp+1 // f = 0.d × 10^n
	switch {
	case k <= n && n <= 21:
		b = append(b, d...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, d[:n]...)
		b = append(b, '.')
		b = append(b, d[n:]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for range -n {
			b = append(b, '0')
		}
		b = append(b, d...)
	default:
		b = append(b, d[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, d[1:]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}
