package gateway

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// The subgraphs are Apollo Federation v2 subgraphs too: their SDL links the federation
// specification (`extend schema @link(…)`), marks entities with @key and what two
// subgraphs both resolve with @shareable, and may carry the definitions of those
// directives and of _service, _entities, _Any and _Entity. None of it belongs to the
// graph that clients see, and nautilus, which merges subgraphs by type name, would merge
// it as if it did (and refuse a @key that differs between two subgraphs). So the gateway
// parses each SDL, removes Federation from the document, and only then validates it and
// hands it to nautilus: the merge and the public schema are what they were before the
// subgraphs spoke Federation. Apollo Router's authorization directives (@authenticated,
// @requiresScopes, @policy) stay: the gateway enforces them (authz.go).

// loadSubgraphSchema parses a subgraph's SDL, removes Apollo Federation from it, and
// validates what remains.
func loadSubgraphSchema(name, sdl string) (*ast.Schema, error) {
	doc, err := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: name + ".graphql", Input: sdl})
	if err != nil {
		return nil, err
	}
	withoutFederation(doc)
	return validator.ValidateSchemaDocument(doc)
}

// federationDirective reports whether a directive is one of the federation or link
// specifications, imported (@key) or under its namespace (@federation__key), or of a
// supergraph (@join__type).
func federationDirective(name string) bool {
	switch name {
	case "link", "key", "shareable", "external", "requires", "provides", "extends", "tag",
		"inaccessible", "override", "composeDirective", "interfaceObject":
		return true
	}
	return federationNamespace(name)
}

// federationType reports whether a type is one that Federation adds to a subgraph: the
// types of _service and _entities, the FieldSet scalar (imported, namespaced or of
// Federation 1), and anything in the link, federation or join namespaces.
func federationType(def *ast.Definition) bool {
	switch def.Name {
	case "_Any", "_Entity", "_Service":
		return true
	case "FieldSet", "_FieldSet":
		return def.Kind == ast.Scalar
	}
	return federationNamespace(def.Name)
}

func federationNamespace(name string) bool {
	return strings.HasPrefix(name, "federation__") || strings.HasPrefix(name, "link__") || strings.HasPrefix(name, "join__")
}

// withoutFederation removes from doc every federation directive, its definition, the
// types Federation adds and the root fields _service and _entities. Where a directive
// that stays (@requiresScopes, @policy) takes one of the removed scalars, which
// Federation defines as strings (federation__Scope, federation__Policy), it takes a
// String instead.
func withoutFederation(doc *ast.SchemaDocument) {
	query := "Query"
	for _, s := range slices.Concat(doc.Schema, doc.SchemaExtension) {
		for _, op := range s.OperationTypes {
			if op.Operation == ast.Query {
				query = op.Type
			}
		}
	}
	keepSchema := func(list ast.SchemaDefinitionList) ast.SchemaDefinitionList {
		var out ast.SchemaDefinitionList
		for _, s := range list {
			s.Directives = withoutDirectives(s.Directives)
			if len(s.Directives) > 0 || len(s.OperationTypes) > 0 {
				out = append(out, s)
			}
		}
		return out
	}
	doc.Schema = keepSchema(doc.Schema)
	doc.SchemaExtension = keepSchema(doc.SchemaExtension)

	doc.Directives = slices.DeleteFunc(doc.Directives, func(d *ast.DirectiveDefinition) bool {
		return federationDirective(d.Name)
	})
	for _, d := range doc.Directives {
		for _, arg := range d.Arguments {
			arg.Type = asString(arg.Type)
		}
	}

	keepTypes := func(list ast.DefinitionList) ast.DefinitionList {
		list = slices.DeleteFunc(list, federationType)
		for _, def := range list {
			def.Directives = withoutDirectives(def.Directives)
			if def.Name == query {
				def.Fields = slices.DeleteFunc(def.Fields, func(f *ast.FieldDefinition) bool {
					return f.Name == "_service" || f.Name == "_entities"
				})
			}
			for _, f := range def.Fields {
				f.Directives = withoutDirectives(f.Directives)
				for _, arg := range f.Arguments {
					arg.Directives = withoutDirectives(arg.Directives)
				}
			}
			for _, v := range def.EnumValues {
				v.Directives = withoutDirectives(v.Directives)
			}
		}
		return list
	}
	doc.Definitions = keepTypes(doc.Definitions)
	doc.Extensions = keepTypes(doc.Extensions)
	// An `extend type Query` that held only _service and _entities extends nothing now.
	doc.Extensions = slices.DeleteFunc(doc.Extensions, func(def *ast.Definition) bool {
		return def.Kind == ast.Object && len(def.Fields) == 0 && len(def.Directives) == 0 && len(def.Interfaces) == 0
	})
}

func withoutDirectives(list ast.DirectiveList) ast.DirectiveList {
	return slices.DeleteFunc(list, func(d *ast.Directive) bool { return federationDirective(d.Name) })
}

// asString returns t with a named type of the federation namespace replaced by String,
// keeping its list and non-null wrappers.
func asString(t *ast.Type) *ast.Type {
	if t == nil {
		return nil
	}
	c := *t
	if c.Elem != nil {
		c.Elem = asString(c.Elem)
	} else if federationNamespace(c.NamedType) {
		c.NamedType = "String"
	}
	return &c
}
