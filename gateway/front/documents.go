package front

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Persisted documents (also called trusted documents or an operation safelist) are the
// operations a team's clients were built with, listed ahead of time by the build that
// made them. A client then sends a document's id instead of its text, and the gateway can
// refuse every operation that is not listed: nobody can run a query the clients do not
// send.
//
// A client names a document in either of the two ways clients do:
//
//   - the documentId request parameter (POST body or GET query string), as Hive Gateway,
//     Relay and GraphQL Code Generator's client preset send it;
//   - extensions.persistedQuery.sha256Hash without a query, as Apollo Client's
//     persisted query link sends it, looked up in the list first and then among the
//     automatic persisted queries (apq.go) unless the mode forbids those.
//
// The list is read from a file at start, in either format those tools write:
//
//   - Apollo's persisted query manifest (@apollo/generate-persisted-query-manifest):
//     {"format": "apollo-persisted-query-manifest", "version": 1,
//     "operations": [{"id": …, "name": …, "type": …, "body": …}, …]};
//   - a JSON object of id to document text (Relay's persisted queries, GraphQL Code
//     Generator's persisted-documents.json).
//
// The mode says what happens to an operation sent as text:
//
//   - allow: it runs as usual; the list only saves clients from sending the text;
//   - safelist: it runs only when its text is, byte for byte, a listed document's
//     (PERSISTED_QUERY_NOT_IN_LIST otherwise), and automatic persisted queries register
//     nothing;
//   - require-id: it never runs (PERSISTED_QUERY_ID_REQUIRED); only ids do.
//
// Apollo Router's safelisting has the same three settings and the same codes.

// The persisted documents modes (Config.PersistedDocumentsMode).
const (
	DocumentsAllow     = "allow"
	DocumentsSafelist  = "safelist"
	DocumentsRequireID = "require-id"
)

// maxDocumentIDBytes bounds a document id, in the list and in a request.
const maxDocumentIDBytes = 256

// Documents is a list of persisted documents, read-only once built.
type Documents struct {
	byID   map[string]string   // id → document text
	bodies map[string]struct{} // the listed texts, for safelisting
}

// LoadDocuments reads a persisted documents file (see ParseDocuments).
func LoadDocuments(path string) (*Documents, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("persisted documents: %w", err)
	}
	d, err := ParseDocuments(b)
	if err != nil {
		return nil, fmt.Errorf("persisted documents %s: %w", path, err)
	}
	return d, nil
}

// ParseDocuments reads a list in either format, and refuses it whole if any entry is
// wrong: an empty or over-long id, an id given twice with different texts, a text that
// does not parse as a GraphQL document, or no document at all. Every problem is reported,
// up to ten.
func ParseDocuments(b []byte) (*Documents, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, errors.New("not a JSON object: want an Apollo persisted query manifest or an object of id to document")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	type entry struct{ id, body string }
	var entries []entry
	if raw, ok := top["format"]; ok {
		var m struct {
			Format     string `json:"format"`
			Version    int    `json:"version"`
			Operations []struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			} `json:"operations"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if m.Format != "apollo-persisted-query-manifest" {
			return nil, fmt.Errorf("manifest format %s is not apollo-persisted-query-manifest", raw)
		}
		if m.Version != 1 {
			return nil, fmt.Errorf("manifest version %d: only version 1 is known", m.Version)
		}
		for _, op := range m.Operations {
			entries = append(entries, entry{op.ID, op.Body})
		}
	} else {
		ids := make([]string, 0, len(top))
		for id := range top {
			ids = append(ids, id)
		}
		slices.Sort(ids) // a stable order for the errors
		for _, id := range ids {
			var body string
			if err := json.Unmarshal(top[id], &body); err != nil {
				return nil, fmt.Errorf("document %q: its value must be the document's text (a string)", clipID(id))
			}
			entries = append(entries, entry{id, body})
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("no documents")
	}
	d := &Documents{byID: make(map[string]string, len(entries)), bodies: make(map[string]struct{}, len(entries))}
	var errs []error
	fail := func(format string, args ...any) {
		if len(errs) < 10 {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	for i, e := range entries {
		switch {
		case !validDocumentID(e.id):
			fail("document %d: id %q must be 1 to %d printable characters", i+1, clipID(e.id), maxDocumentIDBytes)
			continue
		case strings.TrimSpace(e.body) == "":
			fail("document %q: empty text", clipID(e.id))
			continue
		}
		if prev, ok := d.byID[e.id]; ok {
			if prev != e.body {
				fail("document %q: listed twice with different texts", clipID(e.id))
			}
			continue
		}
		if _, err := parser.ParseQuery(&ast.Source{Input: e.body}); err != nil {
			fail("document %q: %v", clipID(e.id), err)
			continue
		}
		d.byID[e.id] = e.body
		d.bodies[e.body] = struct{}{}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

// Len is how many documents the list holds.
func (d *Documents) Len() int { return len(d.byID) }

func (d *Documents) lookup(id string) (string, bool) {
	if d == nil {
		return "", false
	}
	q, ok := d.byID[id]
	return q, ok
}

func (d *Documents) listed(body string) bool {
	if d == nil {
		return false
	}
	_, ok := d.bodies[body]
	return ok
}

// validDocumentID: 1 to maxDocumentIDBytes bytes, none of them a space or a control
// character.
func validDocumentID(id string) bool {
	if id == "" || len(id) > maxDocumentIDBytes {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// clipID keeps an id short enough for a start-up error.
func clipID(id string) string {
	if len(id) > 80 {
		return id[:80] + "…"
	}
	return id
}
