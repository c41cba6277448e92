package front

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Variable coercion follows the GraphQL specification's CoerceVariableValues and the input
// coercion rules of its scalar, enum, input object, list and non-null sections, strictly:
//
//   - Int only from a JSON number that is integral (3.0 and 3e0 are 3) and fits 32 bits;
//   - Float from any finite JSON number; String only from a JSON string; Boolean only from
//     true or false; ID from a JSON string or an integral number in 64 bits (as a string);
//   - an enum only from a JSON string that is exactly one of its values' names;
//   - a custom scalar (Money, DateTime) takes any JSON value as is;
//   - an input object refuses fields it does not define and a missing non-null field without
//     a default, applies defaults, and keeps an explicit null apart from an absent field; a
//     @oneOf input object takes exactly one non-null field;
//   - a list takes a single value as a list of one;
//   - null is refused for a non-null type, and a missing variable takes its default or, when
//     it is non-null without one, is refused.
//
// The result holds plain Go values only: string, bool, int64 (Int, and integral numbers in
// custom scalars), float64 (Float, and other numbers in custom scalars), map[string]any,
// []any and nil; never a json.Number. Errors name the variable and the path inside it and
// never echo the value.

// maxNameInMessage bounds a client-chosen name (a variable, an unknown field) in a message.
const maxNameInMessage = 64

// coerceVariables coerces the JSON-decoded (UseNumber) variables of a request to op's
// variable definitions.
func coerceVariables(schema *ast.Schema, op *ast.OperationDefinition, input map[string]any) (map[string]any, *failure) {
	out := make(map[string]any, len(op.VariableDefinitions))
	for _, def := range op.VariableDefinitions {
		c := coercer{schema: schema, variable: def.Variable}
		v, has := input[def.Variable]
		var (
			res any
			err error
		)
		switch {
		case !has && def.DefaultValue != nil:
			res, err = c.literal(def.DefaultValue, def.Type)
		case !has && def.Type.NonNull:
			return nil, requestError(errcode.BadUserInput, fmt.Sprintf("Variable \"$%s\" of non-null type %s was not provided.",
				shortName(def.Variable), def.Type.String()))
		case has && v == nil && def.Type.NonNull:
			return nil, requestError(errcode.BadUserInput, fmt.Sprintf("Variable \"$%s\" of non-null type %s must not be null.",
				shortName(def.Variable), def.Type.String()))
		case !has:
			continue // absent, not null
		default:
			res, err = c.value(v, def.Type)
		}
		if err != nil {
			return nil, requestError(errcode.BadUserInput, truncate(err.Error()))
		}
		out[def.Variable] = res
	}
	return out, nil
}

// coercer coerces the value of one variable; path is where it is inside that value.
type coercer struct {
	schema   *ast.Schema
	variable string
	path     []pathSeg
}

type pathSeg struct {
	field string // "" for a list index
	index int
}

// coerceError is a value that cannot be coerced, at path inside variable.
type coerceError struct {
	variable string
	path     string
	reason   string
}

func (e *coerceError) Error() string {
	if e.path == "" {
		return fmt.Sprintf("Invalid value for variable \"$%s\": %s.", shortName(e.variable), e.reason)
	}
	return fmt.Sprintf("Invalid value for variable \"$%s\" at %q: %s.", shortName(e.variable), e.path, e.reason)
}

