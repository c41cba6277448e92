package graph

import "github.com/fedgraph/fedgraph/subgraphs/relay"

// UserEdge is one user in a page of users, bound to the GraphQL UserEdge
// (tools/generate). Its cursor is signed only when a query selects it, as the products
// subgraph's ProductEdge's is.
type UserEdge struct {
	// Node is the user.
	Node *User
	at   relay.Position
}

// Cursor is the edge's cursor: pass it as `after` to get the users that follow.
func (e *UserEdge) Cursor() string { return e.at.Cursor() }
