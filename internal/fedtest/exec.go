package fedtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// object is a response object, its keys in the order the query asks for them.
type object struct {
	keys []string
	vals []any
}

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// executor runs one operation.
type executor struct {
	sg     *Subgraph
	schema *ast.Schema
	vars   map[string]any
	errs   []gqlError
}

// execute validates and runs query: a response with data, or only errors when the
// request cannot run (a request error).
func (h *Handler) execute(query, opName string, vars map[string]any) response {
	doc, errs := gqlparser.LoadQueryWithRules(h.schema, query, nil)
	if len(errs) > 0 {
		var out []gqlError
		for _, e := range errs {
			out = append(out, gqlError{Message: e.Message, Extensions: map[string]any{"code": errcode.ValidationFailed}})
		}
		return response{Errors: out}
	}
	op := doc.Operations.ForName(opName)
	if op == nil {
		return requestError(errcode.BadRequest, fmt.Sprintf("no operation %q in the document", opName))
	}
	coerced, err := validator.VariableValues(h.schema, op, vars)
	if err != nil {
		return requestError(errcode.BadUserInput, err.Error())
	}
	e := &executor{sg: &h.sg, schema: h.schema, vars: coerced}
	var root *ast.Definition
	obj := map[string]any{}
	switch op.Operation {
	case ast.Query:
		root = h.schema.Query
		if h.sg.Query != nil {
			obj = h.sg.Query
		}
	case ast.Mutation:
		root = h.schema.Mutation
	}
	if root == nil {
		return requestError(errcode.BadRequest, fmt.Sprintf("the subgraph serves no %s", op.Operation))
	}
	var data any
	if o, ok := e.selectionSet(root, obj, op.SelectionSet, nil); ok {
		data = o
	}
	b, err := json.Marshal(data)
	if err != nil {
		return requestError(errcode.InternalServerError, err.Error())
	}
	return response{Data: b, Errors: e.errs}
}

func requestError(code, msg string) response {
	return response{Errors: []gqlError{{Message: msg, Extensions: map[string]any{"code": code}}}}
}

// fail records a field error at path.
func (e *executor) fail(path []any, err error) {
	ge := gqlError{Message: err.Error(), Path: path}
	if fe := (*Error)(nil); errors.As(err, &fe) && fe.Code != "" {
		ge.Extensions = map[string]any{"code": fe.Code}
	}
	e.errs = append(e.errs, ge)
}

// group is the fields of a selection set that share a response key.
type group struct {
	key    string
	fields []*ast.Field
}

// selectionSet executes sel on obj, of the object type typ. It returns false when a
// non-null field is null, which makes the whole object null (its error is recorded).
func (e *executor) selectionSet(typ *ast.Definition, obj map[string]any, sel ast.SelectionSet, path []any) (*object, bool) {
	out := &object{}
	for _, g := range e.collect(typ, sel) {
		v, ok := e.field(typ, obj, g, append(slices.Clip(path), g.key))
		if !ok {
			return nil, false
		}
		out.keys = append(out.keys, g.key)
		out.vals = append(out.vals, v)
	}
	return out, true
}

