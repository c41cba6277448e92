package front_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/gateway/front"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// coerceSDL has an argument of every input kind the coercion rules distinguish, with the
// graph's custom scalars.
const coerceSDL = `
scalar Money
scalar DateTime
enum Color { RED GREEN blue }
input Point { x: Int! y: Int = 7 label: String tags: [String!] }
input Filter { color: Color = RED point: Point money: Money near: [Point!] }
input One @oneOf { a: Int b: String }
type Query {
  i(v: Int): Int
  f(v: Float): Float
  s(v: String): String
  b(v: Boolean): Boolean
  id(v: ID): ID
  c(v: Color): Color
  m(v: Money): Money
  d(v: DateTime): DateTime
  p(v: Point): Int
  filter(v: Filter): Int
  list(v: [Int]): Int
  matrix(v: [[Int]]): Int
  one(v: One): Int
}
`

// absent marks a variable wanted absent from Operation.Variables (not even null).
type absentType struct{}

var absent = absentType{}

// TestCoerceVariables sends one variable per case through the handler and checks what the
// executor gets, value and Go type, or the refusal's code and message.
func TestCoerceVariables(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "coerce", Input: coerceSDL})
	if err != nil {
		t.Fatal(err)
	}
	exec := &recordingExecutor{}
	h, err := front.New(front.DefaultConfig(), func() *ast.Schema { return schema }, exec, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	list := func(v ...any) []any { return v }
	tests := []struct {
		name  string
		typ   string // the variable's type, with its default if any
		field string
		value string // the variable's JSON value; "" sends no value
		want  any    // the coerced value, absent, or nil for null
		err   string // a part of the refusal's message; "" means accepted
	}{
		// Int: integral JSON numbers in 32 bits only.
		{name: "int", typ: "Int", field: "i", value: `3`, want: int64(3)},
		{name: "int written as a float", typ: "Int", field: "i", value: `3.0`, want: int64(3)},
		{name: "int with an exponent", typ: "Int", field: "i", value: `1e2`, want: int64(100)},
		{name: "int negative bound", typ: "Int", field: "i", value: `-2147483648`, want: int64(-2147483648)},
		{name: "int from a string", typ: "Int", field: "i", value: `"3"`, err: `Invalid value for variable "$v": expected an Int, got a string`},
		{name: "int not integral", typ: "Int", field: "i", value: `3.5`, err: "not an integer"},
		{name: "int just off integral", typ: "Int", field: "i", value: `3.0000000000000000001`, err: "not an integer"},
		{name: "int over 32 bits", typ: "Int", field: "i", value: `2147483648`, err: "32-bit range"},
		{name: "int huge exponent", typ: "Int", field: "i", value: `1e400`, err: "32-bit range"},
		{name: "int from a boolean", typ: "Int", field: "i", value: `true`, err: "got a boolean"},
		// Float: any finite number.
		{name: "float from an integer", typ: "Float", field: "f", value: `3`, want: float64(3)},
		{name: "float", typ: "Float", field: "f", value: `1.5e3`, want: float64(1500)},
		{name: "float from a string", typ: "Float", field: "f", value: `"1.5"`, err: "expected a Float, got a string"},
		{name: "float out of range", typ: "Float", field: "f", value: `1e400`, err: "floating-point range"},
		// String and Boolean: their own JSON kinds only.
		{name: "string", typ: "String", field: "s", value: `"x"`, want: "x"},
		{name: "string from a number", typ: "String", field: "s", value: `3`, err: "expected a String, got a number"},
		{name: "boolean", typ: "Boolean", field: "b", value: `true`, want: true},
		{name: "boolean from a string", typ: "Boolean", field: "b", value: `"true"`, err: "expected a Boolean, got a string"},
		{name: "boolean from a number", typ: "Boolean", field: "b", value: `1`, err: "expected a Boolean, got a number"},
		// ID: a string, or an integer given as a number, always a string.
		{name: "id", typ: "ID", field: "id", value: `"User:1"`, want: "User:1"},
		{name: "id from an integer", typ: "ID", field: "id", value: `42`, want: "42"},
		{name: "id from a float", typ: "ID", field: "id", value: `4.2`, err: "64-bit integer"},
		{name: "id from a boolean", typ: "ID", field: "id", value: `true`, err: "expected an ID"},
		// Enums: exact names from strings.
		{name: "enum", typ: "Color", field: "c", value: `"RED"`, want: "RED"},
		{name: "enum lower-case value", typ: "Color", field: "c", value: `"blue"`, want: "blue"},
		{name: "enum in another case", typ: "Color", field: "c", value: `"red"`, err: "names none of its values"},
		{name: "enum from a number", typ: "Color", field: "c", value: `1`, err: "expected a value of enum Color, got a number"},
		// Custom scalars: any JSON, numbers made plain.
		{name: "money object", typ: "Money", field: "m", value: `{"amount":"12.34","currency":"USD"}`, want: obj("amount", "12.34", "currency", "USD")},
		{name: "money numbers", typ: "Money", field: "m", value: `{"amount":12,"rate":1.5,"parts":[1,2.5]}`,
			want: obj("amount", int64(12), "rate", 1.5, "parts", list(int64(1), 2.5))},
		{name: "datetime", typ: "DateTime", field: "d", value: `"2024-01-01T00:00:00Z"`, want: "2024-01-01T00:00:00Z"},
		{name: "custom scalar number out of range", typ: "Money", field: "m", value: `[1e999]`, err: "floating-point range"},
		// Input objects.
		{name: "input object default applied", typ: "Point", field: "p", value: `{"x":1}`, want: obj("x", int64(1), "y", int64(7))},
		{name: "input object explicit null kept", typ: "Point", field: "p", value: `{"x":1,"label":null,"y":null}`,
			want: obj("x", int64(1), "y", nil, "label", nil)},
		{name: "input object list field from one value", typ: "Point", field: "p", value: `{"x":1,"tags":"a"}`,
			want: obj("x", int64(1), "y", int64(7), "tags", list("a"))},
		{name: "input object missing required field", typ: "Point", field: "p", value: `{"y":2}`, err: `at "x": required field of type Int! was not provided`},
		{name: "input object null for a required field", typ: "Point", field: "p", value: `{"x":null}`, err: `at "x": expected Int!, got null`},
		{name: "input object unknown field", typ: "Point", field: "p", value: `{"x":1,"z":2}`, err: `field "z" is not defined by input type Point`},
		{name: "input object field of the wrong kind", typ: "Point", field: "p", value: `{"x":"1"}`, err: `at "x": expected an Int, got a string`},
		{name: "input object from a list", typ: "Point", field: "p", value: `[]`, err: "expected an object for input type Point, got a list"},
		{name: "nested input object defaults", typ: "Filter", field: "filter", value: `{"point":{"x":1},"money":{"amount":"1"}}`,
			want: obj("color", "RED", "point", obj("x", int64(1), "y", int64(7)), "money", obj("amount", "1"))},
		{name: "nested path in a message", typ: "Filter", field: "filter", value: `{"near":[{"x":1},{"x":"a"}]}`, err: `at "near[1].x": expected an Int`},
		{name: "empty input object takes every default", typ: "Filter", field: "filter", value: `{}`, want: obj("color", "RED")},
		{name: "oneOf with one field", typ: "One", field: "one", value: `{"a":1}`, want: obj("a", int64(1))},
		{name: "oneOf with two fields", typ: "One", field: "one", value: `{"a":1,"b":"x"}`, err: "exactly one field"},
		{name: "oneOf with a null", typ: "One", field: "one", value: `{"a":null}`, err: "must not be null"},
		// Lists.
		{name: "list from one value", typ: "[Int]", field: "list", value: `3`, want: list(int64(3))},
		{name: "list with a null item", typ: "[Int]", field: "list", value: `[1,null,3]`, want: list(int64(1), nil, int64(3))},
		{name: "list of non-null with a null item", typ: "[Int!]", field: "list", value: `[1,null]`, err: `at "[1]": expected Int!, got null`},
		{name: "list of lists from one value", typ: "[[Int]]", field: "matrix", value: `1`, want: list(list(int64(1)))},
		{name: "list of lists from a list", typ: "[[Int]]", field: "matrix", value: `[1,[2,3]]`, want: list(list(int64(1)), list(int64(2), int64(3)))},
		{name: "list null", typ: "[Int]", field: "list", value: `null`, want: nil},
		// Null, missing and defaults.
		{name: "non-null given null", typ: "Int!", field: "i", value: `null`, err: `Variable "$v" of non-null type Int! must not be null`},
		{name: "non-null missing", typ: "Int!", field: "i", err: `Variable "$v" of non-null type Int! was not provided`},
		{name: "missing takes the default", typ: "Int = 5", field: "i", want: int64(5)},
		{name: "null overrides the default", typ: "Int = 5", field: "i", value: `null`, want: nil},
		{name: "missing nullable without default is absent", typ: "Int", field: "i", want: absent},
		{name: "non-null with a default, missing", typ: "Int! = 5", field: "i", want: int64(5)},
		{name: "float default written as an int", typ: "Float = 1", field: "f", want: float64(1)},
		{name: "id default written as an int", typ: "ID = 7", field: "id", want: "7"},
		{name: "list default from one value", typ: "[Int] = 3", field: "list", want: list(int64(3))},
		{name: "input object default with field defaults", typ: "Point = {x: 2}", field: "p", want: obj("x", int64(2), "y", int64(7))},
		{name: "enum default", typ: "Color = GREEN", field: "c", want: "GREEN"},
		// Nothing long is echoed.
		{name: "a long string is not echoed", typ: "Int", field: "i", value: `"` + strings.Repeat("x", 10<<10) + `"`, err: "expected an Int, got a string"},
		{name: "a long unknown field name is cut", typ: "Point", field: "p", value: `{"x":1,"` + strings.Repeat("z", 10<<10) + `":1}`, err: "is not defined by input type Point"},
	}
	if len(tests) < 30 {
		t.Fatalf("the table has %d cases, want at least 30", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, def, _ := strings.Cut(tt.typ, " = ")
			query := "query($v: " + typ
			if def != "" {
				query += " = " + def
			}
			query += ") { " + tt.field + "(v: $v) }"
			req := map[string]json.RawMessage{"query": json.RawMessage(quote(query))}
			if tt.value != "" {
				req["variables"] = json.RawMessage(`{"v":` + tt.value + `}`)
			}
			exec.last = nil
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/graphql", jsonBody(t, req)).WithContext(t.Context())
			r.Header.Set("Content-Type", mediaJSON)
			h.ServeHTTP(rec, r)
			httpReq := httpResult{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			g := decode(t, httpReq)
			if tt.err != "" {
				if g.code() != errcode.BadUserInput || len(g.Errors) != 1 {
					t.Fatalf("got %d %s, want one BAD_USER_INPUT", rec.Code, rec.Body.Bytes())
				}
				if msg := g.Errors[0].Message; !strings.Contains(msg, tt.err) || !strings.Contains(msg, `"$v"`) {
					t.Errorf("message: got %q, want it to name $v and contain %q", msg, tt.err)
				}
				if len(g.Errors[0].Message) > 250 {
					t.Errorf("message is %d bytes, want a short one", len(g.Errors[0].Message))
				}
				if exec.last != nil {
					t.Errorf("the executor ran a refused operation")
				}
				return
			}
			if len(g.Errors) != 0 || exec.last == nil {
				t.Fatalf("got %d %s, want the operation executed", rec.Code, rec.Body.Bytes())
			}
			got, ok := exec.last.Variables["v"]
			if tt.want == absent {
				if ok {
					t.Errorf("Variables[v]: got %#v, want it absent", got)
				}
				return
			}
			if !ok {
				t.Fatalf("Variables[v] is absent, want %#v", tt.want)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Variables[v]: got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestCostReadsCoercedVariables checks that the cost estimate reads first from the coerced
// variables, integers written as floats or with exponents included.
func TestCostReadsCoercedVariables(t *testing.T) {
	cfg := front.DefaultConfig()
	cfg.MaxCost = 30 // products(first: n) { edges { node { id } } } costs 1 + 3n
	srv := newServer(t, cfg, newStaticExecutor(t))
	q := `query($n: Int) { products(first: $n) { edges { node { id } } } }`
	tests := []struct {
		vars string
		code string
		data string
	}{
		{vars: `{"n":2.0}`, data: `{"products":{"edges":[{"node":{"id":"Product:1"}},{"node":{"id":"Product:2"}}]}}`},
		{vars: `{"n":9}`, data: `{"products":{"edges":[{"node":{"id":"Product:1"}},{"node":{"id":"Product:2"}},{"node":{"id":"Product:3"}}]}}`},
		{vars: `{"n":1e1}`, code: errcode.CostLimitExceeded},
		{vars: `{"n":"2"}`, code: errcode.BadUserInput},
	}
	for _, tt := range tests {
		r := do(t, http.MethodPost, srv.URL+"/graphql", mediaJSON, mediaJSON,
			strings.NewReader(`{"query":`+quote(q)+`,"variables":`+tt.vars+`}`), nil)
		g := decode(t, r)
		if g.code() != tt.code {
			t.Errorf("%s: got %s, want code %q", tt.vars, r.body, tt.code)
			continue
		}
		if tt.code == "" {
			jsonEq(tt.data)(t, g.Data)
		}
	}
}
