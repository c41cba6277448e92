// Package fedtest serves small Apollo Federation subgraphs from plain Go data, for tests
// of a federation gateway: a Subgraph is an SDL, objects and resolver funcs, served as an
// http.Handler over GraphQL over HTTP (POST, JSON) that counts and records the requests
// it receives. Compose serves subgraphs on loopback and composes them into a supergraph
// with @apollo/composition (tools/web/compose.mjs); ApolloGateway serves a supergraph
// with Apollo Gateway (tools/web/apollo-gateway.mjs), the reference the answers are
// checked against.
//
// The executor is small but follows the GraphQL spec where a gateway can tell: every
// query is validated against the subgraph's schema; aliases, arguments (variables,
// defaults), fragments, @skip and @include, __typename, abstract types by the object's
// "__typename", field errors with their path and null propagation for non-null fields.
// Introspection other than __typename is not served: a gateway serving a supergraph
// does not ask for it.
package fedtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Resolver computes a field of obj, the object being executed, from the field's
// arguments (with their defaults). A root field's obj is the operation's root object.
type Resolver func(obj map[string]any, args map[string]any) (any, error)

// EntityResolver finds the object a representation (an `_entities` argument item)
// stands for: nil when there is none, which `_entities` answers as null.
type EntityResolver func(rep map[string]any) (map[string]any, error)

// Subgraph is one federation subgraph: its schema and its data. Objects are
// map[string]any holding "__typename" and their fields' values; lists are []any or any
// other slice.
type Subgraph struct {
	// Name is the subgraph's name in the supergraph.
	Name string
	// SDL is the subgraph's schema, a Federation v2 subgraph (`extend schema
	// @link(url: "https://specs.apollo.dev/federation/v2.x", import: [...])`) or a
	// Federation 1 one; `_service { sdl }` answers it as written. The federation
	// definitions (`_Any`, `_Entity`, `_Service`, `Query._service`, `Query._entities`,
	// the directives) are added for execution and must not be in it.
	SDL string
	// Query holds the values of the Query root object's fields that no resolver
	// computes.
	Query map[string]any
	// Resolvers compute fields, keyed "Type.field" with Type an object type (Query and
	// Mutation included); a field without one is its object's value under its name.
	Resolvers map[string]Resolver
	// Entities find the objects of `_entities`, keyed by the representation's
	// __typename. A type without one is looked up in Objects.
	Entities map[string]EntityResolver
	// Objects are the entities `_entities` looks up by default: the first of the
	// representation's type (or, for an interface, of a type implementing it) whose
	// fields equal the representation's on one of the type's @key field sets.
	Objects []map[string]any
}

// Error is an error a resolver returns to give the GraphQL error an
// extensions.code.
type Error struct {
	Message string
	Code    string
}

func (e *Error) Error() string { return e.Message }

// FromRepresentation is an EntityResolver for a type the subgraph knows only by its key
// and required fields: the object is the representation itself.
func FromRepresentation(rep map[string]any) (map[string]any, error) { return rep, nil }

// Request is one request a Handler received.
type Request struct {
	// Body is the request body as sent.
	Body []byte
	// Query, OperationName and Variables are its GraphQL request's.
	Query         string
	OperationName string
	Variables     map[string]any
}

// Handler serves a Subgraph. It is safe for concurrent use; resolvers run one request at
// a time, so they may share state without locks.
type Handler struct {
	sg     Subgraph
	schema *ast.Schema

	mu       sync.Mutex // held by each request, so that requests run one at a time
	requests []Request
}

// New returns a handler serving sg, or the reason its SDL does not make a valid
// subgraph schema.
func New(sg Subgraph) (*Handler, error) {
	schema, err := loadSchema(sg.SDL)
	if err != nil {
		return nil, fmt.Errorf("fedtest: subgraph %s: %w", sg.Name, err)
	}
	return &Handler{sg: sg, schema: schema}, nil
}

// Requests returns the requests received so far, in order.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// Count returns how many requests have been received so far.
func (h *Handler) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.requests)
}