// collect groups the fields of sel that apply to the object type typ by response key,
// in order, following fragments and leaving out what @skip and @include exclude.
func (e *executor) collect(typ *ast.Definition, sel ast.SelectionSet) []*group {
	var groups []*group
	byKey := map[string]*group{}
	spread := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(sel ast.SelectionSet) {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				if !e.included(s.Directives) {
					continue
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				g := byKey[key]
				if g == nil {
					g = &group{key: key}
					byKey[key] = g
					groups = append(groups, g)
				}
				g.fields = append(g.fields, s)
			case *ast.InlineFragment:
				if e.included(s.Directives) && (s.TypeCondition == "" || e.applies(typ, s.TypeCondition)) {
					walk(s.SelectionSet)
				}
			case *ast.FragmentSpread:
				if !e.included(s.Directives) || spread[s.Name] || s.Definition == nil {
					continue
				}
				spread[s.Name] = true
				if e.applies(typ, s.Definition.TypeCondition) {
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(sel)
	return groups
}

// included applies @skip and @include.
func (e *executor) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil {
			continue
		}
		v, err := arg.Value.Value(e.vars)
		if err != nil {
			continue
		}
		if b, _ := v.(bool); b == (d.Name == "skip") {
			return false
		}
	}
	return true
}

// applies reports whether a fragment on cond applies to the object type typ.
func (e *executor) applies(typ *ast.Definition, cond string) bool {
	if typ.Name == cond {
		return true
	}
	return slices.ContainsFunc(e.schema.PossibleTypes[cond], func(d *ast.Definition) bool { return d.Name == typ.Name })
}

// field executes the fields g of obj. It returns false when the field is non-null and
// its value null.
func (e *executor) field(typ *ast.Definition, obj map[string]any, g *group, path []any) (any, bool) {
	f := g.fields[0]
	if f.Name == "__typename" {
		return typ.Name, true
	}
	def := typ.Fields.ForName(f.Name)
	if def == nil {
		e.fail(path, fmt.Errorf("no field %s.%s", typ.Name, f.Name))
		return nil, true
	}
	args := f.ArgumentMap(e.vars)
	for _, a := range def.Arguments {
		if v, ok := args[a.Name]; ok {
			args[a.Name] = e.coerceInput(a.Type, v)
		}
	}
	var v any
	var err error
	switch {
	case f.Name == "__schema" || f.Name == "__type":
		err = errors.New("fedtest serves no introspection")
	case typ == e.schema.Query && f.Name == "_service":
		v = map[string]any{"__typename": "_Service", "sdl": e.sg.SDL}
	case typ == e.schema.Query && f.Name == "_entities":
		v = e.entities(args, path)
	default:
		if r := e.sg.Resolvers[typ.Name+"."+f.Name]; r != nil {
			v, err = r(obj, args)
		} else {
			v = obj[f.Name]
		}
	}
	if err != nil {
		e.fail(path, err)
		return nil, !def.Type.NonNull
	}
	return e.complete(typ.Name+"."+f.Name, def.Type, v, g.fields, path)
}

// complete turns v, the value of the field named field, into the field's type t,
// executing the fields' selection sets on objects.
func (e *executor) complete(field string, t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	if isNull(v) {
		if t.NonNull {
			e.fail(path, fmt.Errorf("Cannot return null for non-nullable field %s.", field)) //nolint:staticcheck // graphql-js's message, word for word
			return nil, false
		}
		return nil, true
	}
	if t.Elem != nil {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			e.fail(path, fmt.Errorf("%s: %T is not a list", field, v))
			return nil, !t.NonNull
		}
		out := make([]any, rv.Len())
		for i := range out {
			item, ok := e.complete(field, t.Elem, rv.Index(i).Interface(), fields, append(slices.Clip(path), i))
			if !ok {
				return nil, !t.NonNull
			}
			out[i] = item
		}
		return out, true
	}
	def := e.schema.Types[t.NamedType]
	var out any
	var err error
	switch def.Kind {
	case ast.Scalar:
		out, err = scalar(def.Name, v)
	case ast.Enum:
		s, _ := v.(string)
		if def.EnumValues.ForName(s) == nil {
			err = fmt.Errorf("%s: %v is not a value of %s", field, v, def.Name)
		}
		out = s
	default: // an object, interface or union
		obj, ok := v.(map[string]any)
		if !ok {
			err = fmt.Errorf("%s: %T is not an object", field, v)
			break
		}
		rt := def
		if def.Kind != ast.Object {
			name, _ := obj["__typename"].(string)
			if rt = e.schema.Types[name]; rt == nil || rt.Kind != ast.Object || !e.applies(rt, def.Name) {
				err = fmt.Errorf("%s: object of __typename %q is not a %s", field, name, def.Name)
				break
			}
		}
		var sel ast.SelectionSet
		for _, f := range fields {
			sel = append(sel, f.SelectionSet...)
		}
		o, ok := e.selectionSet(rt, obj, sel, path)
		if !ok {
			return nil, !t.NonNull
		}
		return o, true
	}
	if err != nil {
		e.fail(path, err)
		return nil, !t.NonNull
	}
	return out, true
}

// coerceInput turns the integers given as IDs in v, an input value of type t, into
// strings, those given as Floats into float64, and a single value given for a list
// into a list, as the spec coerces them, so that resolvers see one Go type per input
// type.
func (e *executor) coerceInput(t *ast.Type, v any) any {
	if _, isList := v.([]any); t.Elem != nil && !isList && v != nil {
		// A single value given for a list is a list of one.
		return []any{e.coerceInput(t.Elem, v)}
	}
	switch v := v.(type) {
	case int64:
		switch t.NamedType {
		case "ID":
			return strconv.FormatInt(v, 10)
		case "Float":
			return float64(v)
		}
	case []any:
		if t.Elem == nil {
			return v
		}
		for i, item := range v {
			v[i] = e.coerceInput(t.Elem, item)
		}
	case map[string]any:
		if def := e.schema.Types[t.NamedType]; def != nil && def.Kind == ast.InputObject {
			for _, f := range def.Fields {
				if fv, ok := v[f.Name]; ok {
					v[f.Name] = e.coerceInput(f.Type, fv)
				}
			}
		}
	}
	return v
}

