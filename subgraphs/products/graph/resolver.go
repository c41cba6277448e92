// Package graph is the products subgraph's GraphQL layer: the code gqlgen generates from
// schema/products.graphqls (exec.go, models.go, and federation.go for Apollo
// Federation's _service and _entities) and the hand-written resolvers and scalars here.
package graph

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/serve"
	"github.com/fedgraph/fedgraph/subgraphs/products/store"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// OwnerChecker tells whether a user exists. The users subgraph owns users, so the
// products subgraph asks it rather than reading its store.
type OwnerChecker interface {
	// UserExists reports whether the user with the global id id exists. An error means
	// the answer is unknown.
	UserExists(ctx context.Context, id string) (bool, error)
}

// Resolver holds the products subgraph's dependencies.
type Resolver struct {
	Store   *store.Store
	Cursors *relay.Cursors
	Owners  OwnerChecker
	// IdempotencyTTL is how long a create's idempotency key is kept.
	IdempotencyTTL time.Duration
	// LoaderWait is how long a request's loader gathers User.products pages before
	// reading them from Redis as one batch. default: 500µs
	LoaderWait time.Duration
	// Access says who may write: a user creates, updates and deletes only their own
	// products, an admin anyone's.
	Access subgraph.Access
	// MaxSubscriptions bounds the productCreated streams served at once; one more is
	// refused with SUBSCRIPTION_LIMIT_EXCEEDED. default: 0, no bound
	MaxSubscriptions int

	subscriptions atomic.Int64 // productCreated streams now
}

// DefaultLoaderWait is the LoaderWait used when none is set.
const DefaultLoaderWait = 500 * time.Microsecond

// maxOwnerPages bounds the User.products pages one script reads: each page is up to
// relay.MaxFirst+1 hashes, and a script holds Redis while it runs.
const maxOwnerPages = 25

// allProducts is the list Query.products pages through without an owner.
const allProducts = relay.List("ProductConnection products")

// ownerProducts is the list of one owner's products, which Query.products(ownerId:) and
// User.products page through alike.
func ownerProducts(owner string) relay.List {
	return relay.NewList("ProductConnection", "products", "ownerId="+owner)
}

// Entity returns the resolvers of Apollo Federation's _entities.
func (r *Resolver) Entity() EntityResolver { return (*entityResolver)(r) }

// Mutation returns the mutation resolvers.
func (r *Resolver) Mutation() MutationResolver { return (*mutationResolver)(r) }

// Query returns the query resolvers.
func (r *Resolver) Query() QueryResolver { return (*queryResolver)(r) }

// User returns the resolvers of the fields this subgraph adds to User.
func (r *Resolver) User() UserResolver { return (*userResolver)(r) }

type loaderKey struct{}

// loaders batch one request's reads: product lookups by id, and pages of owners'
// products.
type loaders struct {
	products *subgraph.Batch[string, *store.Product]
	// rootPages are the User.products pages of the users the operation looks up by id
	// at its root; owned gathers the pages of users found in data, such as a product's
	// owner.
	rootPages *subgraph.Batch[store.OwnerPage, []*store.Product]
	owned     *dataloadgen.Loader[store.OwnerPage, []*store.Product]
}

// WithLoader returns ctx carrying per-request loaders, so that every product lookup of
// one request (several `node` or `product` fields, as a batching gateway sends) goes to
// Redis in one round trip, and the User.products pages of several users in as few as
// maxOwnerPages allows. What the root fields ask for by id goes through a
// subgraph.Batch, which reads it all from the operation; the pages of users that only
// the data names (a product's owner) sit where a time-window loader gathers them.
// Loaders are never shared between requests.
func (r *Resolver) WithLoader(ctx context.Context) context.Context {
	wait := r.LoaderWait
	if wait <= 0 {
		wait = DefaultLoaderWait
	}
	l := &loaders{
		products:  subgraph.NewBatch(subgraph.RootIDs("node", "product"), r.Store.GetMany, 0),
		rootPages: subgraph.NewBatch(r.rootPages, r.Store.ListByOwners, maxOwnerPages),
		owned: dataloadgen.NewLoader(func(ctx context.Context, pages []store.OwnerPage) ([][]*store.Product, []error) {
			ps, err := r.Store.ListByOwners(ctx, pages)
			if err != nil {
				return nil, []error{err}
			}
			return ps, nil
		}, dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(maxOwnerPages)),
	}
	return context.WithValue(ctx, loaderKey{}, l)
}

