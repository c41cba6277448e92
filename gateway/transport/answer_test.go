package transport

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// TestDecodeAnswer checks what is a GraphQL response and what is not.
func TestDecodeAnswer(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		ok         bool
		data       string // the data entry as decoded, "" for none
		errors     int
	}{
		{"data", `{"data":{"a":1}}`, true, `{"a":1}`, 0},
		{"errors", `{"errors":[{"message":"x"}]}`, true, "", 1},
		{"null data and errors", `{"data":null,"errors":[{"message":"x"}]}`, true, "", 1},
		{"data and null errors", `{"data":{},"errors":null}`, true, `{}`, 0},
		{"null data alone", `{"data":null}`, true, "", 0},
		{"lone surrogate read as encoding/json does", `{"data":{"a":"x\ud800y"}}`, true, `{"a":"x\ufffdy"}`, 0},
		{"invalid UTF-8 read as encoding/json does", "{\"data\":{\"a\":\"x\xffy\"}}", true, `{"a":"x` + "\ufffd" + `y"}`, 0},
		{"not JSON", `<html>oops</html>`, false, "", 0},
		{"truncated", `{"data":{"a":`, false, "", 0},
		{"not an object", `[1]`, false, "", 0},
		{"data of the wrong shape", `{"data":"users"}`, false, "", 0},
		{"errors not a list", `{"errors":{"message":"x"}}`, false, "", 0},
		{"an error not an object", `{"errors":["x"]}`, false, "", 0},
		{"neither data nor errors", `{}`, false, "", 0},
		{"empty errors alone", `{"errors":[]}`, false, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p fastjson.Parser
			a, err := decodeAnswer(&p, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("decodeAnswer(%s): err %v, want ok %v", tt.body, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			got := ""
			if a.Data != nil {
				got = string(a.Data.MarshalTo(nil))
			}
			// Size is the body's as decoded: a byte that is not UTF-8 became U+FFFD's three.
			size := len(strings.ToValidUTF8(tt.body, "\ufffd"))
			if got != tt.data || len(a.Errors) != tt.errors || a.Size != size {
				t.Errorf("decodeAnswer(%s): data %s, %d errors, size %d; want %s, %d, %d", tt.body, got, len(a.Errors), a.Size, tt.data, tt.errors, size)
			}
		})
	}
}
