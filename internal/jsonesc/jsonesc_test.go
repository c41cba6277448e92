package jsonesc_test

import (
	"encoding/json"
	"testing"

	"github.com/fedgraph/fedgraph/internal/jsonesc"
	"github.com/valyala/fastjson"
)

// agree checks that after ReplaceLoneSurrogates fastjson reads the JSON string text as
// encoding/json reads it before, and that encoding/json reads it the same after.
func agree(t *testing.T, text string) {
	t.Helper()
	var want string
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		return // not a JSON string
	}
	b := jsonesc.Normalize([]byte(text))
	var again string
	if err := json.Unmarshal(b, &again); err != nil || again != want {
		t.Errorf("%s: encoding/json reads %q after, %q before (%v)", text, again, want, err)
	}
	v, err := fastjson.ParseBytes(b)
	if err != nil {
		t.Fatalf("%s: fastjson: %v", b, err)
	}
	if got := string(v.GetStringBytes()); got != want {
		t.Errorf("%s: fastjson reads %q, encoding/json %q", text, got, want)
	}
}

func TestReplaceLoneSurrogates(t *testing.T) {
	for _, c := range []struct {
		in, out string
	}{
		{`"plain"`, `"plain"`},
		{`"x\ud800y"`, `"x\ufffdy"`},
		{`"x\udc00y"`, `"x\ufffdy"`},
		{`"\uD800"`, `"\ufffd"`},
		{`"\ud800\u0041"`, `"\ufffd\u0041"`},
		{`"\ud800\ud83d\ude00"`, `"\ufffd\ud83d\ude00"`},
		{`"\ude00\ud83d"`, `"\ufffd\ufffd"`},
		{`"\ud83d\ude00"`, `"\ud83d\ude00"`},
		{`"\\ud800"`, `"\\ud800"`},
		{`"\\\ud800"`, `"\\\ufffd"`},
		{`"\ud800\n"`, `"\ufffd\n"`},
		{`{"\ud800":["\udfff",1,"\u00e9"]}`, `{"\ufffd":["\ufffd",1,"\u00e9"]}`},
	} {
		if got := string(jsonesc.Normalize([]byte(c.in))); got != c.out {
			t.Errorf("Normalize(%s) = %s, want %s", c.in, got, c.out)
		}
		b := []byte(c.in)
		changed := jsonesc.ReplaceLoneSurrogates(b)
		if string(b) != c.out || changed != (c.in != c.out) {
			t.Errorf("%s: got %s (changed %v), want %s", c.in, b, changed, c.out)
		}
		agree(t, c.in)
	}
}

func TestNormalizeUTF8(t *testing.T) {
	for _, in := range []string{"\"x\xffy\"", "\"\xe3\x81\"", "\"\xed\xa0\x80\"", "\"caf\xc3\xa9\""} {
		agree(t, in)
	}
}

// FuzzAgree checks that fastjson, after ReplaceLoneSurrogates, reads every JSON string
// as encoding/json does.
func FuzzAgree(f *testing.F) {
	for _, s := range []string{"\"\xe3\"", `"x\ud800y"`, `"\ud83d\ude00"`, `"\\ud800"`, `"\ud800\ud800\udc00"`, `"\udbff\udfff"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		agree(t, s)
	})
}
