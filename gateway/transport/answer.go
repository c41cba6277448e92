package transport

import (
	"errors"
	"fmt"

	"github.com/valyala/fastjson"

	"github.com/fedgraph/fedgraph/internal/jsonesc"
)

// Answer is one decoded subgraph response. Its values belong to a pooled parser and stay
// valid until Release; the executor releases every answer of a request once the client's
// response is written.
type Answer struct {
	parser *fastjson.Parser
	pool   *fastjson.ParserPool // where parser goes back
	// Data is the data entry, an object, or nil when the subgraph sent null or none.
	Data *fastjson.Value
	// Errors are the entries of the errors list, each an object.
	Errors []*fastjson.Value
	// Size is the body's length.
	Size int
}

// Release returns the answer's parser to its pool: its values are dead from then on.
// It may be called on a nil answer, and more than once.
func (a *Answer) Release() {
	if a != nil && a.parser != nil {
		a.pool.Put(a.parser)
		a.parser = nil
	}
}

// appendResponse appends a GraphQL response of a's data and errors as the subgraph sent
// them, for the callers that shared a's request (Config.Dedup) to decode for themselves:
// the first caller's executor goes on to change a's values. fastjson writes back verbatim
// every key and string it has not unescaped, and decodeAnswer reads nothing under data
// or inside an error, so the text is the subgraph's own (as jsonesc normalised it). It
// must be called before the answer is read further.
func (a *Answer) appendResponse(dst []byte) []byte {
	dst = append(dst, `{"data":`...)
	if a.Data == nil {
		dst = append(dst, "null"...)
	} else {
		dst = a.Data.MarshalTo(dst)
	}
	if len(a.Errors) > 0 {
		dst = append(dst, `,"errors":[`...)
		for i, e := range a.Errors {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.MarshalTo(dst)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// decodeBody decodes an answer's body with a pooled parser, which copies it: the body
// can be reused as soon as this returns.
func (c *Client) decodeBody(status int, body []byte) (*Answer, error) {
	p := c.parsers.Get()
	a, err := decodeAnswer(p, body)
	if err != nil {
		c.parsers.Put(p)
		return nil, fmt.Errorf("status %d: %w", status, err)
	}
	a.pool = &c.parsers
	return a, nil
}

// decodeAnswer parses a GraphQL response: an object with a data entry (object or null)
// and/or an errors entry (a list of objects), at least one of them. Its strings mean what
// encoding/json reads (jsonesc.Normalize rewrites body, which the caller owns): a lone
// surrogate escape or a byte that is not UTF-8 reaches the client as U+FFFD, never
// passed through to be read otherwise.
func decodeAnswer(p *fastjson.Parser, body []byte) (*Answer, error) {
	body = jsonesc.Normalize(body)
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("undecodable body: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("response is a JSON %s, not an object", v.Type())
	}
	a := &Answer{parser: p, Size: len(body)}
	data := v.Get("data")
	switch {
	case data == nil || data.Type() == fastjson.TypeNull:
	case data.Type() == fastjson.TypeObject:
		a.Data = data
	default:
		return nil, fmt.Errorf("data is a JSON %s", data.Type())
	}
	if errs := v.Get("errors"); errs != nil && errs.Type() != fastjson.TypeNull {
		list, err := errs.Array()
		if err != nil {
			return nil, errors.New("errors is not a list")
		}
		for _, e := range list {
			if e.Type() != fastjson.TypeObject {
				return nil, errors.New("an error is not an object")
			}
		}
		a.Errors = list
	}
	if data == nil && len(a.Errors) == 0 {
		return nil, errors.New("neither data nor errors")
	}
	return a, nil
}
