package transport

import (
	"encoding/json"
	"testing"
)

// counted is a variable value that counts how often it is encoded.
type counted struct{ n *int }

func (c counted) MarshalJSON() ([]byte, error) {
	*c.n++
	return json.Marshal("v")
}

// TestEncode checks the bytes of each kind of subgraph request body.
func TestEncode(t *testing.T) {
	const user = "fragment _fS1 on User {\n name\n}"
	node := LookupQuery(LookupNode, "_fS1", user, nil)
	withVar := LookupQuery(LookupNode, "_fS2", `fragment _fS2 on User { products(first: $n) { id } }`,
		[]Variable{{Name: "n", Definition: "$n:Int=3"}})
	entities := LookupQuery(LookupEntities, "_fS3", "fragment _fS3 on _Entity { ... on User { name } }", nil)
	entities2 := LookupQuery(LookupEntities, "_fS4", "fragment _fS4 on _Entity { ... on Product { name } }", nil)
	vars := map[string]any{"id": "U1", "n": 5, "unused": true}
	for _, tt := range []struct {
		name string
		body func(e *Encoder) []byte
		want string
	}{
		{"root", func(e *Encoder) []byte {
			return e.Root(RootQuery(`query($id: ID!) { user(id: $id) { name "quoted" } }`, []string{"id"}))
		}, `{"query":"query($id: ID!) { user(id: $id) { name \"quoted\" } }","variables":{"id":"U1"}}`},
		{"root without its variable", func(e *Encoder) []byte {
			return e.Root(RootQuery(`query($absent: ID) { me { name } }`, []string{"absent"}))
		}, `{"query":"query($absent: ID) { me { name } }","variables":{}}`},
		{"node lookups", func(e *Encoder) []byte {
			return e.Lookups("_f", []Lookups{{Query: node, Keys: [][]byte{[]byte(`"U1"`), []byte(`"U2"`)}}})
		}, `{"query":"query($_f0:ID!,$_f1:ID!,){_f0:node(id:$_f0){..._fS1}_f1:node(id:$_f1){..._fS1}} fragment _fS1 on User {\n name\n}","variables":{"_f0":"U1","_f1":"U2"}}`},
		{"node lookups of two steps, one with a variable", func(e *Encoder) []byte {
			return e.Lookups("_f", []Lookups{
				{Query: node, Keys: [][]byte{[]byte(`"U1"`)}},
				{Query: withVar, Keys: [][]byte{[]byte(`"U2"`)}, Base: 1},
			})
		}, `{"query":"query($_f0:ID!,$_f1:ID!,$n:Int=3,){_f0:node(id:$_f0){..._fS1}_f1:node(id:$_f1){..._fS2}} fragment _fS1 on User {\n name\n} fragment _fS2 on User { products(first: $n) { id } }","variables":{"_f0":"U1","_f1":"U2","n":5}}`},
		{"one step split in two parts sends its fragment once", func(e *Encoder) []byte {
			return e.Lookups("_f", []Lookups{
				{Query: node, Keys: [][]byte{[]byte(`"U1"`)}},
				{Query: node, Keys: [][]byte{[]byte(`"U2"`)}, Base: 1},
			})
		}, `{"query":"query($_f0:ID!,$_f1:ID!,){_f0:node(id:$_f0){..._fS1}_f1:node(id:$_f1){..._fS1}} fragment _fS1 on User {\n name\n}","variables":{"_f0":"U1","_f1":"U2"}}`},
		{"entities of two steps", func(e *Encoder) []byte {
			return e.Lookups("_f", []Lookups{
				{Query: entities, Keys: [][]byte{[]byte(`{"__typename":"User","id":"U1"}`), []byte(`{"__typename":"User","id":"U2"}`)}},
				{Query: entities2, Keys: [][]byte{[]byte(`{"__typename":"Product","id":"P1"}`)}, Base: 1},
			})
		}, `{"query":"query($_f0:[_Any!]!,$_f1:[_Any!]!,){_f0:_entities(representations:$_f0){..._fS3}_f1:_entities(representations:$_f1){..._fS4}} fragment _fS3 on _Entity { ... on User { name } } fragment _fS4 on _Entity { ... on Product { name } }","variables":{"_f0":[{"__typename":"User","id":"U1"},{"__typename":"User","id":"U2"}],"_f1":[{"__typename":"Product","id":"P1"}]}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder(vars)
			got := tt.body(&e)
			if string(got) != tt.want {
				t.Errorf("body:\n got %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("body is not JSON: %s", got)
			}
		})
	}
}

// TestEncoderEncodesEachVariableOnce checks that the requests of one client request
// share each variable's encoding, and that a root body never aliases its query's.
func TestEncoderEncodesEachVariableOnce(t *testing.T) {
	n := 0
	e := NewEncoder(map[string]any{"v": counted{&n}})
	q := RootQuery(`query($v: String) { a(v: $v) }`, []string{"v"})
	first := e.Root(q)
	second := e.Root(q)
	e.Lookups("_f", []Lookups{{Query: LookupQuery(LookupNode, "_fS1", "fragment _fS1 on T { b(v: $v) }",
		[]Variable{{Name: "v", Definition: "$v:String"}}), Keys: [][]byte{[]byte(`"T1"`)}}})
	if n != 1 {
		t.Errorf("the variable was encoded %d times, want once", n)
	}
	first[2] = 'X' // in the query's text
	if third := e.Root(q); string(third) != string(second) {
		t.Errorf("a body shares its bytes with its query: after a change to one body the next is %s", third)
	}
}
