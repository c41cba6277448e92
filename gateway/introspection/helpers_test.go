package introspection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// gatewaySchema is the gateway's real merged schema.
const gatewaySchema = "../testdata/schema.graphql"

// loadSchemaFile loads an SDL file with gqlparser, as the gateway loads a subgraph's SDL.
func loadSchemaFile(t testing.TB, path string) *ast.Schema {
	t.Helper()
	sdl, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return loadSchema(t, filepath.Base(path), string(sdl))
}

func loadSchema(t testing.TB, name, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: sdl})
	if err != nil {
		t.Fatalf("load schema %s: %v", name, err)
	}
	return s
}

// answer validates query against schema and answers its operation (the one named
// operationName, or the only one) as the gateway's executor would: root fields collected
// and merged per CollectFields, each introspection field answered by AppendFields. It
// returns the JSON of the operation's data.
func answer(t testing.TB, schema *ast.Schema, query string, vars map[string]any, operationName string) []byte {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(schema, query, nil)
	if errs != nil {
		t.Fatalf("validate query: %v\n%s", errs, query)
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		t.Fatalf("no operation %q in\n%s", operationName, query)
	}
	coerced, err := validator.VariableValues(schema, op, vars)
	if err != nil {
		t.Fatalf("coerce variables %v: %v", vars, err)
	}
	c := collector{e: &evaluator{schema: schema, vars: coerced, fragments: doc.Fragments}, typeName: schema.Query.Name}
	c.set(op.SelectionSet)
	b := []byte{'{'}
	for i, n := range c.out {
		b = key(b, i, n.key)
		switch n.name() {
		case "__typename":
			b = appendString(b, schema.Query.Name)
		case "__schema", "__type":
			b = AppendFields(b, schema, n.fields, coerced, doc.Fragments)
		default:
			t.Fatalf("root field %s is not introspection", n.name())
		}
	}
	b = append(b, '}')
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	return b
}

// value is a JSON value that keeps its object members in order, so that two answers can
// be compared key order included.
type value struct {
	members []member // an object's, in order; nil for any other value
	items   []value  // an array's
	isObj   bool
	isArr   bool
	scalar  any // string, json.Number, bool or nil
}

type member struct {
	key string
	val value
}

func (v value) get(k string) (value, bool) {
	for _, m := range v.members {
		if m.key == k {
			return m.val, true
		}
	}
	return value{}, false
}

func (v value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v value) write(b *strings.Builder) {
	switch {
	case v.isObj:
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(m.key)
			b.Write(k)
			b.WriteByte(':')
			m.val.write(b)
		}
		b.WriteByte('}')
	case v.isArr:
		b.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.write(b)
		}
		b.WriteByte(']')
	default:
		s, _ := json.Marshal(v.scalar)
		b.Write(s)
	}
}

// parseJSON decodes b into an ordered value.
func parseJSON(t testing.TB, b []byte) value {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		t.Fatalf("parse JSON: %v\n%s", err, b)
	}
	return v
}

func decodeValue(d *json.Decoder) (value, error) {
	tok, err := d.Token()
	if err != nil {
		return value{}, err
	}
	switch tok {
	case json.Delim('{'):
		v := value{isObj: true, members: []member{}}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return value{}, err
			}
			m, err := decodeValue(d)
			if err != nil {
				return value{}, err
			}
			v.members = append(v.members, member{k.(string), m})
		}
		_, err := d.Token()
		return v, err
	case json.Delim('['):
		v := value{isArr: true, items: []value{}}
		for d.More() {
			it, err := decodeValue(d)
			if err != nil {
				return value{}, err
			}
			v.items = append(v.items, it)
		}
		_, err := d.Token()
		return v, err
	}
	return value{scalar: tok}, nil
}

// diff returns where got and want differ, key order included, at most limit entries.
func diff(path string, got, want value, limit int) []string {
	var out []string
	var walk func(path string, got, want value)
	walk = func(path string, got, want value) {
		if len(out) >= limit {
			return
		}
		switch {
		case got.isObj && want.isObj:
			gk := make([]string, len(got.members))
			for i, m := range got.members {
				gk[i] = m.key
			}
			wk := make([]string, len(want.members))
			for i, m := range want.members {
				wk[i] = m.key
			}
			if !slices.Equal(gk, wk) {
				out = append(out, fmt.Sprintf("%s: got keys %q, want %q", path, gk, wk))
				return
			}
			for i := range got.members {
				walk(path+"."+gk[i], got.members[i].val, want.members[i].val)
			}
		case got.isArr && want.isArr:
			if len(got.items) != len(want.items) {
				out = append(out, fmt.Sprintf("%s: got %d items, want %d:\n got  %s\n want %s",
					path, len(got.items), len(want.items), names(got), names(want)))
				return
			}
			for i := range got.items {
				walk(fmt.Sprintf("%s[%s]", path, itemLabel(want.items[i], i)), got.items[i], want.items[i])
			}
		default:
			if g, w := got.String(), want.String(); g != w {
				out = append(out, fmt.Sprintf("%s: got %s, want %s", path, g, w))
			}
		}
	}
	walk(path, got, want)
	return out
}

// itemLabel names an array item in a diff path by its name, when it has one.
func itemLabel(v value, i int) string {
	if n, ok := v.get("name"); ok {
		if s, ok := n.scalar.(string); ok {
			return s
		}
	}
	return fmt.Sprint(i)
}

func names(v value) string {
	var s []string
	for i, it := range v.items {
		s = append(s, itemLabel(it, i))
	}
	return strings.Join(s, " ")
}

// sortByName sorts an array of objects by their "name" member.
func sortByName(v value) {
	slices.SortStableFunc(v.items, func(a, b value) int {
		return strings.Compare(itemLabel(a, 0), itemLabel(b, 0))
	})
}
