package gateway

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/fedgraph/fedgraph/internal/auth"
)

// Field authorization, as Apollo Router's authorization directives have it. A subgraph
// declares, in its SDL,
//
//	directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
//	directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
//
// and puts them on fields or types: `email: String! @authenticated`, `type Audit
// @requiresScopes(scopes: [["admin"], ["audit:read", "users:read"]])` (any one inner
// list, all of its scopes). A field is unauthorized when it, or the type it returns,
// carries a directive the request's verified token does not satisfy (no token satisfies
// none). The gateway removes unauthorized fields before planning, so no subgraph is
// asked for them, and answers each with null (propagated per the non-null rules) and
// one error coded UNAUTHORIZED_FIELD_OR_TYPE. Which fields a request may see is part of
// the plan's variant.

// requirement is what a protected field of an operation needs.
type requirement struct {
	field         *ast.Field
	authenticated bool
	scopes        [][]string // any one of these sets, all of its scopes
}

// requirementOf returns what a field definition and its type demand, and whether they
// demand anything.
func requirementOf(schema *ast.Schema, def *ast.FieldDefinition) (requirement, bool) {
	var r requirement
	found := false
	dirs := slices.Clone(def.Directives)
	if t := schema.Types[def.Type.Name()]; t != nil {
		dirs = append(dirs, t.Directives...)
	}
	for _, d := range dirs {
		switch d.Name {
		case "authenticated":
			r.authenticated, found = true, true
		case "requiresScopes":
			found = true
			a := d.Arguments.ForName("scopes")
			if a == nil || a.Value == nil {
				continue
			}
			for _, set := range a.Value.Children {
				var scopes []string
				for _, s := range set.Value.Children {
					scopes = append(scopes, s.Value.Raw)
				}
				r.scopes = append(r.scopes, scopes)
			}
			if len(r.scopes) == 0 {
				r.scopes = [][]string{{}}
			}
		}
	}
	return r, found
}

// allows reports whether claims satisfy r.
func (r requirement) allows(c *auth.Claims) bool {
	if c == nil {
		return false
	}
	if len(r.scopes) == 0 {
		return true
	}
	for _, set := range r.scopes {
		ok := true
		for _, s := range set {
			if !c.HasScope(s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
