package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// canonical re-encodes the JSON value in b compactly, its objects' keys in the order
// they came (encoding/json's maps would sort them, and the order is part of the
// answer), strings without HTML escaping and numbers by value, so that two encodings
// of the same answer compare equal as strings. Empty input gives "".
func canonical(b []byte) (string, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return "", nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out strings.Builder
	if err := writeValue(dec, &out); err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("more than one JSON value")
	}
	return out.String(), nil
}

func writeValue(dec *json.Decoder, out *strings.Builder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case json.Delim:
		out.WriteString(tok.String())
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			if tok == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				out.WriteString(quote(k.(string)) + ":")
			}
			if err := writeValue(dec, out); err != nil {
				return err
			}
		}
		end, err := dec.Token()
		if err != nil {
			return err
		}
		out.WriteString(end.(json.Delim).String())
	case string:
		out.WriteString(quote(tok))
	case json.Number:
		f, err := tok.Float64()
		if err != nil {
			return err
		}
		out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case bool:
		out.WriteString(strconv.FormatBool(tok))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
