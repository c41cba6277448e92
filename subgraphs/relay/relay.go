// Package relay implements the contracts both subgraphs share with their clients:
// global ids that carry their type, cursors that only this server issues, and the
// bounds of a page.
package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Page bounds shared by every connection field.
const (
	MinFirst     = 1
	MaxFirst     = 100
	DefaultFirst = 20
)

// ErrBadID reports an id that is not a global id of the wanted type.
var ErrBadID = errors.New("malformed id")

// ErrBadCursor reports a cursor that this server did not issue.
var ErrBadCursor = errors.New("cursor was not issued by this server")

// NewID returns a fresh global id for typ: the type name, a colon and a version 7
// UUID, so ids sort by creation time and never contain '#', which the gateway
// reserves.
func NewID(typ string) string {
	return typ + ":" + uuid.Must(uuid.NewV7()).String()
}

// TypeOf returns the type name a well-formed global id carries, or ErrBadID.
func TypeOf(id string) (string, error) {
	typ, rest, ok := strings.Cut(id, ":")
	if !ok || typ == "" {
		return "", fmt.Errorf("%w: %q is not of the form Type:uuid", ErrBadID, clip(id))
	}
	for _, r := range typ {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "", fmt.Errorf("%w: %q is not of the form Type:uuid", ErrBadID, clip(id))
		}
	}
	u, err := uuid.Parse(rest)
	// uuid.Parse also takes braces and urn: forms; only the canonical one is an id.
	if err != nil || u.String() != rest {
		return "", fmt.Errorf("%w: %q is not of the form Type:uuid", ErrBadID, clip(id))
	}
	return typ, nil
}

// CheckID returns nil when id is a well-formed global id of type typ. A well-formed
// id of another type is an error too: it names something this field cannot hold.
func CheckID(id, typ string) error {
	got, err := TypeOf(id)
	if err != nil {
		return err
	}
	if got != typ {
		return fmt.Errorf("%w: %q is a %s id, want a %s id", ErrBadID, clip(id), got, typ)
	}
	return nil
}

// clip keeps error messages short whatever a client sends.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// CheckFirst returns an error unless first is within MinFirst..MaxFirst.
func CheckFirst(first int) error {
	if first < MinFirst || first > MaxFirst {
		return fmt.Errorf("first must be between %d and %d, got %d", MinFirst, MaxFirst, first)
	}
	return nil
}

// Cursors encodes and checks cursors. A cursor is a position in a creation-order
// index signed with the server's secret, so a client cannot forge or edit one, and
// every replica that shares the secret accepts the cursors of the others.
type Cursors struct {
	secret []byte
}

// NewCursors returns a Cursors signing with secret, which must not be empty.
func NewCursors(secret string) (*Cursors, error) {
	if secret == "" {
		return nil, errors.New("relay: empty cursor secret")
	}
	return &Cursors{secret: []byte(secret)}, nil
}

const (
	cursorVersion = 1
	macLen        = 12
	cursorLen     = 1 + 8 + macLen
)

// Encode returns the cursor of the item at position pos of an index.
func (c *Cursors) Encode(pos int64) string {
	var b [cursorLen]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(pos))
	copy(b[9:], c.mac(b[:9]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Decode returns the position a cursor stands for, or ErrBadCursor.
func (c *Cursors) Decode(cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion || !hmac.Equal(b[9:], c.mac(b[:9])) {
		return 0, ErrBadCursor
	}
	pos := int64(binary.BigEndian.Uint64(b[1:9]))
	if pos < 0 {
		return 0, ErrBadCursor
	}
	return pos, nil
}

func (c *Cursors) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.secret)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}
