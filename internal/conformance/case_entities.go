package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// entityCase: a catalog owns books, a stock subgraph adds fields to them by their key.
func entityCase() Case {
	return Case{
		Name:  "entity-hops",
		About: "single-key entity fetches: one hop, for one object and for a list (one request for the whole list)",
		Subgraphs: func() []fedtest.Subgraph {
			books := []map[string]any{
				obj("Book", "isbn", "b1", "title", "Dune", "year", 1965),
				obj("Book", "isbn", "b2", "title", "Emma", "year", 1815),
				obj("Book", "isbn", "b3", "title", "Ubik", "year", 1969),
			}
			return []fedtest.Subgraph{
				{
					Name: "catalog",
					SDL: fed2("key", `
type Query {
  books: [Book!]!
  book(isbn: ID!): Book
}

type Book @key(fields: "isbn") {
  isbn: ID!
  title: String!
  year: Int
}`),
					Query: map[string]any{"books": books},
					Resolvers: map[string]fedtest.Resolver{
						"Query.book": func(_, args map[string]any) (any, error) { return find(books, "isbn", args["isbn"]), nil },
					},
					Objects: books,
				},
				{
					Name: "stock",
					SDL: fed2("key", `
type Book @key(fields: "isbn") {
  isbn: ID!
  copies: Int!
  shelf: String
}`),
					Objects: []map[string]any{
						obj("Book", "isbn", "b1", "copies", 3, "shelf", "S-1"),
						obj("Book", "isbn", "b2", "copies", 0, "shelf", nil),
						obj("Book", "isbn", "b3", "copies", 7, "shelf", "S-9"),
					},
				},
			}
		},
		Queries: []Query{
			{
				Name:     "one object",
				Query:    `{ book(isbn: "b2") { title copies shelf } }`,
				Data:     `{"book":{"title":"Emma","copies":0,"shelf":null}}`,
				Requests: map[string]int{"catalog": 1, "stock": 1},
			},
			{
				Name:     "a list in one request",
				Query:    `{ books { isbn title copies } }`,
				Data:     `{"books":[{"isbn":"b1","title":"Dune","copies":3},{"isbn":"b2","title":"Emma","copies":0},{"isbn":"b3","title":"Ubik","copies":7}]}`,
				Requests: map[string]int{"catalog": 1, "stock": 1},
			},
			{
				Name:     "only the other subgraph's fields",
				Query:    `{ books { shelf } }`,
				Data:     `{"books":[{"shelf":"S-1"},{"shelf":null},{"shelf":"S-9"}]}`,
				Requests: map[string]int{"catalog": 1, "stock": 1},
			},
			{
				Name:      "aliases, variables and __typename",
				Query:     `query Q($isbn: ID!) { first: book(isbn: $isbn) { n: title c: copies __typename } again: book(isbn: $isbn) { copies isbn } }`,
				Variables: map[string]any{"isbn": "b3"},
				Data:      `{"first":{"n":"Ubik","c":7,"__typename":"Book"},"again":{"copies":7,"isbn":"b3"}}`,
			},
			{
				Name:     "no object, no hop",
				Query:    `{ book(isbn: "none") { title copies } }`,
				Data:     `{"book":null}`,
				Requests: map[string]int{"catalog": 1, "stock": 0},
			},
			{
				Name:  "fragments across the hop",
				Query: `query { books { ...Shelved } } fragment Shelved on Book { year ... on Book { shelf } title }`,
				Data:  `{"books":[{"year":1965,"shelf":"S-1","title":"Dune"},{"year":1815,"shelf":null,"title":"Emma"},{"year":1969,"shelf":"S-9","title":"Ubik"}]}`,
			},
		},
	}
}