func (c *coercer) fail(format string, args ...any) error {
	var b strings.Builder
	for _, s := range c.path {
		if s.field == "" {
			fmt.Fprintf(&b, "[%d]", s.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(shortName(s.field))
	}
	return &coerceError{variable: c.variable, path: b.String(), reason: fmt.Sprintf(format, args...)}
}

// value coerces v, decoded from JSON with UseNumber, to t.
func (c *coercer) value(v any, t *ast.Type) (any, error) {
	if v == nil {
		if t.NonNull {
			return nil, c.fail("expected %s, got null", t.String())
		}
		return nil, nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok { // a single value is a list of one
			item, err := c.value(v, t.Elem)
			if err != nil {
				return nil, err
			}
			return []any{item}, nil
		}
		out := make([]any, len(list))
		for i, item := range list {
			c.path = append(c.path, pathSeg{index: i})
			r, err := c.value(item, t.Elem)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	def := c.schema.Types[t.NamedType]
	if def == nil {
		return nil, c.fail("type %s is not defined", shortName(t.NamedType))
	}
	switch def.Kind {
	case ast.Scalar:
		return c.scalar(v, def.Name)
	case ast.Enum:
		s, ok := v.(string)
		if !ok {
			return nil, c.fail("expected a value of enum %s, got %s", def.Name, kindOf(v))
		}
		if def.EnumValues.ForName(s) == nil {
			return nil, c.fail("expected a value of enum %s, got a string that names none of its values", def.Name)
		}
		return s, nil
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, c.fail("expected an object for input type %s, got %s", def.Name, kindOf(v))
		}
		return c.inputObject(m, def)
	default:
		return nil, c.fail("type %s is not an input type", def.Name)
	}
}

func (c *coercer) scalar(v any, name string) (any, error) {
	switch name {
	case "Int":
		n, ok := v.(json.Number)
		if !ok {
			return nil, c.fail("expected an Int, got %s", kindOf(v))
		}
		i, res := parseIntegral(string(n))
		switch {
		case res == notIntegral:
			return nil, c.fail("expected an Int, got a number that is not an integer")
		case res == overflow || i < math.MinInt32 || i > math.MaxInt32:
			return nil, c.fail("expected an Int, got a number outside the 32-bit range")
		}
		return i, nil
	case "Float":
		n, ok := v.(json.Number)
		if !ok {
			return nil, c.fail("expected a Float, got %s", kindOf(v))
		}
		f, ok := finite(string(n))
		if !ok {
			return nil, c.fail("expected a Float, got a number outside the 64-bit floating-point range")
		}
		return f, nil
	case "String":
		s, ok := v.(string)
		if !ok {
			return nil, c.fail("expected a String, got %s", kindOf(v))
		}
		return s, nil
	case "Boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, c.fail("expected a Boolean, got %s", kindOf(v))
		}
		return b, nil
	case "ID":
		switch v := v.(type) {
		case string:
			return v, nil
		case json.Number:
			i, res := parseIntegral(string(v))
			if res != integralOK {
				return nil, c.fail("expected an ID, got a number that is not a 64-bit integer")
			}
			return strconv.FormatInt(i, 10), nil
		}
		return nil, c.fail("expected an ID (a string or an integer), got %s", kindOf(v))
	}
	return c.plain(v)
}

// plain returns v, a custom scalar's JSON value, with its numbers as int64 (integer syntax
// that fits) or float64; it reuses v's maps and slices, which belong to this request.
func (c *coercer) plain(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i, nil
		}
		f, ok := finite(string(v))
		if !ok {
			return nil, c.fail("got a number outside the 64-bit floating-point range")
		}
		return f, nil
	case []any:
		for i, e := range v {
			r, err := c.plain(e)
			if err != nil {
				return nil, err
			}
			v[i] = r
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			r, err := c.plain(e)
			if err != nil {
				return nil, err
			}
			v[k] = r
		}
		return v, nil
	}
	return v, nil
}

