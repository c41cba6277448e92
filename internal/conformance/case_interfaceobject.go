package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// interfaceObjectCase: accounts are an entity interface with two implementations;
// a loyalty subgraph adds points to every account without knowing the
// implementations (@interfaceObject).
func interfaceObjectCase() Case {
	return Case{
		Name:  "interface-object",
		About: "@key on an interface and @interfaceObject: its fields, type conditions that need the runtime type, __typename",
		Subgraphs: func() []fedtest.Subgraph {
			ada := obj("Member", "id", "m1", "name", "Ada", "tier", "gold")
			bob := obj("Guest", "id", "g1", "name", "Bob", "expires", "2031-01-01")
			cy := obj("Member", "id", "m2", "name", "Cy", "tier", nil)
			points := []map[string]any{
				obj("Account", "id", "m1", "points", 120),
				obj("Account", "id", "g1", "points", 5),
				obj("Account", "id", "m2", "points", 40),
			}
			return []fedtest.Subgraph{
				{
					Name: "accounts",
					SDL: fed2("key", `
type Query {
  accounts: [Account!]!
}

interface Account @key(fields: "id") {
  id: ID!
  name: String!
}

type Member implements Account @key(fields: "id") {
  id: ID!
  name: String!
  tier: String
}

type Guest implements Account @key(fields: "id") {
  id: ID!
  name: String!
  expires: String
}`),
					Query:   map[string]any{"accounts": []any{ada, bob, cy}},
					Objects: []map[string]any{ada, bob, cy},
				},
				{
					Name: "loyalty",
					SDL: fed2("key interfaceObject", `
type Query {
  topAccounts: [Account!]!
}

type Account @key(fields: "id") @interfaceObject {
  id: ID!
  points: Int!
}`),
					Query:   map[string]any{"topAccounts": []any{points[0], points[2]}},
					Objects: points,
				},
			}
		},
		Queries: []Query{
			{
				Name:     "the interface object's field on every implementation",
				Query:    `{ accounts { id name points } }`,
				Data:     `{"accounts":[{"id":"m1","name":"Ada","points":120},{"id":"g1","name":"Bob","points":5},{"id":"m2","name":"Cy","points":40}]}`,
				Requests: map[string]int{"accounts": 1, "loyalty": 1},
			},
			{
				Name:     "the interface object's own fields, no hop",
				Query:    `{ topAccounts { id points } }`,
				Data:     `{"topAccounts":[{"id":"m1","points":120},{"id":"m2","points":40}]}`,
				Requests: map[string]int{"loyalty": 1, "accounts": 0},
			},
			{
				Name:  "__typename is the runtime type",
				Query: `{ topAccounts { __typename id } }`,
				Data:  `{"topAccounts":[{"__typename":"Member","id":"m1"},{"__typename":"Member","id":"m2"}]}`,
			},
			{
				Name:  "type conditions need the runtime type",
				Query: `{ topAccounts { points ... on Member { tier } ... on Guest { expires } name } }`,
				Data:  `{"topAccounts":[{"points":120,"tier":"gold","name":"Ada"},{"points":40,"tier":null,"name":"Cy"}]}`,
			},
			{
				Name:  "the interface object's field under a type condition",
				Query: `{ accounts { __typename ... on Guest { points } ... on Member { tier } } }`,
				Data:  `{"accounts":[{"__typename":"Member","tier":"gold"},{"__typename":"Guest","points":5},{"__typename":"Member","tier":null}]}`,
			},
		},
	}
}
