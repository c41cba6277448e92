package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// abstractCase: a library and a cinema both have media, an interface whose
// implementations differ per subgraph, and hits, a union whose members differ too;
// novels are entities both resolve.
func abstractCase() Case {
	return Case{
		Name:  "abstract-types",
		About: "interfaces and unions whose implementations and members differ per subgraph; __typename everywhere",
		// On purpose: the union's members differ per subgraph.
		Hints: []string{"INCONSISTENT_UNION_MEMBER"},
		Subgraphs: func() []fedtest.Subgraph {
			solaris := obj("Novel", "id", "n1", "title", "Solaris", "pages", 204)
			emma := obj("Novel", "id", "n2", "title", "Emma", "pages", 474)
			blue := obj("Album", "id", "a1", "title", "Blue", "tracks", 10)
			film := obj("Film", "id", "f1", "title", "Solaris", "minutes", 167)
			stalker := obj("Film", "id", "f2", "title", "Stalker", "minutes", 162)
			// The cinema's novels: their adaptations, and their title.
			cSolaris := obj("Novel", "id", "n1", "title", "Solaris", "adaptations", []any{film})
			cEmma := obj("Novel", "id", "n2", "title", "Emma", "adaptations", []any{})
			return []fedtest.Subgraph{
				{
					Name: "library",
					SDL: fed2("key shareable", `
type Query {
  media: [Medium!]!
  hits: [Hit!]!
}

interface Medium {
  id: ID!
  title: String!
}

type Novel implements Medium @key(fields: "id") {
  id: ID!
  title: String! @shareable
  pages: Int
}

type Album implements Medium @key(fields: "id") {
  id: ID!
  title: String!
  tracks: Int
}

union Hit = Novel | Album`),
					Query:   map[string]any{"media": []any{solaris, blue, emma}, "hits": []any{blue, emma}},
					Objects: []map[string]any{solaris, emma, blue},
				},
				{
					Name: "cinema",
					SDL: fed2("key shareable", `
type Query {
  screenings: [Medium!]!
  picks: [Hit!]!
}

interface Medium {
  id: ID!
  title: String!
}

type Film implements Medium @key(fields: "id") {
  id: ID!
  title: String!
  minutes: Int
}

type Novel implements Medium @key(fields: "id") {
  id: ID!
  title: String! @shareable
  adaptations: [Film!]!
}

union Hit = Film | Novel`),
					Query:   map[string]any{"screenings": []any{film, cSolaris, stalker}, "picks": []any{cEmma, stalker}},
					Objects: []map[string]any{film, stalker, cSolaris, cEmma},
				},
			}
		},
		Queries: []Query{
			{
				Name:  "an interface, with fields of another subgraph",
				Query: `{ media { __typename id title ... on Novel { pages adaptations { title minutes } } ... on Album { tracks } } }`,
				Data: `{"media":[` +
					`{"__typename":"Novel","id":"n1","title":"Solaris","pages":204,"adaptations":[{"title":"Solaris","minutes":167}]},` +
					`{"__typename":"Album","id":"a1","title":"Blue","tracks":10},` +
					`{"__typename":"Novel","id":"n2","title":"Emma","pages":474,"adaptations":[]}]}`,
			},
			{
				Name:  "a type condition the subgraph does not implement",
				Query: `{ screenings { __typename title ... on Album { tracks } ... on Film { minutes } } }`,
				Data:  `{"screenings":[{"__typename":"Film","title":"Solaris","minutes":167},{"__typename":"Novel","title":"Solaris"},{"__typename":"Film","title":"Stalker","minutes":162}]}`,
			},
			{
				Name:  "an implementation's field from the other subgraph",
				Query: `{ screenings { ... on Novel { pages } ... on Medium { id } } }`,
				Data:  `{"screenings":[{"id":"f1"},{"pages":204,"id":"n1"},{"id":"f2"}]}`,
			},
			{
				Name:  "a union whose members differ per subgraph",
				Query: `{ picks { __typename ... on Album { title } ... on Novel { pages } ... on Film { minutes } } }`,
				Data:  `{"picks":[{"__typename":"Novel","pages":474},{"__typename":"Film","minutes":162}]}`,
			},
			{
				Name:  "the other union",
				Query: `{ hits { ... on Film { minutes } ... on Novel { title adaptations { id } } ... on Album { __typename } } }`,
				Data:  `{"hits":[{"__typename":"Album"},{"title":"Emma","adaptations":[]}]}`,
			},
			{
				Name:  "__typename at every level",
				Query: `{ __typename media { __typename ... on Novel { adaptations { __typename } } } t: __typename }`,
				Data:  `{"__typename":"Query","media":[{"__typename":"Novel","adaptations":[{"__typename":"Film"}]},{"__typename":"Album"},{"__typename":"Novel","adaptations":[]}],"t":"Query"}`,
			},
		},
	}
}
