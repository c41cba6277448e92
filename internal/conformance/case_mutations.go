package conformance

import (
	"fmt"
	"sync"

	"github.com/fedgraph/fedgraph/internal/fedtest"
)

// mutationCase: a counter and a journal, two subgraphs, number every write they take
// in one shared sequence, so that an answer shows the order the gateway ran them in;
// the counter also reads its count onto journal entries (an entity field), which shows
// when that fetch ran.
func mutationCase() Case {
	return Case{
		Name:  "mutations",
		About: "mutations across two subgraphs run serially in document order, each with its entity fetches before the next",
		Subgraphs: func() []fedtest.Subgraph {
			// The state both subgraphs share. The lock only keeps a gateway that runs
			// the mutations at once from racing on it: the sequence numbers in the
			// answers show the order.
			var mu sync.Mutex
			var seq, count int64
			var entries []map[string]any
			locked := func(r fedtest.Resolver) fedtest.Resolver {
				return func(obj, args map[string]any) (any, error) {
					mu.Lock()
					defer mu.Unlock()
					return r(obj, args)
				}
			}
			return []fedtest.Subgraph{
				{
					Name: "counter",
					SDL: fed2("key", `
type Query {
  count: Int!
}

type Mutation {
  add(n: Int!): Tally!
}

type Tally {
  value: Int!
  seq: Int!
}

type Entry @key(fields: "id") {
  id: ID!
  countNow: Int!
}`),
					Resolvers: map[string]fedtest.Resolver{
						"Query.count": locked(func(_, _ map[string]any) (any, error) { return count, nil }),
						"Mutation.add": locked(func(_, args map[string]any) (any, error) {
							n, err := num(args["n"])
							count += n
							seq++
							return obj("Tally", "value", count, "seq", seq), err
						}),
						"Entry.countNow": locked(func(_, _ map[string]any) (any, error) { return count, nil }),
					},
					Entities: map[string]fedtest.EntityResolver{"Entry": fedtest.FromRepresentation},
				},
				{
					Name: "journal",
					SDL: fed2("key", `
type Query {
  entries: [Entry!]!
}

type Mutation {
  write(text: String!): Entry!
}

type Entry @key(fields: "id") {
  id: ID!
  text: String!
  seq: Int!
}`),
					Resolvers: map[string]fedtest.Resolver{
						"Query.entries": locked(func(_, _ map[string]any) (any, error) { return entries, nil }),
						"Mutation.write": locked(func(_, args map[string]any) (any, error) {
							seq++
							e := obj("Entry", "id", fmt.Sprintf("e%d", seq), "text", args["text"], "seq", seq)
							entries = append(entries, e)
							return e, nil
						}),
					},
				},
			}
		},
		Queries: []Query{
			{
				Name: "serially across two subgraphs",
				Query: `mutation {
  a: add(n: 2) { value seq }
  w: write(text: "first") { seq countNow text }
  b: add(n: 3) { seq value }
}`,
				Data: `{"a":{"value":2,"seq":1},"w":{"seq":2,"countNow":2,"text":"first"},"b":{"seq":3,"value":5}}`,
			},
			{
				Name: "consecutive fields of one subgraph",
				Query: `mutation Steps($by: Int = 10) {
  x: add(n: $by) { value }
  y: add(n: 1) { value seq }
  z: write(text: "second") { text seq countNow }
  again: add(n: 1) { value }
}`,
				Data: `{"x":{"value":15},"y":{"value":16,"seq":5},"z":{"text":"second","seq":6,"countNow":16},"again":{"value":17}}`,
			},
			{
				Name:  "what the mutations left",
				Query: `{ count entries { text seq countNow } }`,
				Data:  `{"count":17,"entries":[{"text":"first","seq":2,"countNow":17},{"text":"second","seq":6,"countNow":17}]}`,
			},
		},
	}
}
