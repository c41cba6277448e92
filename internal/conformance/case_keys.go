package conformance

import "github.com/fedgraph/fedgraph/internal/fedtest"

// keysCase: a vehicle registry knows vehicles by VIN and by plate (a nested key), an
// insurer only by plate, a toll office only by VIN, so that going from the insurer to
// the tolls crosses the registry; engines have a composite key; the insurer refers to
// people it cannot resolve (@key(resolvable: false)).
func keysCase() Case {
	return Case{
		Name:  "keys",
		About: "multiple keys, a nested key, a composite key, a key hop through an intermediate subgraph, @key(resolvable: false)",
		Subgraphs: func() []fedtest.Subgraph {
			plate := func(country, number string) map[string]any {
				return obj("Plate", "country", country, "number", number)
			}
			vw := obj("Engine", "make", "VW", "serial", 1001, "power", 150)
			toyota := obj("Engine", "make", "Toyota", "serial", 1001, "power", 90)
			vehicles := []map[string]any{
				obj("Vehicle", "vin", "WVW1", "plate", plate("NO", "EL 12345"), "model", "ID.3",
					"owner", obj("Person", "id", "u1"), "engine", vw),
				obj("Vehicle", "vin", "JT2", "plate", plate("SE", "ABC 123"), "model", "Corolla",
					"owner", obj("Person", "id", "u2"), "engine", toyota),
				obj("Vehicle", "vin", "YV1", "plate", plate("NO", "AB 999"), "model", "V70",
					"owner", obj("Person", "id", "u1"), "engine", nil),
			}
			registry := append([]map[string]any{
				obj("Person", "id", "u1", "name", "Kari"),
				obj("Person", "id", "u2", "name", "Sven"),
				vw, toyota,
			}, vehicles...)
			insured := []map[string]any{
				obj("Vehicle", "plate", plate("NO", "EL 12345"), "insurer", "Fjord Mutual"),
				obj("Vehicle", "plate", plate("SE", "ABC 123"), "insurer", "Skane Forsakring"),
				obj("Vehicle", "plate", plate("NO", "AB 999"), "insurer", nil),
			}
			policies := []any{
				obj("Policy", "number", "POL-1", "vehicle", insured[0], "holder", obj("Person", "id", "u1")),
				obj("Policy", "number", "POL-2", "vehicle", insured[1], "holder", obj("Person", "id", "u2")),
			}
			tolls := []map[string]any{
				obj("Vehicle", "vin", "WVW1", "tollsDue", 120),
				obj("Vehicle", "vin", "JT2", "tollsDue", 0),
				obj("Vehicle", "vin", "YV1", "tollsDue", 35),
				obj("Engine", "make", "VW", "serial", 1001, "emissions", "EU6"),
				obj("Engine", "make", "Toyota", "serial", 1001, "emissions", "EU5"),
			}
			return []fedtest.Subgraph{
				{
					Name: "registry",
					SDL: fed2("key shareable", `
type Query {
  vehicles: [Vehicle!]!
}

type Vehicle @key(fields: "vin") @key(fields: "plate { country number }") {
  vin: ID!
  plate: Plate!
  model: String!
  owner: Person!
  engine: Engine
}

type Plate @shareable {
  country: String!
  number: String!
}

type Person @key(fields: "id") {
  id: ID!
  name: String!
}

type Engine @key(fields: "make serial") {
  make: String!
  serial: Int!
  power: Int
}`),
					Query:   map[string]any{"vehicles": vehicles},
					Objects: registry,
				},
				{
					Name: "insurance",
					SDL: fed2("key shareable", `
type Query {
  policies: [Policy!]!
}

type Policy {
  number: String!
  vehicle: Vehicle!
  holder: Person!
}

type Vehicle @key(fields: "plate { country number }") {
  plate: Plate!
  insurer: String
}

type Plate @shareable {
  country: String!
  number: String!
}

type Person @key(fields: "id", resolvable: false) {
  id: ID!
}`),
					Query:   map[string]any{"policies": policies},
					Objects: insured,
				},
				{
					Name: "tolls",
					SDL: fed2("key", `
type Query {
  tollRecords: [Vehicle!]!
}

type Vehicle @key(fields: "vin") {
  vin: ID!
  tollsDue: Int!
}

type Engine @key(fields: "make serial") {
  make: String!
  serial: Int!
  emissions: String
}`),
					Query:   map[string]any{"tollRecords": []any{tolls[2], tolls[0]}},
					Objects: tolls,
				},
			}
		},
		Queries: []Query{
			{
				Name:     "by the nested key, to a subgraph with two keys",
				Query:    `{ policies { number vehicle { model vin } } }`,
				Data:     `{"policies":[{"number":"POL-1","vehicle":{"model":"ID.3","vin":"WVW1"}},{"number":"POL-2","vehicle":{"model":"Corolla","vin":"JT2"}}]}`,
				Requests: map[string]int{"insurance": 1, "registry": 1, "tolls": 0},
			},
			{
				Name:     "from a subgraph with two keys, by the nested one",
				Query:    `{ vehicles { vin insurer } }`,
				Data:     `{"vehicles":[{"vin":"WVW1","insurer":"Fjord Mutual"},{"vin":"JT2","insurer":"Skane Forsakring"},{"vin":"YV1","insurer":null}]}`,
				Requests: map[string]int{"registry": 1, "insurance": 1, "tolls": 0},
			},
			{
				Name:     "through an intermediate subgraph",
				Query:    `{ policies { vehicle { tollsDue } } }`,
				Data:     `{"policies":[{"vehicle":{"tollsDue":120}},{"vehicle":{"tollsDue":0}}]}`,
				Requests: map[string]int{"insurance": 1, "registry": 1, "tolls": 1},
			},
			{
				Name:     "through an intermediate subgraph, the other way",
				Query:    `{ tollRecords { tollsDue insurer } }`,
				Data:     `{"tollRecords":[{"tollsDue":35,"insurer":null},{"tollsDue":120,"insurer":"Fjord Mutual"}]}`,
				Requests: map[string]int{"tolls": 1, "registry": 1, "insurance": 1},
			},
			{
				Name:     "a composite key",
				Query:    `{ vehicles { engine { make power emissions } } }`,
				Data:     `{"vehicles":[{"engine":{"make":"VW","power":150,"emissions":"EU6"}},{"engine":{"make":"Toyota","power":90,"emissions":"EU5"}},{"engine":null}]}`,
				Requests: map[string]int{"registry": 1, "tolls": 1},
			},
			{
				Name:     "an entity its subgraph cannot resolve",
				Query:    `{ policies { holder { id name } } }`,
				Data:     `{"policies":[{"holder":{"id":"u1","name":"Kari"}},{"holder":{"id":"u2","name":"Sven"}}]}`,
				Requests: map[string]int{"insurance": 1, "registry": 1},
			},
			{
				Name:  "key fields asked by the client",
				Query: `{ tollRecords { plate { number country } vin } }`,
				Data:  `{"tollRecords":[{"plate":{"number":"AB 999","country":"NO"},"vin":"YV1"},{"plate":{"number":"EL 12345","country":"NO"},"vin":"WVW1"}]}`,
			},
		},
	}
}