func (c *coercer) inputObject(m map[string]any, def *ast.Definition) (any, error) {
	var unknown []string
	for k := range m {
		if def.Fields.ForName(k) == nil {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return nil, c.fail("field %q is not defined by input type %s", shortName(slices.Min(unknown)), def.Name)
	}
	if def.Directives.ForName("oneOf") != nil {
		if len(m) != 1 {
			return nil, c.fail("input type %s takes exactly one field", def.Name)
		}
		for k, v := range m {
			if v == nil {
				return nil, c.fail("field %q of input type %s must not be null", k, def.Name)
			}
		}
	}
	out := make(map[string]any, len(def.Fields))
	for _, f := range def.Fields {
		v, has := m[f.Name]
		c.path = append(c.path, pathSeg{field: f.Name})
		var (
			r   any
			err error
		)
		switch {
		case !has && f.DefaultValue != nil:
			r, err = c.literal(f.DefaultValue, f.Type)
		case !has && f.Type.NonNull:
			err = c.fail("required field of type %s was not provided", f.Type.String())
		case !has:
			c.path = c.path[:len(c.path)-1]
			continue // absent stays absent
		default:
			r, err = c.value(v, f.Type)
		}
		c.path = c.path[:len(c.path)-1]
		if err != nil {
			return nil, err
		}
		out[f.Name] = r
	}
	return out, nil
}

// literal coerces a default value written in the document or the schema to t. Validation
// has checked it already; this only converts it, field defaults and all.
func (c *coercer) literal(v *ast.Value, t *ast.Type) (any, error) {
	if v == nil || v.Kind == ast.NullValue {
		if t.NonNull {
			return nil, c.fail("the default value of type %s is null", t.String())
		}
		return nil, nil
	}
	if v.Kind == ast.Variable {
		return nil, c.fail("a default value cannot hold a variable")
	}
	if t.Elem != nil {
		if v.Kind != ast.ListValue {
			item, err := c.literal(v, t.Elem)
			if err != nil {
				return nil, err
			}
			return []any{item}, nil
		}
		out := make([]any, len(v.Children))
		for i, child := range v.Children {
			c.path = append(c.path, pathSeg{index: i})
			r, err := c.literal(child.Value, t.Elem)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	def := c.schema.Types[t.NamedType]
	if def == nil {
		return nil, c.fail("type %s is not defined", shortName(t.NamedType))
	}
	bad := func() (any, error) { return nil, c.fail("the default value does not fit type %s", def.Name) }
	switch def.Kind {
	case ast.Scalar:
		switch def.Name {
		case "Int":
			if v.Kind != ast.IntValue {
				return bad()
			}
			i, err := strconv.ParseInt(v.Raw, 10, 32)
			if err != nil {
				return bad()
			}
			return i, nil
		case "Float":
			if v.Kind != ast.IntValue && v.Kind != ast.FloatValue {
				return bad()
			}
			f, ok := finite(v.Raw)
			if !ok {
				return bad()
			}
			return f, nil
		case "String":
			if v.Kind != ast.StringValue && v.Kind != ast.BlockValue {
				return bad()
			}
			return v.Raw, nil
		case "Boolean":
			if v.Kind != ast.BooleanValue {
				return bad()
			}
			return v.Raw == "true", nil
		case "ID":
			if v.Kind != ast.StringValue && v.Kind != ast.IntValue {
				return bad()
			}
			return v.Raw, nil
		}
		r, err := v.Value(nil)
		if err != nil {
			return bad()
		}
		return r, nil
	case ast.Enum:
		if v.Kind != ast.EnumValue || def.EnumValues.ForName(v.Raw) == nil {
			return bad()
		}
		return v.Raw, nil
	case ast.InputObject:
		if v.Kind != ast.ObjectValue {
			return bad()
		}
		out := make(map[string]any, len(def.Fields))
		for _, child := range v.Children {
			if def.Fields.ForName(child.Name) == nil {
				return bad()
			}
		}
		for _, f := range def.Fields {
			c.path = append(c.path, pathSeg{field: f.Name})
			var (
				r   any
				err error
			)
			child := v.Children.ForName(f.Name)
			switch {
			case child != nil:
				r, err = c.literal(child, f.Type)
			case f.DefaultValue != nil:
				r, err = c.literal(f.DefaultValue, f.Type)
			case f.Type.NonNull:
				err = c.fail("required field of type %s was not provided", f.Type.String())
			default:
				c.path = c.path[:len(c.path)-1]
				continue
			}
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return nil, err
			}
			out[f.Name] = r
		}
		return out, nil
	}
	return bad()
}

// integralResult says what parseIntegral found.
type integralResult int

const (
	integralOK integralResult = iota
	notIntegral
	overflow // integral, but outside the int64 range
)

// parseIntegral reads s, a JSON number, exactly (without going through a float, so that
// 3.0000000000000000001 is not taken for 3) and returns the integer it denotes.
func parseIntegral(s string) (int64, integralResult) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e := s[i+1:]
		eneg := strings.HasPrefix(e, "-")
		e = strings.TrimLeft(e, "+-")
		for _, ch := range e {
			if ch < '0' || ch > '9' {
				return 0, notIntegral
			}
			if exp < 1<<20 { // beyond this the number is 0 or out of range anyway
				exp = exp*10 + int(ch-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	// The value is digits × 10^exp, digits being intPart and frac run together.
	exp -= len(frac)
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, integralOK
	}
	for strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		exp++
	}
	if exp < 0 {
		return 0, notIntegral
	}
	if len(digits)+exp > 19 {
		return 0, overflow
	}
	var u uint64
	for i := 0; i < len(digits); i++ {
		ch := digits[i]
		if ch < '0' || ch > '9' {
			return 0, notIntegral
		}
		u = u*10 + uint64(ch-'0')
	}
	for range exp {
		u *= 10
	}
	// 19 digits fit a uint64; the int64 range is checked here.
	switch {
	case !neg && u > math.MaxInt64:
		return 0, overflow
	case neg && u > 1<<63:
		return 0, overflow
	case neg:
		return -int64(u-1) - 1, integralOK
	}
	return int64(u), integralOK
}

// finite parses s as a float64 and reports whether it is finite; a number too small to
// represent rounds to zero, as in any JSON decoder.
func finite(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !(f == 0 && isRangeErr(err)) {
		return 0, false
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}

func isRangeErr(err error) bool {
	return errors.Is(err, strconv.ErrRange)
}

// kindOf names the JSON kind of v for a message, without its content.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value of another kind"
}

// shortName bounds a name taken from the request for a message.
func shortName(s string) string {
	if len(s) <= maxNameInMessage {
		return s
	}
	cut := maxNameInMessage
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
