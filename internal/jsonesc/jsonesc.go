// Package jsonesc gives JSON string escapes one meaning at every hop. encoding/json (the
// subgraphs' decoder, gqlgen's) reads an unpaired UTF-16 surrogate escape such as
// \ud800 as U+FFFD; fastjson (the gateway's, for speed) keeps such an escape as its six
// characters of text, so that "x\ud800y" sent through the gateway was stored with a real
// backslash while the same request straight to a subgraph stored "x\uFFFDy". Likewise
// encoding/json reads each byte that is not UTF-8 as U+FFFD, and fastjson keeps it. The
// gateway passes every JSON text it reads (a client's request, a subgraph's answer)
// through Normalize before parsing it, so that every decoder reads what encoding/json
// reads.
package jsonesc

import (
	"bytes"
	"unicode/utf8"
)

// Normalize returns the valid JSON text b with the meaning encoding/json gives it spelled
// so that no decoder can read it otherwise: each byte that is not part of valid UTF-8
// becomes U+FFFD (in a copy; rare), and ReplaceLoneSurrogates rewrites b's escapes in
// place.
func Normalize(b []byte) []byte {
	if !utf8.Valid(b) {
		b = replaceInvalidUTF8(b)
	}
	ReplaceLoneSurrogates(b)
	return b
}

// replaceInvalidUTF8 returns a copy of b with each byte that does not start a valid
// UTF-8 sequence replaced by U+FFFD, as encoding/json's decoder does (one replacement
// per byte, where bytes.ToValidUTF8 gives one per run).
func replaceInvalidUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/2)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// ReplaceLoneSurrogates rewrites in place, in the valid JSON text b, every \u escape of
// a surrogate that is not the first half of a pair followed by the second, or the second
// half of such a pair, as \ufffd: the same six bytes, so nothing moves. A pair is kept.
// It reports whether it changed anything. b must be valid JSON: outside a string, a
// backslash never occurs, and inside one every backslash starts an escape.
func ReplaceLoneSurrogates(b []byte) bool {
	changed := false
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 {
			return changed
		}
		i += j
		if i+1 >= len(b) {
			return changed
		}
		if b[i+1] != 'u' {
			i += 2 // \" \\ \/ \b \f \n \r \t
			continue
		}
		r, ok := hex4(b, i+2)
		if !ok {
			i += 2 // not valid JSON; leave it to the parser
			continue
		}
		switch {
		case r < 0xd800 || r > 0xdfff:
			i += 6
		case r <= 0xdbff && i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' && isLow(b, i+8):
			i += 12 // a pair
		default:
			copy(b[i:i+6], `\ufffd`)
			changed = true
			i += 6
		}
	}
}

func isLow(b []byte, at int) bool {
	r, ok := hex4(b, at)
	return ok && r >= 0xdc00 && r <= 0xdfff
}

// hex4 reads the four hex digits at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// AppendString appends s as a JSON string, escaped as AppendEscaped does.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s)
	return append(dst, '"')
}

// AppendEscaped appends s escaped for the inside of a JSON string; invalid UTF-8
// becomes U+FFFD.
func AppendEscaped(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
