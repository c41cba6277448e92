package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// inaccessibleCase: a vault hides a field, an argument, an enum value and an input
// field from the API schema (@inaccessible), and a second subgraph hides a field of the
// same entity; queries that use them are invalid, as if they did not exist.
func inaccessibleCase() Case {
	return Case{
		Name:  "inaccessible",
		About: "@inaccessible field, argument, enum value and input field: queries using them are invalid; introspection hides them",
		Subgraphs: func() []fedtest.Subgraph {
			safes := []map[string]any{
				obj("Safe", "id", "s1", "label", "front desk", "code", "1234", "metal", "STEEL"),
				obj("Safe", "id", "s2", "label", "cellar", "code", "0000", "metal", "TITANIUM"),
			}
			return []fedtest.Subgraph{
				{
					Name: "vault",
					SDL: fed2("key inaccessible", `
type Query {
  safes(filter: SafeFilter): [Safe!]!
  safe(id: ID!, pin: String @inaccessible): Safe
}

type Safe @key(fields: "id") {
  id: ID!
  label: String
  code: String @inaccessible
  metal: Metal
}

enum Metal {
  STEEL
  GOLD @inaccessible
  TITANIUM
}

input SafeFilter {
  metal: Metal
  owner: String @inaccessible
}`),
					Resolvers: map[string]fedtest.Resolver{
						"Query.safes": func(_, args map[string]any) (any, error) {
							f, _ := args["filter"].(map[string]any)
							var out []map[string]any
							for _, s := range safes {
								if f["metal"] == nil || f["metal"] == s["metal"] {
									out = append(out, s)
								}
							}
							return out, nil
						},
						"Query.safe": func(_, args map[string]any) (any, error) { return find(safes, "id", args["id"]), nil },
					},
					Objects: safes,
				},
				{
					Name: "sites",
					SDL: fed2("key inaccessible", `
type Safe @key(fields: "id") {
  id: ID!
  room: String
  alarmCode: String @inaccessible
}`),
					Objects: []map[string]any{
						obj("Safe", "id", "s1", "room", "lobby", "alarmCode", "9"),
						obj("Safe", "id", "s2", "room", "B2", "alarmCode", "8"),
					},
				},
			}
		},
		Queries: []Query{
			{
				Name:  "what is accessible",
				Query: `{ safes(filter: { metal: TITANIUM }) { id label metal room } safe(id: "s1") { label } }`,
				Data:  `{"safes":[{"id":"s2","label":"cellar","metal":"TITANIUM","room":"B2"}],"safe":{"label":"front desk"}}`,
			},
			{
				Name:     "a hidden field",
				Query:    `{ safes { id code } }`,
				Errors:   invalid(),
				Requests: map[string]int{"vault": 0, "sites": 0},
			},
			{
				Name:   "a hidden field of another subgraph",
				Query:  `{ safes { alarmCode } }`,
				Errors: invalid(),
			},
			{
				Name:   "a hidden argument",
				Query:  `{ safe(id: "s1", pin: "0000") { id } }`,
				Errors: invalid(),
			},
			{
				Name:   "a hidden enum value",
				Query:  `{ safes(filter: { metal: GOLD }) { id } }`,
				Errors: invalid(),
			},
			{
				Name:   "a hidden input field",
				Query:  `{ safes(filter: { owner: "Ada" }) { id } }`,
				Errors: invalid(),
			},
			{
				Name:      "a hidden enum value in a variable",
				Query:     `query($m: Metal) { safes(filter: { metal: $m }) { id } }`,
				Variables: map[string]any{"m": "GOLD"},
				Errors:    []Error{{}},
			},
			{
				Name:  "introspection hides them",
				Query: `{ metal: __type(name: "Metal") { enumValues { name } } filter: __type(name: "SafeFilter") { inputFields { name } } }`,
				Data:  `{"metal":{"enumValues":[{"name":"STEEL"},{"name":"TITANIUM"}]},"filter":{"inputFields":[{"name":"metal"}]}}`,
			},
		},
	}
}