func isNull(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// scalar serializes v as the scalar named name.
func scalar(name string, v any) (any, error) {
	rv := reflect.ValueOf(v)
	isInt := rv.CanInt() || rv.CanUint()
	switch name {
	case "Int":
		switch {
		case rv.CanInt():
			return rv.Int(), nil
		case rv.CanUint():
			return int64(rv.Uint()), nil
		case rv.CanFloat() && rv.Float() == math.Trunc(rv.Float()):
			return int64(rv.Float()), nil
		}
	case "Float":
		switch {
		case rv.CanFloat():
			return rv.Float(), nil
		case isInt:
			f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
			return f, nil
		}
	case "String":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "Boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "ID":
		if s, ok := v.(string); ok {
			return s, nil
		}
		if isInt {
			return fmt.Sprint(v), nil
		}
	default: // a custom scalar: as it is
		return v, nil
	}
	return nil, fmt.Errorf("%v (%T) is not a %s", v, v, name)
}

// entities answers `_entities(representations:)`: each representation's object, or null
// with an error at its index.
func (e *executor) entities(args map[string]any, path []any) []any {
	reps, _ := args["representations"].([]any)
	out := make([]any, len(reps))
	for i, r := range reps {
		rep, ok := r.(map[string]any)
		var obj map[string]any
		var err error
		if !ok {
			err = fmt.Errorf("representation %d is not an object", i)
		} else {
			obj, err = e.entity(rep)
		}
		if err != nil {
			e.fail(append(slices.Clip(path), i), err)
			continue
		}
		if obj != nil {
			out[i] = obj
		}
	}
	return out
}

// entity finds the object rep stands for, with rep's fields (its key and required
// fields) merged in so that the fields computed from them see them.
func (e *executor) entity(rep map[string]any) (map[string]any, error) {
	typename, _ := rep["__typename"].(string)
	def := e.schema.Types[typename]
	if def == nil {
		return nil, fmt.Errorf("representation of unknown type %q", typename)
	}
	var obj map[string]any
	var err error
	if r := e.sg.Entities[typename]; r != nil {
		obj, err = r(rep)
	} else {
		obj, err = e.lookup(def, rep)
	}
	if err != nil || obj == nil {
		return nil, err
	}
	merged := maps.Clone(obj)
	for k, v := range rep {
		if k != "__typename" {
			merged[k] = v
		}
	}
	if _, ok := merged["__typename"]; !ok {
		merged["__typename"] = typename
	}
	return merged, nil
}

// lookup finds rep's object in the subgraph's Objects by one of its type's keys.
func (e *executor) lookup(def *ast.Definition, rep map[string]any) (map[string]any, error) {
	keys, err := keyFieldSets(def)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w", def.Name, err)
	}
	for _, o := range e.sg.Objects {
		name, _ := o["__typename"].(string)
		if t := e.schema.Types[name]; t == nil || !e.applies(t, def.Name) {
			continue
		}
		for _, k := range keys {
			if keyMatches(o, rep, k) {
				return o, nil
			}
		}
	}
	return nil, nil
}

// keyMatches reports whether rep has every field of the key set and obj the same
// values for them.
func keyMatches(obj, rep map[string]any, set ast.SelectionSet) bool {
	for _, s := range set {
		f, ok := s.(*ast.Field)
		if !ok {
			return false
		}
		rv, ok := rep[f.Name]
		if !ok {
			return false
		}
		ov := obj[f.Name]
		if len(f.SelectionSet) > 0 {
			om, ok1 := ov.(map[string]any)
			rm, ok2 := rv.(map[string]any)
			if !ok1 || !ok2 || !keyMatches(om, rm, f.SelectionSet) {
				return false
			}
			continue
		}
		ob, err1 := json.Marshal(ov)
		rb, err2 := json.Marshal(rv)
		if err1 != nil || err2 != nil || !bytes.Equal(ob, rb) {
			return false
		}
	}
	return true
}
