// Package schema holds the SDL of every subgraph: the shared Node contract in
// relay.graphqls and each subgraph's own types. gqlgen generates each subgraph from
// these files, and each subgraph serves the same text to the gateway.
package schema

import (
	_ "embed"
)

//go:embed relay.graphqls
var relay string

//go:embed users.graphqls
var users string

//go:embed products.graphqls
var products string

// Users returns the users subgraph's full SDL: the shared contract and its own types.
func Users() string { return relay + "\n" + users }

// Products returns the products subgraph's full SDL: the shared contract and its own types.
func Products() string { return relay + "\n" + products }
