// Package relay implements the contracts both subgraphs share with their clients:
// global ids that carry their type, cursors that only this server issues, each for one
// list, and the bounds of a page.
package relay

import (
	"bytes"
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

// A List names the list that a connection pages through: the connection's type and
// what chooses its items, such as "ProductConnection products ownerId=User:…". Each
// cursor is bound to the list it was issued for, so that a cursor of one list is
// refused by every other: a users cursor is no position in the products.
type List string

// NewList returns the List of the connection type connection over the items that
// filters choose (name=value strings, in a fixed order), for example
// NewList("ProductConnection", "products", "ownerId="+id).
func NewList(connection string, filters ...string) List {
	return List(strings.Join(append([]string{connection}, filters...), " "))
}

// Cursors encodes and checks cursors. A cursor is a position in a creation-order
// index and the list it belongs to, signed with the server's secret, so a client can
// neither forge nor edit one, nor move one to another list, and every replica that
// shares the secret accepts the cursors of the others.
type Cursors struct {
	secret []byte
}

// ErrForeignCursor reports a cursor that this server issued for another list.
var ErrForeignCursor = errors.New("cursor belongs to another list")

// NewCursors returns a Cursors signing with secret, which must not be empty.
func NewCursors(secret string) (*Cursors, error) {
	if secret == "" {
		return nil, errors.New("relay: empty cursor secret")
	}
	return &Cursors{secret: []byte(secret)}, nil
}

// A cursor is its version, the first bytes of the SHA-256 of its list (so that a cursor
// of another list can be told from a forged one), the position, and a MAC of all three.
const (
	cursorVersion = 2
	listLen       = 8
	posAt         = 1 + listLen
	macAt         = posAt + 8
	macLen        = 12
	cursorLen     = macAt + macLen
)

// Encode returns the cursor of the item at position pos of list.
func (c *Cursors) Encode(list List, pos int64) string {
	var b [cursorLen]byte
	b[0] = cursorVersion
	tag := listTag(list)
	copy(b[1:posAt], tag[:])
	binary.BigEndian.PutUint64(b[posAt:macAt], uint64(pos))
	copy(b[macAt:], c.mac(b[:macAt]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Position is an item's place in a list. Its cursor is signed when it is asked for
// (Cursor), so that a page whose cursors no query selects signs none.
type Position struct {
	cursors *Cursors
	list    List
	pos     int64
}

// At returns the Position of the item at position pos of list.
func (c *Cursors) At(list List, pos int64) Position {
	return Position{cursors: c, list: list, pos: pos}
}

// Cursor returns the position's cursor, as Encode does.
func (p Position) Cursor() string { return p.cursors.Encode(p.list, p.pos) }

// Decode returns the position in list that a cursor stands for: ErrBadCursor when this
// server did not issue it (forged, edited, of another secret or an older version), and
// ErrForeignCursor when it did, for another list.
func (c *Cursors) Decode(list List, cursor string) (int64, error) {
	// Strict: a cursor has one spelling, so that no edit of its last character passes.
	b, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion || !hmac.Equal(b[macAt:], c.mac(b[:macAt])) {
		return 0, ErrBadCursor
	}
	if tag := listTag(list); !bytes.Equal(b[1:posAt], tag[:]) {
		return 0, ErrForeignCursor
	}
	pos := int64(binary.BigEndian.Uint64(b[posAt:macAt]))
	if pos < 0 {
		return 0, ErrBadCursor
	}
	return pos, nil
}

func listTag(list List) [listLen]byte {
	sum := sha256.Sum256([]byte(list))
	return [listLen]byte(sum[:listLen])
}

func (c *Cursors) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.secret)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}
