// Package graph is the users subgraph's GraphQL layer: the code gqlgen generates from
// schema/users.graphqls (exec.go, models.go, and federation.go for Apollo Federation's
// _service and _entities) and the hand-written resolvers here.
package graph

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/fedgraph/fedgraph/subgraphs/events"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
	"github.com/fedgraph/fedgraph/subgraphs/users/store"
)

// Resolver holds the users subgraph's dependencies.
type Resolver struct {
	Store   *store.Store
	Cursors *relay.Cursors
	// IdempotencyTTL is how long a create's idempotency key is kept.
	IdempotencyTTL time.Duration
	// Access says who may write: a user changes only their own user, an admin anyone's,
	// and only an admin creates users.
	Access subgraph.Access
}

// usersList is the list Query.users pages through; its cursors are good for it alone.
const usersList = relay.List("UserConnection users")

// Entity returns the resolvers of Apollo Federation's _entities.
func (r *Resolver) Entity() EntityResolver { return (*entityResolver)(r) }

// Mutation returns the mutation resolvers.
func (r *Resolver) Mutation() MutationResolver { return (*mutationResolver)(r) }

// Query returns the query resolvers.
func (r *Resolver) Query() QueryResolver { return (*queryResolver)(r) }

type batchKey struct{}

// WithBatch returns ctx carrying a per-request subgraph.Batch, so that every user lookup
// of one request (several `node` or `user` fields, as a batching gateway sends, and the
// User representations of every `_entities` field, as a federation router sends) goes to
// Redis in one round trip.
func (r *Resolver) WithBatch(ctx context.Context) context.Context {
	return context.WithValue(ctx, batchKey{}, subgraph.NewBatch(userKeys, r.Store.GetMany, 0))
}

// userKeys are the user ids an operation names at its root: in node and user fields,
// and in the User representations of its _entities fields.
func userKeys(oc *graphql.OperationContext) []string {
	ids := subgraph.RootIDs("node", "user")(oc)
	for id := range subgraph.RootRepresentations(oc, "User") {
		ids = append(ids, id)
	}
	return ids
}

func (r *Resolver) load(ctx context.Context, id string) (*store.User, error) {
	if b, ok := ctx.Value(batchKey{}).(*subgraph.Batch[string, *store.User]); ok {
		if u, ok, err := b.Load(ctx, id); ok {
			return u, err
		}
	}
	return r.Store.Get(ctx, id)
}

type entityResolver Resolver

// FindManyProductByIDs answers a router's Product representations with references:
// products are the products subgraph's, which completes them.
func (r *entityResolver) FindManyProductByIDs(ctx context.Context, reps []*ProductByIDsInput) ([]*Product, error) {
	ids := make([]string, len(reps))
	for i, rep := range reps {
		ids[i] = rep.ID
	}
	return subgraph.Entities(ctx, "Product", ids, func(_ context.Context, ids []string) ([]*Product, error) {
		out := make([]*Product, len(ids))
		for i, id := range ids {
			out[i] = &Product{ID: id}
		}
		return out, nil
	})
}

// FindManyUserByIDs answers a router's User representations, however many, with one
// store read: each user, or null for an id that names none.
func (r *entityResolver) FindManyUserByIDs(ctx context.Context, reps []*UserByIDsInput) ([]*User, error) {
	ids := make([]string, len(reps))
	for i, rep := range reps {
		ids[i] = rep.ID
	}
	return subgraph.Entities(ctx, "User", ids, func(ctx context.Context, ids []string) ([]*User, error) {
		// Through the request's batch: every _entities field of the request shares one
		// store read.
		out := make([]*User, len(ids))
		for i, id := range ids {
			u, err := (*Resolver)(r).load(ctx, id)
			if err != nil {
				return nil, err
			}
			if u != nil {
				out[i] = toUser(u)
			}
		}
		return out, nil
	})
}

type queryResolver Resolver

// Node answers User ids from the store and Product ids with a reference: a router that
// plans node(id:) with a Product fragment here completes it from the products
// subgraph, whose Product this is. Any other well-formed id is not ours: null, as the
// gateway may ask every subgraph.
func (r *queryResolver) Node(ctx context.Context, id string) (Node, error) {
	typ, err := relay.TypeOf(id)
	if err != nil {
		return nil, subgraph.BadInput("%v", err)
	}
	switch typ {
	case "User":
		u, err := (*Resolver)(r).load(ctx, id)
		if err != nil || u == nil {
			return nil, err
		}
		return toUser(u), nil
	case "Product":
		return &Product{ID: id}, nil
	}
	return nil, nil
}

func (r *queryResolver) User(ctx context.Context, id string) (*User, error) {
	if err := relay.CheckID(id, "User"); err != nil {
		return nil, subgraph.BadInput("%v", err)
	}
	u, err := (*Resolver)(r).load(ctx, id)
	if err != nil || u == nil {
		return nil, err
	}
	return toUser(u), nil
}

