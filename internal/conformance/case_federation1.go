package conformance

import (
	"fmt"

	"github.com/fedgraph/fedgraph/internal/fedtest"
)

// federation1Case: three Federation 1 subgraphs (no @link; types extended with
// `extend type`, key fields @external), which composition upgrades: films, reviews of
// them, and their authors, with a @provides and a @requires in the Federation 1 way.
func federation1Case() Case {
	return Case{
		Name:  "federation-1",
		About: "Federation 1 subgraphs (`extend type ... @key` with @external key fields, @provides, @requires), as composition upgrades them",
		Subgraphs: func() []fedtest.Subgraph {
			films := []map[string]any{
				obj("Film", "id", "f1", "title", "Metropolis", "year", 1927),
				obj("Film", "id", "f2", "title", "Alien", "year", 1979),
			}
			kim := obj("User", "id", "u1", "handle", "kim")
			lee := obj("User", "id", "u2", "handle", "lee")
			review := func(stars int, film, author map[string]any) map[string]any {
				return obj("Review", "stars", stars, "film", obj("Film", "id", film["id"]),
					"author", obj("User", "id", author["id"], "handle", author["handle"]))
			}
			reviews := map[string][]map[string]any{
				"f1": {review(5, films[0], kim), review(4, films[0], lee)},
				"f2": {review(3, films[1], lee)},
			}
			return []fedtest.Subgraph{
				{
					Name: "films",
					SDL: `type Query {
  films: [Film]
}

type Film @key(fields: "id") {
  id: ID!
  title: String
  year: Int
}
`,
					Query:   map[string]any{"films": films},
					Objects: films,
				},
				{
					Name: "reviews",
					SDL: `extend type Query {
  topReview: Review
}

type Review {
  stars: Int
  film: Film
  author: User @provides(fields: "handle")
}

extend type Film @key(fields: "id") {
  id: ID! @external
  year: Int @external
  reviews: [Review]
  age: String @requires(fields: "year")
}

extend type User @key(fields: "id") {
  id: ID! @external
  handle: String @external
}
`,
					Query:    map[string]any{"topReview": reviews["f1"][0]},
					Entities: map[string]fedtest.EntityResolver{"Film": fedtest.FromRepresentation},
					Resolvers: map[string]fedtest.Resolver{
						"Film.reviews": func(f, _ map[string]any) (any, error) { return reviews[f["id"].(string)], nil },
						"Film.age": func(f, _ map[string]any) (any, error) {
							y, err := num(f["year"])
							if y < 1930 {
								return "silent era", err
							}
							return fmt.Sprintf("%ds", y/10*10), err
						},
					},
				},
				{
					Name: "users",
					SDL: `extend type Query {
  me: User
}

type User @key(fields: "id") {
  id: ID!
  handle: String
}
`,
					Query:   map[string]any{"me": lee},
					Objects: []map[string]any{kim, lee},
				},
			}
		},
		Queries: []Query{
			{
				Name:     "an extended type's fields",
				Query:    `{ films { title reviews { stars } } }`,
				Data:     `{"films":[{"title":"Metropolis","reviews":[{"stars":5},{"stars":4}]},{"title":"Alien","reviews":[{"stars":3}]}]}`,
				Requests: map[string]int{"films": 1, "reviews": 1},
			},
			{
				Name:     "provided, no hop",
				Query:    `{ topReview { stars author { handle } } }`,
				Data:     `{"topReview":{"stars":5,"author":{"handle":"kim"}}}`,
				Requests: map[string]int{"reviews": 1, "users": 0, "films": 0},
			},
			{
				Name:  "back to the owner",
				Query: `{ topReview { film { title age } } me { handle id } }`,
				Data:  `{"topReview":{"film":{"title":"Metropolis","age":"silent era"}},"me":{"handle":"lee","id":"u2"}}`,
			},
			{
				Name:  "required",
				Query: `{ films { age } }`,
				Data:  `{"films":[{"age":"silent era"},{"age":"1970s"}]}`,
			},
		},
	}
}
