package supergraph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// apiSchema turns a parsed supergraph document into the schema clients see, as Apollo's
// routers do: every element marked @inaccessible is removed (types, fields, arguments,
// enum values, input fields, and a type's membership in what it was removed from), then
// every element of Apollo's specifications (link, join, inaccessible, tag and the
// others under specs.apollo.dev) is removed with its definitions. Directives of other
// linked specifications (composed with @composeDirective) stay.
func apiSchema(doc *ast.SchemaDocument, features map[string]*feature) (*ast.Schema, error) {
	var internal []*feature
	for identity, f := range features {
		if strings.HasPrefix(identity, "https://specs.apollo.dev/") {
			internal = append(internal, f)
		}
	}
	isInternal := func(name string) bool {
		for _, f := range internal {
			if f.owns(name) {
				return true
			}
		}
		return false
	}
	hidden := "inaccessible"
	if f := features[specInaccessible]; f != nil {
		hidden = f.directive("inaccessible")
	}
	inaccessible := func(list ast.DirectiveList) bool { return list.ForName(hidden) != nil }
	keepDirectives := func(list ast.DirectiveList) ast.DirectiveList {
		return slices.DeleteFunc(list, func(d *ast.Directive) bool { return isInternal(d.Name) || d.Name == hidden })
	}

	removed := map[string]bool{}
	for _, def := range slices.Concat(doc.Definitions, doc.Extensions) {
		if isInternal(def.Name) || inaccessible(def.Directives) {
			removed[def.Name] = true
		}
	}
	keepTypes := func(list ast.DefinitionList) ast.DefinitionList {
		list = slices.DeleteFunc(list, func(def *ast.Definition) bool { return removed[def.Name] })
		for _, def := range list {
			def.Directives = keepDirectives(def.Directives)
			def.Interfaces = slices.DeleteFunc(def.Interfaces, func(n string) bool { return removed[n] })
			def.Types = slices.DeleteFunc(def.Types, func(n string) bool { return removed[n] })
			def.Fields = slices.DeleteFunc(def.Fields, func(f *ast.FieldDefinition) bool {
				return inaccessible(f.Directives) || removed[f.Type.Name()]
			})
			for _, f := range def.Fields {
				f.Directives = keepDirectives(f.Directives)
				f.Arguments = slices.DeleteFunc(f.Arguments, func(a *ast.ArgumentDefinition) bool {
					return inaccessible(a.Directives) || removed[a.Type.Name()]
				})
				for _, a := range f.Arguments {
					a.Directives = keepDirectives(a.Directives)
				}
			}
			def.EnumValues = slices.DeleteFunc(def.EnumValues, func(v *ast.EnumValueDefinition) bool { return inaccessible(v.Directives) })
			for _, v := range def.EnumValues {
				v.Directives = keepDirectives(v.Directives)
			}
		}
		return list
	}
	doc.Definitions = keepTypes(doc.Definitions)
	doc.Extensions = keepTypes(doc.Extensions)
	doc.Directives = slices.DeleteFunc(doc.Directives, func(d *ast.DirectiveDefinition) bool {
		return isInternal(d.Name) || d.Name == hidden
	})
	for _, d := range doc.Directives {
		d.Arguments = slices.DeleteFunc(d.Arguments, func(a *ast.ArgumentDefinition) bool { return removed[a.Type.Name()] })
	}
	keepSchema := func(list ast.SchemaDefinitionList) ast.SchemaDefinitionList {
		for _, s := range list {
			s.Directives = keepDirectives(s.Directives)
			s.OperationTypes = slices.DeleteFunc(s.OperationTypes, func(o *ast.OperationTypeDefinition) bool { return removed[o.Type] })
		}
		return slices.DeleteFunc(list, func(s *ast.SchemaDefinition) bool {
			return len(s.Directives) == 0 && len(s.OperationTypes) == 0
		})
	}
	doc.Schema = keepSchema(doc.Schema)
	doc.SchemaExtension = keepSchema(doc.SchemaExtension)

	api, err := validator.ValidateSchemaDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("supergraph: API schema: %w", err)
	}
	return api, nil
}
