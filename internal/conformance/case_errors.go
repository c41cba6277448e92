package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// errorsCase: sensors live in one subgraph and their readings in another, which fails
// for one sensor and does not know another.
func errorsCase() Case {
	return Case{
		Name:  "errors",
		About: "a subgraph error for one entity of a list and a null entity: partial data, the error at its path; a root field's error beside another subgraph's data",
		Subgraphs: func() []fedtest.Subgraph {
			sensors := []map[string]any{
				obj("Sensor", "id", "s1", "place", "roof"),
				obj("Sensor", "id", "s2", "place", "cellar"),
				obj("Sensor", "id", "s3", "place", "attic"),
			}
			return []fedtest.Subgraph{
				{
					Name: "sensors",
					SDL: fed2("key", `
type Query {
  sensors: [Sensor]
  sensor(id: ID!): Sensor
  faulty: String
}

type Sensor @key(fields: "id") {
  id: ID!
  place: String
}`),
					Query: map[string]any{"sensors": sensors},
					Resolvers: map[string]fedtest.Resolver{
						"Query.sensor": func(_, args map[string]any) (any, error) { return find(sensors, "id", args["id"]), nil },
						"Query.faulty": func(_, _ map[string]any) (any, error) {
							return nil, &fedtest.Error{Message: "the faulty field always fails", Code: "BROKEN"}
						},
					},
					Objects: sensors,
				},
				{
					Name: "readings",
					SDL: fed2("key", `
type Query {
  unit: String
}

type Sensor @key(fields: "id") {
  id: ID!
  value: Float
  status: String!
}`),
					Query: map[string]any{"unit": "celsius"},
					Entities: map[string]fedtest.EntityResolver{"Sensor": func(rep map[string]any) (map[string]any, error) {
						switch rep["id"] {
						case "s1":
							return obj("Sensor", "id", "s1", "value", 21.5, "status", "ok"), nil
						case "s2":
							return nil, &fedtest.Error{Message: "sensor s2 is offline", Code: "OFFLINE"}
						}
						return nil, nil // s3: the readings subgraph does not know it
					}},
				},
			}
		},
		Queries: []Query{
			{
				Name:   "one entity's error",
				Query:  `{ sensors { id value place } }`,
				Data:   `{"sensors":[{"id":"s1","value":21.5,"place":"roof"},{"id":"s2","value":null,"place":"cellar"},{"id":"s3","value":null,"place":"attic"}]}`,
				Errors: []Error{{Path: `["sensors",1]`, Code: "OFFLINE"}},
			},
			{
				Name:   "one entity's error, a single object",
				Query:  `{ sensor(id: "s2") { place value } }`,
				Data:   `{"sensor":{"place":"cellar","value":null}}`,
				Errors: []Error{{Path: `["sensor"]`, Code: "OFFLINE"}},
			},
			{
				Name:  "a null entity",
				Query: `{ sensor(id: "s3") { place value } }`,
				Data:  `{"sensor":{"place":"attic","value":null}}`,
			},
			{
				Name:  "a non-null field of an entity in error or null",
				Query: `{ sensors { id status } }`,
				Data:  `{"sensors":[{"id":"s1","status":"ok"},null,null]}`,
				Errors: []Error{
					{Path: `["sensors",1]`, Code: "OFFLINE"},
					{Path: `["sensors",2,"status"]`},
				},
			},
			{
				Name:   "a root field's error beside another subgraph's data",
				Query:  `{ faulty unit }`,
				Data:   `{"faulty":null,"unit":"celsius"}`,
				Errors: []Error{{Path: `["faulty"]`, Code: "BROKEN"}},
			},
		},
	}
}
