package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// The seeded graph: seedUsers users and seedProducts products, spread unevenly so that
// the first 100 products (what workload b lists) have firstPageOwners distinct owners,
// and user 0 owns bigUserProducts of them (what workload c reads).
const (
	seedUsers       = 20
	seedProducts    = 120
	listSize        = 100
	firstPageOwners = 17
	bigUserProducts = 50
)

// seedPlan returns the owner (a user index) of each product in creation order. Even
// positions of the first 100 go to user 0; odd ones to users 1..16, more to the first
// of them (the share falls off quadratically); the last 20 to users 17..19, which
// therefore own nothing in the first page.
func seedPlan() []int {
	owners := make([]int, 0, seedProducts)
	odd := 0
	for i := range listSize {
		if i%2 == 0 {
			owners = append(owners, 0)
			continue
		}
		owners = append(owners, 1+(firstPageOwners-1)*odd*odd/((listSize/2)*(listSize/2)))
		odd++
	}
	for k := range seedProducts - listSize {
		owners = append(owners, firstPageOwners+k%(seedUsers-firstPageOwners))
	}
	return owners
}

type seedUser struct{ id, name, email string }

type seedProduct struct {
	id    string
	owner int // index into graph.users
}

// graph is what the benchmark seeded, to check answers against.
type graph struct {
	users    []seedUser
	products []seedProduct
	ownerOf  map[string]int          // product id → user index
	owns     map[int]map[string]bool // user index → its product ids
	big      int                     // the user with bigUserProducts products
}

// seed creates the users through the users subgraph and the products through the
// products subgraph, in creation order, with mutations.
func seed(ctx context.Context, c *client, usersURL, productsURL string) (*graph, error) {
	g := &graph{ownerOf: map[string]int{}, owns: map[int]map[string]bool{}, big: 0}
	for i := range seedUsers {
		u := seedUser{name: fmt.Sprintf("User %02d", i), email: fmt.Sprintf("user%02d@bench.example", i)}
		var got struct{ CreateUser struct{ ID string } }
		err := c.do(ctx, usersURL, request{
			query: `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
			vars:  map[string]any{"input": map[string]any{"name": u.name, "email": u.email}},
			check: decodeInto(&got),
		})
		if err != nil || got.CreateUser.ID == "" {
			return nil, fmt.Errorf("seed: create user %d: %w", i, errors.Join(err, errors.New("no id")))
		}
		u.id = got.CreateUser.ID
		g.users = append(g.users, u)
		g.owns[i] = map[string]bool{}
	}
	for i, owner := range seedPlan() {
		var got struct{ CreateProduct struct{ ID string } }
		err := c.do(ctx, productsURL, request{
			query: `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
			vars: map[string]any{"input": map[string]any{
				"name":    fmt.Sprintf("Product %03d", i),
				"ownerId": g.users[owner].id,
				"price":   map[string]any{"amount": fmt.Sprintf("%d.%02d", 1+i%50, i%100), "currencyCode": "USD"},
			}},
			check: decodeInto(&got),
		})
		if err != nil || got.CreateProduct.ID == "" {
			return nil, fmt.Errorf("seed: create product %d: %w", i, errors.Join(err, errors.New("no id")))
		}
		id := got.CreateProduct.ID
		g.products = append(g.products, seedProduct{id: id, owner: owner})
		g.ownerOf[id] = owner
		g.owns[owner][id] = true
	}
	return g, nil
}

func decodeInto(v any) func(json.RawMessage) error {
	return func(data json.RawMessage) error { return json.Unmarshal(data, v) }
}

// repeatedProduct is the product (by creation order) that workload (a) asks for, every
// time: product 3, owned by user 1.
const repeatedProduct = 3

// workload is one kind of load. next returns the n-th request of a run; direct asks for
// the form the products subgraph answers alone (the owner as its id only).
//
// The workloads that compare the gateways, (a), (b) and (c), each send one request,
// identical every time, as the field's public gateway benchmarks do; (d) varies its
// products and writes, as traffic does.
type workload struct {
	name   string // the -workloads name: a, b, c, d
	title  string
	direct bool   // whether the products subgraph alone can answer it
	why    string // why not, when it cannot
	next   func(g *graph, n uint64, direct bool) request
}

// workloads returns the workloads in the order they run.
func workloads() []workload {
	return []workload{
		{name: "a", title: "(a) product + owner", direct: true, next: func(g *graph, _ uint64, direct bool) request {
			return productWithOwner(g, repeatedProduct, direct)
		}},
		{name: "b", title: "(b) 100 products + owners", direct: true, next: productList},
		{name: "c", title: "(c) user + 50 products", why: "products has no root user field", next: userWithProducts},
		{name: "d", title: "(d) mixed, 10% writes", why: "mixes in (c)", next: mixed},
	}
}

