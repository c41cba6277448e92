package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// selection is one field of a query's selection set: the key it answers under and the
// fields selected below it (none for a leaf, whose value is not looked into: a Money is
// a JSON object).
type selection struct {
	key      string
	children []selection
}

// selections caches the parsed selection sets of the few queries the workloads send.
type selections struct {
	mu sync.Mutex
	m  map[string][]selection
}

// of returns the selection set of query's first operation. The workloads' queries use
// neither fragments nor directives, so fields are all there is.
func (s *selections) of(query string) ([]selection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sel, ok := s.m[query]; ok {
		return sel, nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, err
	}
	if len(doc.Operations) == 0 {
		return nil, fmt.Errorf("no operation in %q", query)
	}
	sel := fieldsOf(doc.Operations[0].SelectionSet)
	if s.m == nil {
		s.m = map[string][]selection{}
	}
	s.m[query] = sel
	return sel, nil
}

func fieldsOf(set ast.SelectionSet) []selection {
	var out []selection
	for _, s := range set {
		if f, ok := s.(*ast.Field); ok {
			out = append(out, selection{key: f.Alias, children: fieldsOf(f.SelectionSet)})
		}
	}
	return out
}

// inSelectionOrder reports whether every object in data has exactly the keys sel
// asks for, in the order it asks for them, as the GraphQL spec says a response should.
// nautilus orders keys as a Go map does (sorted); such answers are tallied, not
// counted as errors.
func inSelectionOrder(data json.RawMessage, sel []selection) (bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	ok, err := walkOrdered(dec, sel)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return ok, err
}

func walkOrdered(dec *json.Decoder, sel []selection) (bool, error) {
	if sel == nil { // a leaf: whatever its value, skip it
		var skip json.RawMessage
		return true, dec.Decode(&skip)
	}
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	switch tok {
	case json.Delim('['):
		ordered := true
		for dec.More() {
			ok, err := walkOrdered(dec, sel)
			if err != nil {
				return false, err
			}
			ordered = ordered && ok
		}
		_, err := dec.Token() // ']'
		return ordered, err
	case json.Delim('{'):
		ordered, next, seen := true, 0, 0
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return false, err
			}
			key, _ := kt.(string)
			i := indexOf(sel, key)
			if i < next {
				ordered = false // out of order, repeated or not asked for
			}
			var children []selection
			if i >= 0 {
				next, seen = i+1, seen+1
				children = sel[i].children
			}
			ok, err := walkOrdered(dec, children)
			if err != nil {
				return false, err
			}
			ordered = ordered && ok
		}
		_, err := dec.Token() // '}'
		return ordered && seen == len(sel), err
	default: // null or a scalar where an object was selected: the shape check's business
		return true, nil
	}
}

func indexOf(sel []selection, key string) int {
	for i, s := range sel {
		if s.key == key {
			return i
		}
	}
	return -1
}
