package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// overrideCase: tickets move from a legacy subgraph to a modern one field by field.
// The legacy subgraph still answers the fields it lost, with other values, so that an
// answer shows which subgraph a field came from; it keeps code, which it lost too, as
// a key, and an audit subgraph knows tickets by code only.
func overrideCase() Case {
	return Case{
		Name:  "override",
		About: "@override, of a field the old subgraph still uses in a key, and from a subgraph that does not exist",
		// On purpose: the legacy subgraph keeps the fields it lost, and the seat
		// overrides a subgraph the supergraph lacks.
		Hints: []string{"OVERRIDDEN_FIELD_CAN_BE_REMOVED", "FROM_SUBGRAPH_DOES_NOT_EXIST"},
		Subgraphs: func() []fedtest.Subgraph {
			legacy := []map[string]any{
				obj("Ticket", "id", "t1", "code", "AX-1", "status", "legacy: open", "price", 30),
				obj("Ticket", "id", "t2", "code", "AX-2", "status", "legacy: closed", "price", 45),
			}
			modern := []map[string]any{
				obj("Ticket", "id", "t1", "code", "AX-1", "status", "open", "seat", "12A"),
				obj("Ticket", "id", "t2", "code", "AX-2", "status", "closed", "seat", "3C"),
			}
			audited := []map[string]any{
				obj("Ticket", "code", "AX-1", "checkedBy", "Ines"),
				obj("Ticket", "code", "AX-2", "checkedBy", nil),
			}
			return []fedtest.Subgraph{
				{
					Name: "legacy",
					SDL: fed2("key", `
type Query {
  tickets: [Ticket!]!
}

type Ticket @key(fields: "id") @key(fields: "code") {
  id: ID!
  code: String!
  status: String!
  price: Int
}`),
					Query:   map[string]any{"tickets": legacy},
					Objects: legacy,
				},
				{
					Name: "modern",
					SDL: fed2("key override shareable", `
type Ticket @key(fields: "id") {
  id: ID!
  code: String! @shareable @override(from: "legacy")
  status: String! @override(from: "legacy")
  seat: String @override(from: "ghost")
}`),
					Objects: modern,
				},
				{
					Name: "audit",
					SDL: fed2("key", `
type Query {
  audits: [Ticket!]!
}

type Ticket @key(fields: "code") {
  code: String!
  checkedBy: String
}`),
					Query:   map[string]any{"audits": []any{audited[1], audited[0]}},
					Objects: audited,
				},
			}
		},
		Queries: []Query{
			{
				Name:     "an overridden field comes from the new subgraph",
				Query:    `{ tickets { id status price } }`,
				Data:     `{"tickets":[{"id":"t1","status":"open","price":30},{"id":"t2","status":"closed","price":45}]}`,
				Requests: map[string]int{"legacy": 1, "modern": 1},
			},
			{
				Name:     "an overridden key field comes from the new subgraph",
				Query:    `{ tickets { code } }`,
				Data:     `{"tickets":[{"code":"AX-1"},{"code":"AX-2"}]}`,
				Requests: map[string]int{"legacy": 1, "modern": 1},
			},
			{
				// The overridden field is external to the old subgraph (the supergraph
				// marks it usedOverridden): its key lets objects in, but the code to
				// leave by comes from the new subgraph.
				Name:     "a key field overridden, to leave the old subgraph",
				Query:    `{ tickets { checkedBy } }`,
				Data:     `{"tickets":[{"checkedBy":"Ines"},{"checkedBy":null}]}`,
				Requests: map[string]int{"legacy": 1, "modern": 1, "audit": 1},
			},
			{
				Name:     "the old subgraph still resolves by the overridden key",
				Query:    `{ audits { code checkedBy price status } }`,
				Data:     `{"audits":[{"code":"AX-2","checkedBy":null,"price":45,"status":"closed"},{"code":"AX-1","checkedBy":"Ines","price":30,"status":"open"}]}`,
				Requests: map[string]int{"audit": 1, "legacy": 1, "modern": 1},
			},
			{
				Name:     "override from a subgraph that does not exist",
				Query:    `{ tickets { seat } }`,
				Data:     `{"tickets":[{"seat":"12A"},{"seat":"3C"}]}`,
				Requests: map[string]int{"legacy": 1, "modern": 1},
			},
		},
	}
}