type ownerJSON struct {
	ID    *string `json:"id"`
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

type productJSON struct {
	ID    string          `json:"id"`
	Name  *string         `json:"name"`
	Price json.RawMessage `json:"price"`
	Owner *ownerJSON      `json:"owner"`
}

// productWithOwner asks for the i-th product (modulo their number) and its owner.
func productWithOwner(g *graph, i uint64, direct bool) request {
	p := g.products[i%uint64(len(g.products))]
	owner := `owner { name email }`
	if direct {
		owner = `owner { id }`
	}
	return request{
		query: `query($id: ID!) { product(id: $id) { id name price { amount currencyCode } ` + owner + ` } }`,
		vars:  map[string]any{"id": p.id},
		check: func(data json.RawMessage) error {
			var d struct{ Product *productJSON }
			if err := json.Unmarshal(data, &d); err != nil {
				return fmt.Errorf("shape: %w", err)
			}
			if d.Product == nil {
				return errors.New("shape: product is null")
			}
			if d.Product.ID != p.id {
				return errors.New("shape: product id is not the one asked for")
			}
			if d.Product.Name == nil || *d.Product.Name == "" {
				return errors.New("shape: product name missing")
			}
			if len(d.Product.Price) == 0 || string(d.Product.Price) == "null" {
				return errors.New("shape: product price missing")
			}
			return checkOwner(g.users[p.owner], d.Product.Owner, direct)
		},
	}
}

// checkOwner says what is wrong with an owner in an answer, if anything.
func checkOwner(want seedUser, got *ownerJSON, direct bool) error {
	switch {
	case got == nil:
		return errors.New("shape: owner is null")
	case direct && (got.ID == nil || *got.ID != want.id):
		return errors.New("shape: owner id missing or not the product's owner")
	case direct:
		return nil
	case got.Name == nil:
		return errors.New("shape: owner name missing")
	case *got.Name != want.name:
		return errors.New("shape: owner name is another user's")
	case got.Email != nil && *got.Email != want.email:
		return errors.New("shape: owner email is another user's")
	}
	return nil
}

func productList(g *graph, _ uint64, direct bool) request {
	owner := `owner { id name }`
	if direct {
		owner = `owner { id }`
	}
	return request{
		query: `{ products(first: 100) { edges { node { id name ` + owner + ` } } } }`,
		check: func(data json.RawMessage) error {
			var d struct {
				Products *struct {
					Edges []struct{ Node *productJSON }
				}
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return fmt.Errorf("shape: %w", err)
			}
			if d.Products == nil {
				return errors.New("shape: products is null")
			}
			if len(d.Products.Edges) != listSize {
				return fmt.Errorf("shape: %d edges, want %d", len(d.Products.Edges), listSize)
			}
			// One error per answer, naming the first kind of fault and how many
			// edges have it, so that the error tally stays readable.
			var first error
			bad := 0
			for _, e := range d.Products.Edges {
				err := checkListed(g, e.Node, direct)
				if err != nil {
					bad++
					if first == nil {
						first = err
					}
				}
			}
			if first != nil {
				return fmt.Errorf("%w (in %d of %d edges)", first, bad, listSize)
			}
			return nil
		},
	}
}

func checkListed(g *graph, p *productJSON, direct bool) error {
	if p == nil {
		return errors.New("shape: node is null")
	}
	owner, ok := g.ownerOf[p.ID]
	if !ok {
		return errors.New("shape: node id is not a seeded product")
	}
	if p.Owner != nil && (p.Owner.ID == nil || *p.Owner.ID != g.users[owner].id) {
		return errors.New("shape: owner id missing or not the product's owner")
	}
	return checkOwner(g.users[owner], p.Owner, direct)
}

func userWithProducts(g *graph, _ uint64, _ bool) request {
	u := g.users[g.big]
	return request{
		query: `query($id: ID!) { user(id: $id) { name products(first: 50) { edges { node { id name } } } } }`,
		vars:  map[string]any{"id": u.id},
		check: func(data json.RawMessage) error {
			var d struct {
				User *struct {
					Name     *string
					Products *struct {
						Edges []struct{ Node *productJSON }
					}
				}
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return fmt.Errorf("shape: %w", err)
			}
			switch {
			case d.User == nil:
				return errors.New("shape: user is null")
			case d.User.Name == nil || *d.User.Name != u.name:
				return errors.New("shape: user name missing or wrong")
			case d.User.Products == nil:
				return errors.New("shape: user products is null")
			case len(d.User.Products.Edges) != bigUserProducts:
				return fmt.Errorf("shape: %d products, want %d", len(d.User.Products.Edges), bigUserProducts)
			}
			for _, e := range d.User.Products.Edges {
				if e.Node == nil || !g.owns[g.big][e.Node.ID] {
					return errors.New("shape: a product is null or not the user's")
				}
			}
			return nil
		},
	}
}

func updateProduct(g *graph, n uint64) request {
	p := g.products[n%uint64(len(g.products))]
	name := fmt.Sprintf("Product v%d", n)
	return request{
		query: `mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name } }`,
		vars:  map[string]any{"id": p.id, "input": map[string]any{"name": name}},
		check: func(data json.RawMessage) error {
			var d struct{ UpdateProduct *productJSON }
			if err := json.Unmarshal(data, &d); err != nil {
				return fmt.Errorf("shape: %w", err)
			}
			if d.UpdateProduct == nil || d.UpdateProduct.ID != p.id || d.UpdateProduct.Name == nil || *d.UpdateProduct.Name != name {
				return errors.New("shape: updateProduct did not answer the updated product")
			}
			return nil
		},
	}
}

// mixed is one write in ten (updateProduct on rotating ids) and the reads a, b and c in
// equal shares.
func mixed(g *graph, n uint64, direct bool) request {
	var r request
	var label string
	switch n % 10 {
	case 0:
		r, label = updateProduct(g, n/10), "[write] "
	case 1, 4, 7:
		r, label = productWithOwner(g, n/10*3+n%10/3, direct), "[a] "
	case 2, 5, 8:
		r, label = productList(g, n, direct), "[b] "
	default:
		r, label = userWithProducts(g, n, direct), "[c] "
	}
	r.label = label
	return r
}

// request is one GraphQL request and the check of its data.
type request struct {
	label string // what the mixed workload sent, to tell its errors apart: "[a] "…
	query string
	vars  map[string]any
	check func(data json.RawMessage) error
}

// statusError is an answer whose HTTP status is not 200.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("HTTP %d %s", e.code, http.StatusText(e.code))
	}
	return fmt.Sprintf("HTTP %d: %s", e.code, e.msg)
}
