package interop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// value is a JSON value decoded with its objects' keys in the order they came, which
// encoding/json's maps lose: two gateways' answers are compared key order included.
type value struct {
	kind  byte     // '{', '[', or 'v' for a scalar or null
	keys  []string // an object's keys, in order
	elems []*value // an object's values (by keys) or an array's items
	raw   string   // a scalar, re-encoded: strings without HTML escaping, numbers as written
}

// parseValue decodes b, which must hold exactly one JSON value.
func parseValue(b []byte) (*value, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json: more than one value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (*value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		v := &value{kind: byte(tok)}
		for dec.More() {
			if v.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k.(string))
			}
			e, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			v.elems = append(v.elems, e)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return v, nil
	case string:
		return &value{kind: 'v', raw: quote(tok)}, nil
	case json.Number:
		return &value{kind: 'v', raw: tok.String()}, nil
	case nil:
		return &value{kind: 'v', raw: "null"}, nil
	default: // bool
		return &value{kind: 'v', raw: fmt.Sprint(tok)}, nil
	}
}

func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// String is v as compact JSON, keys in their order: two answers with the same data and
// the same key order give the same string, whatever their whitespace and escaping.
func (v *value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

// sameShape reports whether a and b have the same structure: objects with the same keys
// in the same order, arrays whose common items have the same shape, whatever their
// lengths and scalar values. A null has every shape: it is where one answer has a value
// that the other nulled.
func sameShape(a, b *value) bool {
	if a.isNull() || b.isNull() {
		return true
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case '{':
		if !slices.Equal(a.keys, b.keys) {
			return false
		}
	case 'v':
		return true
	}
	for i := range min(len(a.elems), len(b.elems)) {
		if !sameShape(a.elems[i], b.elems[i]) {
			return false
		}
	}
	return true
}

func (v *value) isNull() bool { return v.kind == 'v' && v.raw == "null" }

func (v *value) write(b *strings.Builder) {
	switch v.kind {
	case 'v':
		b.WriteString(v.raw)
	case '[':
		b.WriteByte('[')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			e.write(b)
		}
		b.WriteByte(']')
	case '{':
		b.WriteByte('{')
		for i, e := range v.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(v.keys[i]))
			b.WriteByte(':')
			e.write(b)
		}
		b.WriteByte('}')
	}
}

func TestValueKeepsKeyOrder(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"key order kept", `{"b":1,"a":{"d":null,"c":[true,"x"]}}`, `{"b":1,"a":{"d":null,"c":[true,"x"]}}`},
		{"whitespace and escaping do not count", "{ \"s\" : \"<\\u00e9>\" }", `{"s":"<é>"}`},
		{"numbers as written", `[1,2.50,-3e2]`, `[1,2.50,-3e2]`},
		{"empty containers", `{"a":[],"b":{}}`, `{"a":[],"b":{}}`},
		{"null", `null`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.in).String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`{"a":1} {}`, `{"a":`, ``} {
		if _, err := parseValue([]byte(bad)); err == nil {
			t.Errorf("parseValue(%q): no error", bad)
		}
	}
}

func TestSameShape(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":"x"}`, `{"a":2,"b":"y"}`, true},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, false}, // key order
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"l":[{"n":1},{"n":2}]}`, `{"l":[{"n":3}]}`, true}, // list lengths are free
		{`{"l":[{"n":1},{"m":2}]}`, `{"l":[{"n":3},{"n":4}]}`, false},
		{`{"node":null}`, `{"node":{"id":"x"}}`, true}, // a null has every shape
		{`{"node":{"id":"x"}}`, `{"node":null}`, true},
		{`{"a":[1]}`, `{"a":{"b":1}}`, false},
	}
	for _, tt := range tests {
		if got := sameShape(mustParse(t, tt.a), mustParse(t, tt.b)); got != tt.want {
			t.Errorf("sameShape(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func mustParse(t *testing.T, s string) *value {
	t.Helper()
	v, err := parseValue([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}
