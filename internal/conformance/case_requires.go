package conformance

import (
	"fmt"

	"github.com/fedgraph/fedgraph/internal/fedtest"
)

// requiresCase: a warehouse owns parcels; pricing computes from their weight, size,
// contents and declared value (@requires), and labels from what pricing computes, so
// that a chain crosses three subgraphs.
func requiresCase() Case {
	return Case{
		Name: "requires",
		About: "@requires of a scalar, a nested selection, inline fragments on an interface, a field with " +
			"arguments (twice, with different arguments), a chain across three subgraphs; with @skip/@include " +
			"and variables' default values",
		Subgraphs: func() []fedtest.Subgraph {
			parcels := []map[string]any{
				obj("Parcel", "id", "p1", "weight", 1200, "value", 100,
					"size", obj("Size", "length", 10, "width", 20, "height", 30),
					"contents", obj("Fragile", "label", "vase", "maxTilt", 15)),
				obj("Parcel", "id", "p2", "weight", 300, "value", 40,
					"size", obj("Size", "length", 5, "width", 5, "height", 5),
					"contents", obj("Sturdy", "label", "books", "stackable", true)),
				obj("Parcel", "id", "p3", "weight", 50, "value", 0,
					"size", obj("Size", "length", 1, "width", 2, "height", 3),
					"contents", nil),
			}
			return []fedtest.Subgraph{
				{
					Name: "warehouse",
					SDL: fed2("key shareable", `
type Query {
  parcels: [Parcel!]!
  parcel(id: ID!): Parcel
}

type Parcel @key(fields: "id") {
  id: ID!
  weight: Int!
  size: Size!
  contents: Item
  declared(currency: Currency!): Int!
}

enum Currency { EUR USD }

type Size @shareable {
  length: Int!
  width: Int!
  height: Int!
}

interface Item { label: String! }
type Fragile implements Item @shareable { label: String! maxTilt: Int! }
type Sturdy implements Item @shareable { label: String! stackable: Boolean! }`),
					Query: map[string]any{"parcels": parcels},
					Resolvers: map[string]fedtest.Resolver{
						"Query.parcel": func(_, args map[string]any) (any, error) { return find(parcels, "id", args["id"]), nil },
						// A USD is worth a little more than a EUR.
						"Parcel.declared": func(p, args map[string]any) (any, error) {
							v, err := num(p["value"])
							if args["currency"] == "USD" {
								v = v * 11 / 10
							}
							return v, err
						},
					},
					Objects: parcels,
				},
				{
					Name: "pricing",
					SDL: fed2("key external requires shareable", `
type Parcel @key(fields: "id") {
  id: ID!
  weight: Int! @external
  size: Size! @external
  contents: Item @external
  declared(currency: Currency!): Int! @external
  postage(express: Boolean = false): Int! @requires(fields: "weight")
  tier: String! @requires(fields: "weight")
  volume: Int! @requires(fields: "size { length width height }")
  handling: String! @requires(fields: "contents { label ... on Fragile { maxTilt } ... on Sturdy { stackable } }")
  customs: String! @requires(fields: "declared(currency: EUR)")
  insurance: Int! @requires(fields: "declared(currency: USD)")
}

enum Currency { EUR USD }

type Size @shareable {
  length: Int!
  width: Int!
  height: Int!
}

interface Item { label: String! }
type Fragile implements Item @shareable { label: String! maxTilt: Int! }
type Sturdy implements Item @shareable { label: String! stackable: Boolean! }`),
					Entities: map[string]fedtest.EntityResolver{"Parcel": fedtest.FromRepresentation},
					Resolvers: map[string]fedtest.Resolver{
						"Parcel.postage": func(p, args map[string]any) (any, error) {
							w, err := num(p["weight"])
							if args["express"] == true {
								w += 1000
							}
							return 5 + w/100, err
						},
						"Parcel.tier": func(p, _ map[string]any) (any, error) {
							w, err := num(p["weight"])
							switch {
							case w >= 1000:
								return "heavy", err
							case w >= 100:
								return "medium", err
							}
							return "light", err
						},
						"Parcel.volume": func(p, _ map[string]any) (any, error) {
							s, _ := p["size"].(map[string]any)
							l, err1 := num(s["length"])
							w, err2 := num(s["width"])
							h, err3 := num(s["height"])
							if err1 != nil || err2 != nil || err3 != nil {
								return nil, fmt.Errorf("size %v lacks a dimension", s)
							}
							return l * w * h, nil
						},
						"Parcel.handling": func(p, _ map[string]any) (any, error) {
							c, ok := p["contents"].(map[string]any)
							switch {
							case !ok:
								return "empty", nil
							case c["maxTilt"] != nil:
								return fmt.Sprintf("%v: tilt at most %v", c["label"], c["maxTilt"]), nil
							case c["stackable"] == true:
								return fmt.Sprintf("%v: stackable", c["label"]), nil
							}
							return nil, fmt.Errorf("contents %v: no maxTilt nor stackable", c)
						},
						"Parcel.customs": func(p, _ map[string]any) (any, error) {
							v, err := num(p["declared"])
							return fmt.Sprintf("EUR %d", v), err
						},
						"Parcel.insurance": func(p, _ map[string]any) (any, error) {
							v, err := num(p["declared"])
							return v / 10, err
						},
					},
				},
				{
					Name: "labels",
					SDL: fed2("key external requires", `
type Parcel @key(fields: "id") {
  id: ID!
  tier: String! @external
  sticker: String! @requires(fields: "tier")
}`),
					Entities: map[string]fedtest.EntityResolver{"Parcel": fedtest.FromRepresentation},
					Resolvers: map[string]fedtest.Resolver{
						"Parcel.sticker": func(p, _ map[string]any) (any, error) {
							t, ok := p["tier"].(string)
							if !ok {
								return nil, fmt.Errorf("no tier in %v", p)
							}
							return "[" + t + "]", nil
						},
					},
				},
			}
		},
		Queries: []Query{
			{
				Name:     "a scalar",
				Query:    `{ parcels { id postage } }`,
				Data:     `{"parcels":[{"id":"p1","postage":17},{"id":"p2","postage":8},{"id":"p3","postage":5}]}`,
				Requests: map[string]int{"warehouse": 1, "pricing": 1, "labels": 0},
			},
			{
				Name:  "the required field asked too",
				Query: `{ parcel(id: "p2") { tier weight } }`,
				Data:  `{"parcel":{"tier":"medium","weight":300}}`,
			},
			{
				Name:  "a nested selection",
				Query: `{ parcels { volume size { height } } }`,
				Data:  `{"parcels":[{"volume":6000,"size":{"height":30}},{"volume":125,"size":{"height":5}},{"volume":6,"size":{"height":3}}]}`,
			},
			{
				Name:  "inline fragments on an interface",
				Query: `{ parcels { id handling } }`,
				Data:  `{"parcels":[{"id":"p1","handling":"vase: tilt at most 15"},{"id":"p2","handling":"books: stackable"},{"id":"p3","handling":"empty"}]}`,
			},
			{
				Name:  "a field with arguments",
				Query: `{ parcels { customs } }`,
				Data:  `{"parcels":[{"customs":"EUR 100"},{"customs":"EUR 40"},{"customs":"EUR 0"}]}`,
			},
			{
				Name:  "one field required with two different arguments",
				Query: `{ parcels { customs insurance } }`,
				Data:  `{"parcels":[{"customs":"EUR 100","insurance":11},{"customs":"EUR 40","insurance":4},{"customs":"EUR 0","insurance":0}]}`,
			},
			{
				Name:     "a chain across three subgraphs",
				Query:    `{ parcels { id sticker } }`,
				Data:     `{"parcels":[{"id":"p1","sticker":"[heavy]"},{"id":"p2","sticker":"[medium]"},{"id":"p3","sticker":"[light]"}]}`,
				Requests: map[string]int{"warehouse": 1, "pricing": 1, "labels": 1},
			},
			{
				Name: "@include and @skip",
				Query: `query($withPostage: Boolean!, $noSticker: Boolean = true) {
  parcels { id postage @include(if: $withPostage) sticker @skip(if: $noSticker) }
}`,
				Variables: map[string]any{"withPostage": false},
				Data:      `{"parcels":[{"id":"p1"},{"id":"p2"},{"id":"p3"}]}`,
			},
			{
				Name: "@include and @skip, the other way",
				Query: `query($withPostage: Boolean = true, $noSticker: Boolean!) {
  parcels { id postage @include(if: $withPostage) ... @skip(if: $noSticker) { sticker } }
}`,
				Variables: map[string]any{"noSticker": false},
				Data:      `{"parcels":[{"id":"p1","postage":17,"sticker":"[heavy]"},{"id":"p2","postage":8,"sticker":"[medium]"},{"id":"p3","postage":5,"sticker":"[light]"}]}`,
			},
			{
				Name:  "a variable's default value as the argument",
				Query: `query($express: Boolean = true) { parcels { postage(express: $express) normal: postage } }`,
				Data:  `{"parcels":[{"postage":27,"normal":17},{"postage":18,"normal":8},{"postage":15,"normal":5}]}`,
			},
			{
				Name:  "everything at once",
				Query: `{ parcel(id: "p1") { sticker volume handling insurance customs tier } }`,
				Data:  `{"parcel":{"sticker":"[heavy]","volume":6000,"handling":"vase: tilt at most 15","insurance":11,"customs":"EUR 100","tier":"heavy"}}`,
			},
		},
	}
}
