package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// shareableCase: two subgraphs both resolve weather stations (a shared root field and
// shared fields), and the value type of their position has a field only one of them
// resolves.
func shareableCase() Case {
	return Case{
		Name:  "shareable",
		About: "@shareable fields and a shared root field; a value type whose subfields live in different subgraphs",
		// On purpose: the value type has a field only one subgraph resolves.
		Hints: []string{"INCONSISTENT_OBJECT_VALUE_TYPE_FIELD"},
		Subgraphs: func() []fedtest.Subgraph {
			geo := []map[string]any{
				obj("Station", "code", "OSL", "name", "Oslo", "position", obj("Position", "lat", 59.91, "lon", 10.75)),
				obj("Station", "code", "BGO", "name", "Bergen", "position", obj("Position", "lat", 60.39, "lon", 5.32)),
			}
			weather := []map[string]any{
				obj("Station", "code", "OSL", "name", "Oslo", "temperature", -3.5,
					"position", obj("Position", "lat", 59.91, "lon", 10.75, "elevation", 23)),
				obj("Station", "code", "BGO", "name", "Bergen", "temperature", 4.25,
					"position", obj("Position", "lat", 60.39, "lon", 5.32, "elevation", 12)),
			}
			return []fedtest.Subgraph{
				{
					Name: "geo",
					SDL: fed2("key shareable", `
type Query {
  stations: [Station!]! @shareable
}

type Station @key(fields: "code") {
  code: ID!
  name: String! @shareable
  position: Position! @shareable
}

type Position @shareable {
  lat: Float!
  lon: Float!
}`),
					Query:   map[string]any{"stations": geo},
					Objects: geo,
				},
				{
					Name: "weather",
					SDL: fed2("key shareable", `
type Query {
  stations: [Station!]! @shareable
  station(code: ID!): Station
}

type Station @key(fields: "code") {
  code: ID!
  name: String! @shareable
  position: Position! @shareable
  temperature: Float
}

type Position @shareable {
  lat: Float!
  lon: Float!
  elevation: Int
}`),
					Query: map[string]any{"stations": weather},
					Resolvers: map[string]fedtest.Resolver{
						"Query.station": func(_, args map[string]any) (any, error) { return find(weather, "code", args["code"]), nil },
					},
					Objects: weather,
				},
			}
		},
		Queries: []Query{
			{
				Name:  "shared root field",
				Query: `{ stations { code name } }`,
				Data:  `{"stations":[{"code":"OSL","name":"Oslo"},{"code":"BGO","name":"Bergen"}]}`,
			},
			{
				Name:  "value type subfields from both subgraphs",
				Query: `{ stations { code position { lat lon elevation } } }`,
				Data:  `{"stations":[{"code":"OSL","position":{"lat":59.91,"lon":10.75,"elevation":23}},{"code":"BGO","position":{"lat":60.39,"lon":5.32,"elevation":12}}]}`,
			},
			{
				Name:     "shared fields resolved where the object is",
				Query:    `{ station(code: "BGO") { name temperature position { lat elevation } } }`,
				Data:     `{"station":{"name":"Bergen","temperature":4.25,"position":{"lat":60.39,"elevation":12}}}`,
				Requests: map[string]int{"weather": 1, "geo": 0},
			},
			{
				Name:  "a field of one subgraph beside shared ones",
				Query: `{ stations { temperature position { lon } name } }`,
				Data:  `{"stations":[{"temperature":-3.5,"position":{"lon":10.75},"name":"Oslo"},{"temperature":4.25,"position":{"lon":5.32},"name":"Bergen"}]}`,
			},
		},
	}
}