// rootPages returns the User.products pages that the operation's root fields ask for
// by id: below `node` fields (no other root field of this subgraph returns a User by
// id) and below the User representations of `_entities`, as a federation router sends
// them. It collects every products field on User below each User id through fragments
// as the executor collects them, with its arguments as its resolver will get them,
// variables and defaults applied. A field with bad arguments reads nothing: its resolver
// answers BAD_USER_INPUT for it alone.
func (r *Resolver) rootPages(oc *graphql.OperationContext) []store.OwnerPage {
	var pages []store.OwnerPage
	users := func(yield func(string, graphql.CollectedField) bool) {
		for id, root := range subgraph.RootLookups(oc, "node") {
			if !yield(id, root) {
				return
			}
		}
		for id, root := range subgraph.RootRepresentations(oc, "User") {
			if !yield(id, root) {
				return
			}
		}
	}
	for id, root := range users {
		if relay.CheckID(id, "User") != nil {
			continue // another type's node, or a malformed id that node rejects
		}
		for _, f := range graphql.CollectFields(oc, root.Selections, userImplementors) {
			if f.Name != "products" {
				continue
			}
			args := f.ArgumentMap(oc.Variables)
			first, errFirst := optional(args["first"], graphql.UnmarshalInt)
			after, errAfter := optional(args["after"], graphql.UnmarshalString)
			if errFirst != nil || errAfter != nil {
				continue // gqlgen rejects them before the resolver runs
			}
			if page, _, err := r.productsPage(id, first, after); err == nil {
				pages = append(pages, page)
			}
		}
	}
	return pages
}

// optional reads a nullable argument as the generated code does.
func optional[T any](v any, unmarshal func(any) (T, error)) (*T, error) {
	if v == nil {
		return nil, nil
	}
	x, err := unmarshal(v)
	return &x, err
}

// productsPage checks User.products' arguments and returns the page of owner's products
// they ask for, with its size n: the page holds one more, which tells whether another
// page follows. It is the one place that makes the key of a page, so that a root page
// and the field that takes it agree.
func (r *Resolver) productsPage(owner string, first *int, after *string) (page store.OwnerPage, n int, err error) {
	n, pos, err := subgraph.PageArgs(r.Cursors, ownerProducts(owner), first, after)
	if err != nil {
		return store.OwnerPage{}, 0, err
	}
	return store.OwnerPage{OwnerID: owner, After: pos, Limit: n + 1}, n, nil
}

func (r *Resolver) load(ctx context.Context, id string) (*store.Product, error) {
	if l, ok := ctx.Value(loaderKey{}).(*loaders); ok {
		if p, ok, err := l.products.Load(ctx, id); ok {
			return p, err
		}
	}
	return r.Store.Get(ctx, id)
}

func (r *Resolver) loadOwned(ctx context.Context, page store.OwnerPage) ([]*store.Product, error) {
	l, ok := ctx.Value(loaderKey{}).(*loaders)
	if !ok {
		return r.Store.ListByOwner(ctx, page.OwnerID, page.After, page.Limit)
	}
	if ps, ok, err := l.rootPages.Load(ctx, page); ok {
		return ps, err
	}
	return l.owned.Load(ctx, page)
}

type entityResolver Resolver

