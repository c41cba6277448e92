package front

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// astBytesPerByte approximates how many bytes of memory the parsed and validated document
// of one byte of query text takes: measured at 10 for GraphiQL's introspection query and 28
// to 31 for the test graph's small queries, whose names are short.
const astBytesPerByte = 32

// entryOverhead approximates the fixed memory of a cache entry and of a document's smallest
// syntax tree (about 450 bytes for `{ hello }`).
const entryOverhead = 512

// checked is what parsing, the structural limits and validation made of one query text
// against one schema: a document, or the first refusal. It is shared by every request that
// sends the same text, so neither it nor its document may change once built.
type checked struct {
	schema *ast.Schema
	doc    *ast.QueryDocument // nil when parsing failed
	// parseErr, structErr and validErr are the refusals, in the order the front reports
	// them; at most one is set.
	parseErr, structErr, validErr *failure
}

// docCache keeps the outcome of checking each recent query text, so that a repeated query
// (or a repeated hostile one) is neither parsed nor validated again.
type docCache struct {
	lru *boundedLRU[*checked]

	mu     sync.Mutex
	schema *ast.Schema // the schema the entries were checked against
}

func newDocCache(entries int, maxBytes int64) *docCache {
	return &docCache{lru: newBoundedLRU[*checked](entries, maxBytes, maxBytes/8)}
}

// get returns the cached outcome for query against schema; an entry checked against
// another schema is a miss.
func (c *docCache) get(schema *ast.Schema, query string) (*checked, bool) {
	e, ok := c.lru.get(query)
	if !ok || e.schema != schema {
		return nil, false
	}
	return e, true
}

// add caches e. The first entry for a new schema drops every entry of the old one, which
// could no longer be hit and would keep the old schema alive.
func (c *docCache) add(query string, e *checked) {
	c.mu.Lock()
	if c.schema != e.schema {
		c.schema = e.schema
		c.lru.purge()
	}
	c.mu.Unlock()
	cost := int64(len(query)) + entryOverhead
	if e.parseErr == nil && e.structErr == nil && e.validErr == nil {
		cost += int64(len(query)) * astBytesPerByte
	}
	c.lru.add(query, e, cost)
}

// check parses query, applies the structural limits and validates it against schema, through
// the document cache when there is one.
func (h *handler) check(schema *ast.Schema, query string) *checked {
	if h.docs != nil {
		if e, ok := h.docs.get(schema, query); ok {
			return e
		}
	}
	e := &checked{schema: schema}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Name: "request", Input: query}, h.cfg.MaxTokens)
	switch {
	case err != nil:
		e.parseErr = h.parseFailure(err)
	default:
		e.doc = doc
		if f := h.checkStructure(doc); f != nil {
			e.structErr = f
		} else if errs := validator.ValidateWithRules(schema, doc, h.rules()); len(errs) > 0 {
			e.validErr = h.validationFailure(errs)
		}
		if e.structErr != nil || e.validErr != nil {
			// Only the refusal is reported: the document need not be kept. The GET-mutation
			// check, which comes first, needs only the operations' kinds and names.
			e.doc = &ast.QueryDocument{Operations: operationsShell(doc.Operations)}
		}
	}
	if h.docs != nil {
		h.docs.add(query, e)
	}
	return e
}

// operationsShell keeps the name and kind of each operation, for a refused document.
func operationsShell(ops ast.OperationList) ast.OperationList {
	out := make(ast.OperationList, len(ops))
	for i, op := range ops {
		out[i] = &ast.OperationDefinition{Operation: op.Operation, Name: op.Name}
	}
	return out
}