func (r *queryResolver) Users(ctx context.Context, first *int, after *string) (*UserConnection, error) {
	n, pos, err := subgraph.PageArgs(r.Cursors, usersList, first, after)
	if err != nil {
		return nil, err
	}
	us, err := r.Store.List(ctx, pos, n+1)
	if err != nil {
		return nil, err
	}
	conn := &UserConnection{PageInfo: &PageInfo{HasPreviousPage: after != nil, HasNextPage: len(us) > n}}
	if len(us) > n {
		us = us[:n]
	}
	// Counted towards the answer as a page, not as its fields resolve (subgraph.GrowPage).
	subgraph.GrowPage(ctx, us,
		subgraph.Text[*store.User]{Field: "id", Of: func(u *store.User) string { return u.ID }},
		subgraph.Text[*store.User]{Field: "name", Of: func(u *store.User) string { return u.Name }},
		subgraph.Text[*store.User]{Field: "email", Of: func(u *store.User) string { return u.Email }})
	conn.Edges = make([]*UserEdge, 0, len(us)) // [] rather than null on an empty page
	// Allocated for the whole page at once: a few allocations a page, not two a user.
	edges, nodes := make([]UserEdge, len(us)), make([]User, len(us))
	for i, u := range us {
		nodes[i] = userOf(u)
		edges[i] = UserEdge{Node: &nodes[i], at: r.Cursors.At(usersList, u.Pos)}
		conn.Edges = append(conn.Edges, &edges[i])
	}
	if len(us) > 0 {
		start, end := conn.Edges[0].Cursor(), conn.Edges[len(us)-1].Cursor()
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &start, &end
	}
	return conn, nil
}

type mutationResolver Resolver

func (r *mutationResolver) CreateUser(ctx context.Context, input CreateUserInput) (*User, error) {
	// A user's id is made here, so no caller can own it beforehand: sign-up goes
	// through a service holding an admin token (an identity provider's hook, say).
	if err := r.Access.Admin(ctx, "create a user"); err != nil {
		return nil, err
	}
	name, err := subgraph.CheckName("name", input.Name, maxNameRunes)
	if err != nil {
		return nil, err
	}
	if err := checkEmail(input.Email); err != nil {
		return nil, err
	}
	// What the create stores is what a replay must match.
	key, inputHash, keyed, err := subgraph.IdempotencyKey(ctx, input.IdempotencyKey, struct{ Name, Email string }{name, input.Email})
	if err != nil {
		return nil, err
	}
	var idem *store.Idempotency
	if keyed {
		idem = &store.Idempotency{Key: key, Input: inputHash, TTL: r.IdempotencyTTL}
	}
	u, err := r.Store.Create(ctx, name, input.Email, idem)
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		return nil, subgraph.BadInput("email %q is already in use", input.Email)
	case errors.Is(err, store.ErrKeyReused):
		return nil, subgraph.KeyReused("the idempotency key was used with other input")
	case errors.Is(err, store.ErrReplayGone):
		return nil, subgraph.NotFound("the user created with this idempotency key has been deleted")
	case err != nil:
		return nil, err
	}
	return toUser(u), nil
}

func (r *mutationResolver) UpdateUser(ctx context.Context, id string, input UpdateUserInput) (*User, error) {
	if err := relay.CheckID(id, "User"); err != nil {
		return nil, subgraph.BadInput("%v", err)
	}
	if err := r.Access.Owner(ctx, id, "update this user"); err != nil {
		return nil, err
	}
	if input.Name != nil {
		name, err := subgraph.CheckName("name", *input.Name, maxNameRunes)
		if err != nil {
			return nil, err
		}
		input.Name = &name
	}
	if input.Email != nil {
		if err := checkEmail(*input.Email); err != nil {
			return nil, err
		}
	}
	expected, err := subgraph.ExpectedVersion(input.ExpectedVersion)
	if err != nil {
		return nil, err
	}
	u, err := r.Store.Update(ctx, id, input.Name, input.Email, expected)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, subgraph.NotFound("no user with id %q", id)
	case errors.Is(err, store.ErrEmailTaken):
		return nil, subgraph.BadInput("email %q is already in use", *input.Email)
	case errors.Is(err, store.ErrConflict):
		return nil, subgraph.Conflict("user %q is not at version %d: it changed since it was read", id, *expected)
	case err != nil:
		return nil, err
	}
	return toUser(u), nil
}

func (r *mutationResolver) DeleteUser(ctx context.Context, id string) (string, error) {
	if err := relay.CheckID(id, "User"); err != nil {
		return "", subgraph.BadInput("%v", err)
	}
	if err := r.Access.Owner(ctx, id, "delete this user"); err != nil {
		return "", err
	}
	// The event goes out in the same script as the deletion: other services learn of
	// every deletion, and of no deletion that did not happen.
	ev := events.UserDeleted{UserID: id, DeletedAt: time.Now()}
	err := r.Store.Delete(ctx, id, ev.Values())
	if errors.Is(err, store.ErrNotFound) {
		return "", subgraph.NotFound("no user with id %q", id)
	}
	if err != nil {
		return "", err
	}
	return id, nil
}

// Limits of a user's fields.
const (
	maxNameRunes = 100
	maxEmailLen  = 254
)

func checkEmail(email string) error {
	if len(email) > maxEmailLen {
		return subgraph.BadInput("email must be at most %d characters", maxEmailLen)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return subgraph.BadInput("email %q is not an address such as ada@example.com", email)
	}
	return nil
}

func toUser(u *store.User) *User {
	v := userOf(u)
	return &v
}

func userOf(u *store.User) User {
	return User{ID: u.ID, Name: u.Name, Email: u.Email, CreatedAt: u.CreatedAt, Version: int(u.Version)}
}