// FindManyProductByIDs answers a router's Product representations, however many, with
// one store read: each product, or null for an id that names none.
func (r *entityResolver) FindManyProductByIDs(ctx context.Context, reps []*ProductByIDsInput) ([]*Product, error) {
	ids := make([]string, len(reps))
	for i, rep := range reps {
		ids[i] = rep.ID
	}
	return subgraph.Entities(ctx, "Product", ids, func(ctx context.Context, ids []string) ([]*Product, error) {
		ps, err := r.Store.GetMany(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make([]*Product, len(ps))
		for i, p := range ps {
			if p != nil {
				out[i] = toProduct(p)
			}
		}
		return out, nil
	})
}

// FindManyUserByIDs answers a router's User representations with references to hang
// User.products on: that a user exists is the users subgraph's to say. The products
// pages below them are read in one batch (rootPages).
func (r *entityResolver) FindManyUserByIDs(ctx context.Context, reps []*UserByIDsInput) ([]*User, error) {
	ids := make([]string, len(reps))
	for i, rep := range reps {
		ids[i] = rep.ID
	}
	return subgraph.Entities(ctx, "User", ids, func(_ context.Context, ids []string) ([]*User, error) {
		out := make([]*User, len(ids))
		for i, id := range ids {
			out[i] = &User{ID: id}
		}
		return out, nil
	})
}

type queryResolver Resolver

// Node answers Product ids from the store and User ids with a stub: the gateway reaches
// User.products through node(id:) on this subgraph, and that a user exists is the users
// subgraph's to say. Any other well-formed id is not ours: null, as the gateway may ask
// every subgraph.
func (r *queryResolver) Node(ctx context.Context, id string) (Node, error) {
	typ, err := relay.TypeOf(id)
	if err != nil {
		return nil, subgraph.BadInput("%v", err)
	}
	switch typ {
	case "Product":
		p, err := (*Resolver)(r).load(ctx, id)
		if err != nil || p == nil {
			return nil, err
		}
		return toProduct(p), nil
	case "User":
		return &User{ID: id}, nil
	}
	return nil, nil
}

func (r *queryResolver) Product(ctx context.Context, id string) (*Product, error) {
	if err := relay.CheckID(id, "Product"); err != nil {
		return nil, subgraph.BadInput("%v", err)
	}
	p, err := (*Resolver)(r).load(ctx, id)
	if err != nil || p == nil {
		return nil, err
	}
	return toProduct(p), nil
}

func (r *queryResolver) Products(ctx context.Context, first *int, after *string, ownerID *string) (*ProductConnection, error) {
	list := allProducts
	if ownerID != nil {
		if err := relay.CheckID(*ownerID, "User"); err != nil {
			return nil, subgraph.BadInput("ownerId: %v", err)
		}
		list = ownerProducts(*ownerID)
	}
	n, pos, err := subgraph.PageArgs(r.Cursors, list, first, after)
	if err != nil {
		return nil, err
	}
	var ps []*store.Product
	if ownerID != nil {
		ps, err = r.Store.ListByOwner(ctx, *ownerID, pos, n+1)
	} else {
		ps, err = r.Store.List(ctx, pos, n+1)
	}
	if err != nil {
		return nil, err
	}
	return connection(ctx, r.Cursors, list, ps, n, after != nil), nil
}

type userResolver Resolver

func (r *userResolver) Products(ctx context.Context, obj *User, first *int, after *string) (*ProductConnection, error) {
	page, n, err := (*Resolver)(r).productsPage(obj.ID, first, after)
	if err != nil {
		return nil, err
	}
	ps, err := (*Resolver)(r).loadOwned(ctx, page)
	if err != nil {
		return nil, err
	}
	return connection(ctx, r.Cursors, ownerProducts(obj.ID), ps, n, after != nil), nil
}

// connection makes a page of n products of list from ps, the up to n+1 products that
// follow the page's start: one more than the page tells whether another page follows.
// It counts the page towards the request's answer (subgraph.GrowPage), so that a
// request of many pages stops once its answer outgrows the cap.
func connection(ctx context.Context, cursors *relay.Cursors, list relay.List, ps []*store.Product, n int, hasPrevious bool) *ProductConnection {
	conn := &ProductConnection{
		Edges:    make([]*ProductEdge, 0, min(len(ps), n)), // [] rather than null on an empty page
		PageInfo: &PageInfo{HasPreviousPage: hasPrevious, HasNextPage: len(ps) > n},
	}
	if len(ps) > n {
		ps = ps[:n]
	}
	subgraph.GrowPage(ctx, ps,
		subgraph.Text[*store.Product]{Field: "id", Of: func(p *store.Product) string { return p.ID }},
		subgraph.Text[*store.Product]{Field: "name", Of: func(p *store.Product) string { return p.Name }},
		subgraph.Text[*store.Product]{Field: "description", Of: func(p *store.Product) string { return p.Description }})
	// Allocated for the whole page at once: a few allocations a page, not five a product.
	edges, parts := make([]ProductEdge, len(ps)), make([]productParts, len(ps))
	for i, p := range ps {
		edges[i] = ProductEdge{Node: parts[i].of(p), at: cursors.At(list, p.Pos)}
		conn.Edges = append(conn.Edges, &edges[i])
	}
	if len(ps) > 0 {
		start, end := conn.Edges[0].Cursor(), conn.Edges[len(ps)-1].Cursor()
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &start, &end
	}
	return conn
}

type mutationResolver Resolver

func (r *mutationResolver) CreateProduct(ctx context.Context, input CreateProductInput) (*Product, error) {
	name, err := subgraph.CheckName("name", input.Name, maxNameRunes)
	if err != nil {
		return nil, err
	}
	description := ""
	if input.Description != nil {
		description = *input.Description
	}
	if err := checkDescription(description); err != nil {
		return nil, err
	}
	price, err := parsePrice(input.Price)
	if err != nil {
		return nil, err
	}
	if err := relay.CheckID(input.OwnerID, "User"); err != nil {
		return nil, subgraph.BadInput("ownerId: %v", err)
	}
	if err := r.Access.Owner(ctx, input.OwnerID, "create a product for this owner"); err != nil {
		return nil, err
	}
	// What the create stores is what a replay must match.
	key, inputHash, keyed, err := subgraph.IdempotencyKey(ctx, input.IdempotencyKey, struct {
		Name, Description string
		PriceMinor        int64
		Currency, OwnerID string
	}{name, description, price.Minor, price.Currency, input.OwnerID})
	if err != nil {
		return nil, err
	}
	// Last, as it is the one check that costs a call to another service. An owner
	// deleted after it answers is caught by the store: see store.Create.
	ok, err := r.Owners.UserExists(ctx, input.OwnerID)
	if err != nil {
		return nil, fmt.Errorf("products: check owner %q: %w", input.OwnerID, err)
	}
	if !ok {
		return nil, subgraph.BadInput("no user with id %q", input.OwnerID)
	}
	var idem *store.Idempotency
	if keyed {
		idem = &store.Idempotency{Key: key, Input: inputHash, TTL: r.IdempotencyTTL}
	}
	p, err := r.Store.Create(ctx, name, description, price, input.OwnerID, idem)
	switch {
	case errors.Is(err, store.ErrOwnerDeleted):
		return nil, subgraph.BadInput("no user with id %q", input.OwnerID)
	case errors.Is(err, store.ErrKeyReused):
		return nil, subgraph.KeyReused("the idempotency key was used with other input")
	case errors.Is(err, store.ErrReplayGone):
		return nil, subgraph.NotFound("the product created with this idempotency key has been deleted")
	case err != nil:
		return nil, err
	}
	return toProduct(p), nil
}

func (r *mutationResolver) UpdateProduct(ctx context.Context, id string, input UpdateProductInput) (*Product, error) {
	if err := relay.CheckID(id, "Product"); err != nil {
		return nil, subgraph.BadInput("%v", err)
	}
	if err := r.mayChange(ctx, id, "update this product"); err != nil {
		return nil, err
	}
	if input.Name != nil {
		name, err := subgraph.CheckName("name", *input.Name, maxNameRunes)
		if err != nil {
			return nil, err
		}
		input.Name = &name
	}
	if input.Description != nil {
		if err := checkDescription(*input.Description); err != nil {
			return nil, err
		}
	}
	var price *store.Money
	if input.Price != nil {
		m, err := parsePrice(input.Price)
		if err != nil {
			return nil, err
		}
		price = &m
	}
	expected, err := subgraph.ExpectedVersion(input.ExpectedVersion)
	if err != nil {
		return nil, err
	}
	p, err := r.Store.Update(ctx, id, input.Name, input.Description, price, expected)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, subgraph.NotFound("no product with id %q", id)
	case errors.Is(err, store.ErrConflict):
		return nil, subgraph.Conflict("product %q is not at version %d: it changed since it was read", id, *expected)
	case err != nil:
		return nil, err
	}
	return toProduct(p), nil
}

