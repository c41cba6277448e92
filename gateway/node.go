package gateway

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// nodeMarker is the alias of the __typename the rewrite adds when no selection of a
// node field applies to the id's type; it is removed from the answer.
const nodeMarker = "__fedgraphNode"

// rootRewrite is what rewriteRoot did to one operation.
type rootRewrite struct {
	query    string          // the query to plan, rewritten if needed; "" if nothing is left
	answered map[string]any  // response keys the gateway answers itself
	errs     gqlerror.List   // errors for node ids that are not ids
	marked   map[string]bool // response keys whose object carries nodeMarker
}

// rewriteRoot takes out of the operation the root fields nautilus answers wrongly and
// answers or replaces them:
//
//   - `__typename` at the root, which nautilus answers with nothing, is answered here;
//   - every `node(id:)` becomes the typed root field of the type the id names:
//     `node(id: "User:…") { id ... on User { name } }` is planned as
//     `node: user(id: "User:…") { id ... on User { name } }`. nautilus answers root
//     `node` itself and gets it wrong (it drops `id` and `__typename`, and answers `{}`
//     for an id that names nothing); a typed field is planned like any other, and an
//     unknown id comes back null from the subgraph that owns the type.
func rewriteRoot(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, query string) *rootRewrite {
	out := &rootRewrite{query: query, answered: map[string]any{}, marked: map[string]bool{}}
	rootType := "Query"
	switch op.Operation {
	case ast.Mutation:
		rootType = "Mutation"
	case ast.Subscription:
		rootType = "Subscription"
	}
	changed := false
	var kept ast.SelectionSet
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || !(f.Name == "__typename" || f.Name == "node" && op.Operation == ast.Query) {
			kept = append(kept, sel)
			continue
		}
		changed = true
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		if f.Name == "__typename" {
			out.answered[key] = rootType
			continue
		}
		id, _ := argValue(f.Arguments.ForName("id"), vars).(string)
		typ, rootField, err := nodeType(schema, id)
		if err != nil {
			out.errs = append(out.errs, &gqlerror.Error{
				Message:    err.Error(),
				Path:       ast.Path{ast.PathName(key)},
				Extensions: map[string]any{"code": "BAD_USER_INPUT"},
			})
			out.answered[key] = nil
			continue
		}
		if rootField == nil {
			out.answered[key] = nil
			continue
		}
		typed := *f
		typed.Alias = key
		typed.Name = rootField.Name
		typed.Definition = rootField
		typed.SelectionSet = selectionsFor(schema, typ, f.SelectionSet)
		if len(typed.SelectionSet) == 0 {
			typed.SelectionSet = ast.SelectionSet{&ast.Field{Alias: nodeMarker, Name: "__typename"}}
			out.marked[key] = true
		}
		kept = append(kept, &typed)
	}
	if !changed {
		return out
	}
	if len(kept) == 0 {
		out.query = ""
		return out
	}
	op.SelectionSet = kept
	prune(doc, op, vars) // dropped fragments may leave fragments and variables unused
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(doc)
	out.query = buf.String()
	return out
}

// finish puts the gateway's own answers and those of rewritten node fields in the shape
// the client asked for.
func (r *rootRewrite) finish(data map[string]any) map[string]any {
	if len(r.answered) == 0 && len(r.marked) == 0 {
		return data
	}
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range r.answered {
		data[k] = v
	}
	for k := range r.marked {
		if obj, ok := data[k].(map[string]any); ok {
			delete(obj, nodeMarker)
		}
	}
	return data
}

// nodeType returns the type a global id names and the root field that fetches one by
// id: the field of Query named like the type (user for User) with the single argument
// `id: ID!`. A nil field with no error means the id is well formed but names no type
// of this graph that can be fetched.
func nodeType(schema *ast.Schema, id string) (*ast.Definition, *ast.FieldDefinition, error) {
	name, rest, ok := strings.Cut(id, ":")
	if !ok || name == "" || rest == "" {
		return nil, nil, fmt.Errorf("malformed id: %q is not of the form Type:uuid", clip(id))
	}
	typ := schema.Types[name]
	if typ == nil || typ.Kind != ast.Object || !implements(typ, "Node") {
		return nil, nil, nil
	}
	for _, f := range schema.Query.Fields {
		if strings.EqualFold(f.Name, name) && f.Type.Name() == name && f.Type.Elem == nil &&
			len(f.Arguments) == 1 && f.Arguments[0].Name == "id" && f.Arguments[0].Type.String() == "ID!" {
			return typ, f, nil
		}
	}
	return typ, nil, nil
}

// selectionsFor keeps the selections of a Node selection set that apply to typ.
func selectionsFor(schema *ast.Schema, typ *ast.Definition, set ast.SelectionSet) ast.SelectionSet {
	var out ast.SelectionSet
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			if s.TypeCondition == "" || applies(schema, typ, s.TypeCondition) {
				out = append(out, s)
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && applies(schema, typ, s.Definition.TypeCondition) {
				out = append(out, s)
			}
		}
	}
	return out
}

func applies(schema *ast.Schema, typ *ast.Definition, cond string) bool {
	if cond == typ.Name || implements(typ, cond) {
		return true
	}
	for _, p := range schema.GetPossibleTypes(schema.Types[cond]) {
		if p.Name == typ.Name {
			return true
		}
	}
	return false
}

func implements(typ *ast.Definition, iface string) bool {
	for _, i := range typ.Interfaces {
		if i == iface {
			return true
		}
	}
	return false
}

// argValue returns an argument's value with variables substituted.
func argValue(arg *ast.Argument, vars map[string]any) any {
	if arg == nil || arg.Value == nil {
		return nil
	}
	v, err := arg.Value.Value(vars)
	if err != nil {
		return nil
	}
	return v
}

// clip keeps messages short whatever a client sends.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
