// Package schema holds the SDL of every subgraph: the shared Node contract in
// relay.graphqls and each subgraph's own types, Apollo Federation's directives
// included. gqlgen generates each subgraph from these files; each subgraph answers
// `_service { sdl }` with the same text, and serves it at /schema.graphql with the
// definitions of the federation directives it uses (Standalone).
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

//go:embed federation.graphqls
var federation string

// Users returns the users subgraph's full SDL: the shared contract and its own types.
// It is the text gqlgen generates the subgraph from, and its `_service { sdl }`.
func Users() string { return relay + "\n" + users }

// Products returns the products subgraph's full SDL: the shared contract and its own
// types. It is the text gqlgen generates the subgraph from, and its `_service { sdl }`.
func Products() string { return relay + "\n" + products }

// Standalone returns a subgraph's SDL followed by the definitions of the Apollo
// Federation directives it uses, so that it loads without any knowledge of Federation:
// the SDL each subgraph serves at /schema.graphql.
func Standalone(sdl string) string { return sdl + "\n" + federation }
