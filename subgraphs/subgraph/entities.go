package subgraph

import (
	"context"
	"fmt"
	"iter"

	"github.com/99designs/gqlgen/graphql"

	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// Apollo Federation's _entities field takes a router's representations of entities,
// such as {"__typename": "User", "id": "User:…"}, and answers each with the entity or
// null. gqlgen's federation code (entity_resolver_multi) hands an entity resolver every
// representation of its type at once; Entities makes that one store read.

// Entities answers the representations of the entity type typ, keyed by their ids: it
// calls load once with every id that is a well-formed id of typ, and places what load
// returns (one value per id, in order; the zero value, such as a nil pointer, for an
// id that names nothing) at the index of its representation. An id that is not one of
// typ gets a BAD_USER_INPUT error at its own index, reported by gqlgen against
// _entities[index] while the others are answered; an error of load fails them all.
func Entities[T any](ctx context.Context, typ string, ids []string, load func(ctx context.Context, ids []string) ([]T, error)) ([]T, error) {
	out := make([]T, len(ids))
	var errs graphql.BatchErrorList
	good := make([]string, 0, len(ids))
	at := make([]int, 0, len(ids))
	for i, id := range ids {
		if err := relay.CheckID(id, typ); err != nil {
			if errs == nil {
				errs = make(graphql.BatchErrorList, len(ids))
			}
			errs[i] = BadInput("representation of %s: %v", typ, err)
			continue
		}
		good = append(good, id)
		at = append(at, i)
	}
	if len(good) > 0 {
		vals, err := load(ctx, good)
		if err != nil {
			return nil, err
		}
		if len(vals) != len(good) {
			return nil, fmt.Errorf("subgraph: %s entities: load returned %d values for %d ids", typ, len(vals), len(good))
		}
		for j, v := range vals {
			out[at[j]] = v
		}
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}

// RootRepresentations yields the id of each representation of type typ that the
// operation's root _entities fields name in their `representations` argument, with
// the _entities field it is in, so that a subgraph can read what the fields below
// those entities need in one batch (see Batch), as RootLookups does for `node(id:)`.
func RootRepresentations(oc *graphql.OperationContext, typ string) iter.Seq2[string, graphql.CollectedField] {
	return func(yield func(string, graphql.CollectedField) bool) {
		if oc.Operation == nil {
			return
		}
		for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
			if f.Name != "_entities" {
				continue
			}
			reps, _ := f.ArgumentMap(oc.Variables)["representations"].([]any)
			for _, r := range reps {
				rep, _ := r.(map[string]any)
				id, ok := rep["id"].(string)
				if ok && rep["__typename"] == typ && !yield(id, f) {
					return
				}
			}
		}
	}
}
