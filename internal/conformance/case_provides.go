package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// providesCase: orders name their buyer and payer, whose fields the people subgraph
// owns; the orders subgraph provides some of them (nested, and under type conditions of
// a union) so that no hop is needed for those.
func providesCase() Case {
	return Case{
		Name:  "provides",
		About: "@external with @provides: nested provided fields, and provided fields under type conditions of a union",
		// On purpose: the value type has a field only one subgraph resolves.
		Hints: []string{"INCONSISTENT_OBJECT_VALUE_TYPE_FIELD"},
		Subgraphs: func() []fedtest.Subgraph {
			ada := obj("Person", "id", "p1", "name", "Ada", "email", "ada@example.org", "home", obj("Address", "city", "London", "street", "St James's Sq"))
			alan := obj("Person", "id", "p2", "name", "Alan", "email", "alan@example.org", "home", obj("Address", "city", "Wilmslow", "street", "Adlington Rd"))
			acme := obj("Company", "id", "c1", "legalName", "Acme Ltd", "vat", "GB123")
			// The orders subgraph holds copies of the provided fields only.
			ref := func(o map[string]any, fields ...string) map[string]any {
				c := map[string]any{"__typename": o["__typename"], "id": o["id"]}
				for _, f := range fields {
					c[f] = o[f]
				}
				return c
			}
			orders := []map[string]any{
				obj("Order", "id", "o1",
					"buyer", map[string]any{"__typename": "Person", "id": "p1", "name": "Ada", "home": obj("Address", "city", "London")},
					"seller", ref(alan), "payer", ref(acme, "legalName")),
				obj("Order", "id", "o2",
					"buyer", map[string]any{"__typename": "Person", "id": "p2", "name": "Alan", "home": obj("Address", "city", "Wilmslow")},
					"seller", ref(ada), "payer", ref(ada, "name")),
			}
			return []fedtest.Subgraph{
				{
					Name: "people",
					SDL: fed2("key shareable", `
type Person @key(fields: "id") {
  id: ID!
  name: String! @shareable
  email: String
  home: Address @shareable
}

type Address @shareable {
  city: String!
  street: String
}

type Company @key(fields: "id") {
  id: ID!
  legalName: String! @shareable
  vat: String
}`),
					Objects: []map[string]any{ada, alan, acme},
				},
				{
					Name: "orders",
					SDL: fed2("key external provides shareable", `
type Query {
  orders: [Order!]!
}

type Order @key(fields: "id") {
  id: ID!
  buyer: Person! @provides(fields: "name home { city }")
  seller: Person!
  payer: Party @provides(fields: "... on Company { legalName } ... on Person { name }")
}

union Party = Person | Company

type Person @key(fields: "id") {
  id: ID!
  name: String! @external
  home: Address @external
}

type Address @shareable {
  city: String!
}

type Company @key(fields: "id") {
  id: ID!
  legalName: String! @external
}`),
					Query:   map[string]any{"orders": orders},
					Objects: orders,
				},
			}
		},
		Queries: []Query{
			{
				Name:     "provided fields, no hop",
				Query:    `{ orders { id buyer { name } } }`,
				Data:     `{"orders":[{"id":"o1","buyer":{"name":"Ada"}},{"id":"o2","buyer":{"name":"Alan"}}]}`,
				Requests: map[string]int{"orders": 1, "people": 0},
			},
			{
				Name:     "nested provided fields, no hop",
				Query:    `{ orders { buyer { id home { city } name } } }`,
				Data:     `{"orders":[{"buyer":{"id":"p1","home":{"city":"London"},"name":"Ada"}},{"buyer":{"id":"p2","home":{"city":"Wilmslow"},"name":"Alan"}}]}`,
				Requests: map[string]int{"orders": 1, "people": 0},
			},
			{
				Name:     "a field not provided beside provided ones",
				Query:    `{ orders { buyer { name email home { city street } } } }`,
				Data:     `{"orders":[{"buyer":{"name":"Ada","email":"ada@example.org","home":{"city":"London","street":"St James's Sq"}}},{"buyer":{"name":"Alan","email":"alan@example.org","home":{"city":"Wilmslow","street":"Adlington Rd"}}}]}`,
				Requests: map[string]int{"orders": 1, "people": 1},
			},
			{
				Name:     "the same field where it is not provided",
				Query:    `{ orders { seller { name } } }`,
				Data:     `{"orders":[{"seller":{"name":"Alan"}},{"seller":{"name":"Ada"}}]}`,
				Requests: map[string]int{"orders": 1, "people": 1},
			},
			{
				Name:     "provided under type conditions, no hop",
				Query:    `{ orders { payer { __typename ... on Company { legalName } ... on Person { name } } } }`,
				Data:     `{"orders":[{"payer":{"__typename":"Company","legalName":"Acme Ltd"}},{"payer":{"__typename":"Person","name":"Ada"}}]}`,
				Requests: map[string]int{"orders": 1, "people": 0},
			},
			{
				Name:     "not provided under a type condition",
				Query:    `{ orders { payer { ... on Company { legalName vat } ... on Person { email } } } }`,
				Data:     `{"orders":[{"payer":{"legalName":"Acme Ltd","vat":"GB123"}},{"payer":{"email":"ada@example.org"}}]}`,
				Requests: map[string]int{"orders": 1, "people": 1},
			},
		},
	}
}
