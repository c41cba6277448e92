package fedtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

const parcelsSDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@requires"])

type Query {
  parcels(first: Int = 2): [Parcel!]!
  parcel(id: ID!): Parcel
  things: [Thing]
  scaled(by: Float!, ids: [ID!]): String
  broken: Parcel!
}

interface Thing { name: String }
type Box implements Thing { name: String sides: Int }
type Bag implements Thing { name: String handles: Int }

type Parcel @key(fields: "id") {
  id: ID!
  weight: Int @external
  label(prefix: String = "P-"): String!
  cost: Int @requires(fields: "weight")
  mustHave: String!
}

type Depot @key(fields: "code") { code: String! city: String }

type Slot @key(fields: "depot { code } n") {
  depot: Depot!
  n: Int!
  free: Boolean
}
`

// parcels is the subgraph the tests run queries on.
func parcels() Subgraph {
	parcel := func(id string, weight int) map[string]any {
		return map[string]any{"__typename": "Parcel", "id": id, "weight": weight}
	}
	all := []map[string]any{parcel("1", 1200), parcel("2", 300), parcel("3", 50)}
	return Subgraph{
		Name: "parcels",
		SDL:  parcelsSDL,
		Query: map[string]any{
			"things": []map[string]any{
				{"__typename": "Box", "name": "box", "sides": 6},
				{"__typename": "Bag", "name": "bag", "handles": 2},
				nil,
			},
		},
		Resolvers: map[string]Resolver{
			"Query.parcels": func(_, args map[string]any) (any, error) { return all[:args["first"].(int64)], nil },
			"Query.parcel": func(_, args map[string]any) (any, error) {
				for _, p := range all {
					if p["id"] == args["id"] {
						return p, nil
					}
				}
				return nil, nil
			},
			"Query.broken": func(_, _ map[string]any) (any, error) {
				return nil, &Error{Message: "the broken parcel is lost", Code: "LOST"}
			},
			"Query.scaled": func(_, args map[string]any) (any, error) {
				return fmt.Sprintf("%T %v, %#v", args["by"], args["by"], args["ids"]), nil
			},
			"Parcel.label": func(obj, args map[string]any) (any, error) {
				return args["prefix"].(string) + obj["id"].(string), nil
			},
			// cost reads weight, which the representation brings: the subgraph's own
			// objects have another weight, so the test sees which one was used.
			"Parcel.cost": func(obj, _ map[string]any) (any, error) {
				w, ok := obj["weight"].(int64)
				if !ok {
					return nil, fmt.Errorf("weight %v (%T) is not a required Int", obj["weight"], obj["weight"])
				}
				return 10 + w/100, nil
			},
			"Parcel.mustHave": func(obj, _ map[string]any) (any, error) {
				if obj["id"] == "1" {
					return nil, nil
				}
				return "here", nil
			},
		},
		Entities: map[string]EntityResolver{
			"Depot": func(rep map[string]any) (map[string]any, error) {
				if rep["code"] == "X" {
					return nil, &Error{Message: "depot X is closed", Code: "CLOSED"}
				}
				return map[string]any{"__typename": "Depot", "code": rep["code"], "city": "city of " + rep["code"].(string)}, nil
			},
		},
		Objects: append(slices.Clone(all),
			map[string]any{"__typename": "Slot", "depot": map[string]any{"code": "A"}, "n": 1, "free": true},
			map[string]any{"__typename": "Slot", "depot": map[string]any{"code": "A"}, "n": 2, "free": false},
		),
	}
}

// post sends a GraphQL request to url and returns the answer's body.
func post(t *testing.T, url, query string, vars map[string]any) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

func TestExecute(t *testing.T) {
	srv := httptest.NewServer(mustNew(t, parcels()))
	defer srv.Close()
	tests := []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{
			name:  "aliases, argument defaults and an absent variable",
			query: `query($p: String) { parcels { id a: label b: label(prefix: $p) c: label(prefix: "Q-") } }`,
			want:  `{"data":{"parcels":[{"id":"1","a":"P-1","b":"P-1","c":"Q-1"},{"id":"2","a":"P-2","b":"P-2","c":"Q-2"}]}}`,
		},
		{
			name:  "variable defaults and values",
			query: `query($p: String = "V-", $n: Int!) { parcels(first: $n) { label(prefix: $p) } one: parcel(id: 3) { id } }`,
			vars:  map[string]any{"n": 3},
			want:  `{"data":{"parcels":[{"label":"V-1"},{"label":"V-2"},{"label":"V-3"}],"one":{"id":"3"}}}`,
		},
		{
			name:  "Float and ID inputs coerced from integers",
			query: `query($by: Float!) { a: scaled(by: $by, ids: [1, "x"]) b: scaled(by: 2, ids: 7) }`,
			vars:  map[string]any{"by": 3},
			want:  `{"data":{"a":"float64 3, []interface {}{\"1\", \"x\"}","b":"float64 2, []interface {}{\"7\"}"}}`,
		},
		{
			name: "fragments, type conditions, @skip and @include, __typename",
			query: `query($yes: Boolean!) {
				__typename
				things { __typename ...F ... on Bag @include(if: $yes) { handles } }
			}
			fragment F on Thing { name ... on Box { sides @skip(if: $yes) n: name } }`,
			vars: map[string]any{"yes": true},
			want: `{"data":{"__typename":"Query","things":[{"__typename":"Box","name":"box","n":"box"},{"__typename":"Bag","name":"bag","handles":2},null]}}`,
		},
		{
			name:  "fields merged by response key keep their first position",
			query: `{ things { ... on Box { sides } name ... on Box { name sides } } }`,
			want:  `{"data":{"things":[{"sides":6,"name":"box"},{"name":"bag"},null]}}`,
		},
		{
			name:  "a null non-null field nulls its nullable parent",
			query: `{ parcel(id: "1") { id mustHave } other: parcel(id: "2") { mustHave } }`,
			want:  `{"data":{"parcel":null,"other":{"mustHave":"here"}},"errors":[{"message":"Cannot return null for non-nullable field Parcel.mustHave.","path":["parcel","mustHave"]}]}`,
		},
		{
			name:  "a null item of a list of non-null nulls the non-null list and data",
			query: `{ parcels(first: 1) { mustHave } }`,
			want:  `{"data":null,"errors":[{"message":"Cannot return null for non-nullable field Parcel.mustHave.","path":["parcels",0,"mustHave"]}]}`,
		},
		{
			name:  "a resolver error with a code, on a non-null root field",
			query: `{ parcel(id: "2") { id } broken { id } }`,
			want:  `{"data":null,"errors":[{"message":"the broken parcel is lost","path":["broken"],"extensions":{"code":"LOST"}}]}`,
		},
		{
			name: "entities by key from the representations, required fields merged in",
			query: `query($r: [_Any!]!) { _entities(representations: $r) {
				__typename ... on Parcel { id cost label } ... on Slot { n free depot { code } } } }`,
			vars: map[string]any{"r": []any{
				map[string]any{"__typename": "Parcel", "id": "1", "weight": 700},
				map[string]any{"__typename": "Parcel", "id": "9", "weight": 1},
				map[string]any{"__typename": "Slot", "depot": map[string]any{"code": "A"}, "n": 2},
				map[string]any{"__typename": "Slot", "depot": map[string]any{"code": "B"}, "n": 2},
			}},
			want: `{"data":{"_entities":[{"__typename":"Parcel","id":"1","cost":17,"label":"P-1"},null,{"__typename":"Slot","n":2,"free":false,"depot":{"code":"A"}},null]}}`,
		},
		{
			name:  "an entity resolver's error is the entity's, at its index",
			query: `{ _entities(representations: [{__typename: "Depot", code: "Y"}, {__typename: "Depot", code: "X"}]) { ... on Depot { code city } } }`,
			want:  `{"data":{"_entities":[{"code":"Y","city":"city of Y"},null]},"errors":[{"message":"depot X is closed","path":["_entities",1],"extensions":{"code":"CLOSED"}}]}`,
		},
		{
			name:  "a required field missing from the representation is the field's error",
			query: `{ _entities(representations: [{__typename: "Parcel", id: "2"}]) { ... on Parcel { id cost } } }`,
			want:  `{"data":{"_entities":[{"id":"2","cost":null}]},"errors":[{"message":"weight 300 (int) is not a required Int","path":["_entities",0,"cost"]}]}`,
		},
		{
			name:  "an invalid query is refused before execution",
			query: `{ parcels { nope } }`,
			want:  `{"errors":[{"message":"Cannot query field \"nope\" on type \"Parcel\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`,
		},
		{
			name:  "a missing variable is refused before execution",
			query: `query($n: Int!) { parcels(first: $n) { id } }`,
			want:  `{"errors":[{"message":"input: variable.n must be defined","extensions":{"code":"BAD_USER_INPUT"}}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(t, srv.URL, tt.query, tt.vars); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func mustNew(t *testing.T, sg Subgraph) *Handler {
	t.Helper()
	h, err := New(sg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestService checks that `_service { sdl }` is the SDL as written, without the
// federation definitions added for execution.
func TestService(t *testing.T) {
	srv := httptest.NewServer(mustNew(t, parcels()))
	defer srv.Close()
	var got struct {
		Data struct {
			Service struct{ SDL string } `json:"_service"`
		}
	}
	if err := json.Unmarshal([]byte(post(t, srv.URL, `{ _service { sdl } }`, nil)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Data.Service.SDL != parcelsSDL {
		t.Errorf("sdl = %q, want the SDL as given", got.Data.Service.SDL)
	}
}

// TestFederation1 checks a Federation 1 subgraph: types only extended, key fields
// @external, and no @link.
func TestFederation1(t *testing.T) {
	srv := httptest.NewServer(mustNew(t, Subgraph{
		Name: "reviews",
		SDL: `extend type Query { topStars: Int }
extend type Product @key(fields: "upc") {
  upc: String! @external
  stars: Int
}
`,
		Query:    map[string]any{"topStars": 5},
		Entities: map[string]EntityResolver{"Product": FromRepresentation},
		Resolvers: map[string]Resolver{
			"Product.stars": func(obj, _ map[string]any) (any, error) { return len(obj["upc"].(string)), nil },
		},
	}))
	defer srv.Close()
	got := post(t, srv.URL, `{ topStars _entities(representations: [{__typename: "Product", upc: "abc"}]) { ... on Product { upc stars } } }`, nil)
	if want := `{"data":{"topStars":5,"_entities":[{"upc":"abc","stars":3}]}}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestRequests checks that the handler counts and records what it receives.
func TestRequests(t *testing.T) {
	h := mustNew(t, parcels())
	srv := httptest.NewServer(h)
	defer srv.Close()
	post(t, srv.URL, `{ parcels { id } }`, nil)
	post(t, srv.URL, `query Q($n: Int) { parcels(first: $n) { id } }`, map[string]any{"n": 1})
	if got := h.Count(); got != 2 {
		t.Fatalf("Count() = %d, want 2", got)
	}
	r := h.Requests()[1]
	if r.Query != `query Q($n: Int) { parcels(first: $n) { id } }` || r.Variables["n"] != int64(1) {
		t.Errorf("second request = %q %v, want the query and n=1", r.Query, r.Variables)
	}
	if !bytes.Contains(r.Body, []byte(`"variables":{"n":1}`)) {
		t.Errorf("second body %s lacks its variables", r.Body)
	}
}

func TestNewRefusesBadSDL(t *testing.T) {
	tests := []struct{ name, sdl, want string }{
		{"syntax", `type Query {`, "parse SDL"},
		{"unknown type", `type Query { a: Nope }`, "Nope"},
		{"unknown directive", `type Query { a: Int @nope }`, "nope"},
	}
	for _, tt := range tests {
		_, err := New(Subgraph{Name: "bad", SDL: tt.sdl})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want one that mentions %q", tt.name, err, tt.want)
		}
	}
	var fe *Error
	if err := fmt.Errorf("wrapped: %w", &Error{Message: "m", Code: "C"}); !errors.As(err, &fe) || fe.Code != "C" {
		t.Errorf("a wrapped *Error is not found: %v", err)
	}
}