func (r *mutationResolver) DeleteProduct(ctx context.Context, id string) (string, error) {
	if err := relay.CheckID(id, "Product"); err != nil {
		return "", subgraph.BadInput("%v", err)
	}
	if err := r.mayChange(ctx, id, "delete this product"); err != nil {
		return "", err
	}
	err := r.Store.Delete(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", subgraph.NotFound("no product with id %q", id)
	}
	if err != nil {
		return "", err
	}
	return id, nil
}

// mayChange returns nil when the caller may change product id (see Resolver.Access).
// The check reads the product's owner before the write, which is sound because a
// product's owner never changes; a product deleted in between is the write's NOT_FOUND.
// A product that does not exist is NOT_FOUND for anyone signed in, as the write would
// answer.
func (r *mutationResolver) mayChange(ctx context.Context, id, what string) error {
	if !r.Access.Enforce {
		return nil
	}
	if err := r.Access.Signed(ctx, what); err != nil {
		return err
	}
	p, err := r.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if p == nil {
		return subgraph.NotFound("no product with id %q", id)
	}
	return r.Access.Owner(ctx, p.OwnerID, what)
}

// Limits of a product's fields.
const (
	maxNameRunes        = 200
	maxDescriptionRunes = 2000
)

func checkDescription(description string) error {
	switch {
	case !utf8.ValidString(description):
		return subgraph.BadInput("description is not valid UTF-8")
	case utf8.RuneCountInString(description) > maxDescriptionRunes:
		return subgraph.BadInput("description must be at most %d characters", maxDescriptionRunes)
	}
	return nil
}