// response is a GraphQL response; Data is left out when the request failed before
// execution.
type response struct {
	Data   json.RawMessage `json:"data,omitempty"`
	Errors []gqlError      `json:"errors,omitempty"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// ServeHTTP answers a GraphQL POST with a JSON body.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "fedtest: POST a GraphQL request", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "fedtest: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, "fedtest: body is not a GraphQL request: "+err.Error(), http.StatusBadRequest)
		return
	}
	vars, _ := numbers(req.Variables).(map[string]any)

	h.mu.Lock()
	h.requests = append(h.requests, Request{Body: body, Query: req.Query, OperationName: req.OperationName, Variables: vars})
	resp := h.execute(req.Query, req.OperationName, vars)
	h.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		http.Error(w, "fedtest: encode answer: "+err.Error(), http.StatusInternalServerError)
	}
}

// numbers turns the json.Numbers in v into int64 when they are integers and float64
// otherwise, as gqlparser gives literal Int and Float values, so that resolvers see
// one representation of a number whether it came in a variable or in the document.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	}
	return v
}

// loadSchema parses sdl as a subgraph schema and adds the federation definitions the
// subgraph serves: the directives and scalars it lacks, `_Service`, the `_Entity` union
// of its object types with a @key (when it has any), and the `_service` and `_entities`
// root fields.
func loadSchema(sdl string) (*ast.Schema, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: "subgraph.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("parse SDL: %w", err)
	}
	defined := map[string]bool{}
	var entities []string
	hasQuery := false
	types := append(slices.Clone(doc.Definitions), doc.Extensions...)
	for _, d := range types {
		defined[d.Name] = true
		hasQuery = hasQuery || d.Name == "Query"
		if d.Kind == ast.Object && d.Directives.ForName("key") != nil && !slices.Contains(entities, d.Name) {
			entities = append(entities, d.Name)
		}
	}
	for _, d := range doc.Directives {
		defined["@"+d.Name] = true
	}

	var b strings.Builder
	for _, d := range federationDirectives() {
		if !defined["@"+d.name] {
			b.WriteString(d.def + "\n")
		}
	}
	for _, s := range federationScalars() {
		if !defined[s] {
			b.WriteString("scalar " + s + "\n")
		}
	}
	if !defined["link__Purpose"] {
		b.WriteString("enum link__Purpose { SECURITY EXECUTION }\n")
	}
	b.WriteString("type _Service { sdl: String }\n")
	if !hasQuery {
		b.WriteString("type Query\n")
	}
	b.WriteString("extend type Query {\n  _service: _Service!\n")
	if len(entities) > 0 {
		b.WriteString("  _entities(representations: [_Any!]!): [_Entity]!\n")
	}
	b.WriteString("}\n")
	if len(entities) > 0 {
		b.WriteString("union _Entity = " + strings.Join(entities, " | ") + "\n")
	}
	return gqlparser.LoadSchema(
		&ast.Source{Name: "subgraph.graphql", Input: sdl},
		&ast.Source{Name: "federation.graphql", Input: b.String()},
	)
}

// keyFieldSets returns the selection sets of the @key directives of the type def.
func keyFieldSets(def *ast.Definition) ([]ast.SelectionSet, error) {
	var sets []ast.SelectionSet
	for _, d := range def.Directives.ForNames("key") {
		arg := d.Arguments.ForName("fields")
		if arg == nil {
			return nil, errors.New("@key without fields")
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: "{" + arg.Value.Raw + "}"})
		if err != nil {
			return nil, fmt.Errorf("@key(fields: %q): %w", arg.Value.Raw, err)
		}
		sets = append(sets, doc.Operations[0].SelectionSet)
	}
	return sets, nil
}

// federationDirectives returns the definitions of the federation directives (v1 and v2)
// that gqlparser needs to accept a subgraph's SDL, each added when the SDL does not
// define it itself.
func federationDirectives() []struct{ name, def string } {
	return []struct{ name, def string }{
		{"link", `directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA`},
		{"key", `directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE`},
		{"requires", `directive @requires(fields: FieldSet!) on FIELD_DEFINITION`},
		{"provides", `directive @provides(fields: FieldSet!) on FIELD_DEFINITION`},
		{"external", `directive @external(reason: String) on OBJECT | FIELD_DEFINITION`},
		{"extends", `directive @extends on OBJECT | INTERFACE`},
		{"shareable", `directive @shareable repeatable on OBJECT | FIELD_DEFINITION`},
		{"inaccessible", `directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION`},
		{"override", `directive @override(from: String!, label: String) on FIELD_DEFINITION`},
		{"interfaceObject", `directive @interfaceObject on OBJECT`},
		{"tag", `directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA`},
		{"composeDirective", `directive @composeDirective(name: String!) repeatable on SCHEMA`},
		{"authenticated", `directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM`},
		{"requiresScopes", `directive @requiresScopes(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM`},
		{"policy", `directive @policy(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM`},
	}

}

// federationScalars are the scalars the directives above use, and _Any.
func federationScalars() []string {
	return []string{"_Any", "FieldSet", "link__Import", "federation__Scope", "federation__Policy"}
}
