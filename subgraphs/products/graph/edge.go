package graph

import "github.com/fedgraph/fedgraph/subgraphs/relay"

// ProductEdge is one product in a page of products, bound to the GraphQL ProductEdge
// (tools/generate). Its cursor is signed only when a query selects it: an HMAC per
// product was a tenth of a 100-product list's cost, for a field that a gateway's list
// seldom asks for.
type ProductEdge struct {
	// Node is the product.
	Node *Product
	at   relay.Position
}

// Cursor is the edge's cursor: pass it as `after` to get the products that follow.
func (e *ProductEdge) Cursor() string { return e.at.Cursor() }