// parsePrice reads a price into exact minor units: a negative amount, or one with more
// decimals than its currency has, is BAD_USER_INPUT.
func parsePrice(in *MoneyInput) (store.Money, error) {
	m, err := store.ParseMoney(string(in.Amount), string(in.CurrencyCode))
	if err != nil {
		return store.Money{}, subgraph.BadInput("price: %v", err)
	}
	return m, nil
}

func toProduct(p *store.Product) *Product { return new(productParts).of(p) }

// productParts holds a Product with the price and owner it points to, so that one
// allocation makes all three.
type productParts struct {
	product Product
	price   Money
	owner   User
}

// of fills pp with p and returns its Product.
func (pp *productParts) of(p *store.Product) *Product {
	pp.price = Money{Amount: Decimal(p.Price.Amount()), CurrencyCode: CurrencyCode(p.Price.Currency)}
	pp.owner = User{ID: p.OwnerID}
	pp.product = Product{
		ID:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Price:       &pp.price,
		Owner:       &pp.owner,
		CreatedAt:   p.CreatedAt,
		Version:     int(p.Version),
	}
	return &pp.product
}

// Subscription returns the resolvers of the Subscription type's fields.
func (r *Resolver) Subscription() SubscriptionResolver { return (*subscriptionResolver)(r) }

type subscriptionResolver Resolver

// ProductCreated streams new products, only ownerID's when it is given. Past
// MaxSubscriptions streams at once it is refused with SUBSCRIPTION_LIMIT_EXCEEDED.
func (r *subscriptionResolver) ProductCreated(ctx context.Context, ownerID *string) (<-chan *Product, error) {
	owner := ""
	if ownerID != nil {
		if err := relay.CheckID(*ownerID, "User"); err != nil {
			return nil, subgraph.BadInput("ownerId: %v", err)
		}
		owner = *ownerID
	}
	if n := r.subscriptions.Add(1); r.MaxSubscriptions > 0 && n > int64(r.MaxSubscriptions) {
		r.subscriptions.Add(-1)
		return nil, &subgraph.Error{Code: errcode.SubscriptionLimitExceeded,
			Message: "the products subgraph serves as many subscriptions as it may: retry later"}
	}
	// The stream ends with the subscriber, or when the server begins to shut down.
	ctx, cancel := context.WithCancel(ctx)
	stop := func() bool { return false }
	if stopping := serve.Stopping(ctx); stopping != nil {
		stop = context.AfterFunc(stopping, cancel)
	}
	created, err := r.Store.Created(ctx, owner)
	if err != nil {
		stop()
		cancel()
		r.subscriptions.Add(-1)
		return nil, err
	}
	out := make(chan *Product)
	go func() {
		defer r.subscriptions.Add(-1)
		defer cancel()
		defer stop()
		defer close(out)
		for p := range created {
			select {
			case out <- toProduct(p):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
