package relay

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckID(t *testing.T) {
	user := NewID("User")
	product := NewID("Product")
	tests := []struct {
		name, id, typ string
		wantErr       bool
	}{
		{"own type", user, "User", false},
		{"foreign type", product, "User", true},
		{"empty", "", "User", true},
		{"no colon", "User", "User", true},
		{"not a uuid", "User:123", "User", true},
		{"braced uuid", "User:{" + strings.TrimPrefix(user, "User:") + "}", "User", true},
		{"upper-case uuid", "User:" + strings.ToUpper(strings.TrimPrefix(user, "User:")), "User", true},
		{"hash in type", "Us#er:" + strings.TrimPrefix(user, "User:"), "User", true},
		{"long junk", strings.Repeat("x", 10000), "User", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckID(tt.id, tt.typ)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckID(%q, %q) = %v, want error %v", tt.id, tt.typ, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadID) {
				t.Errorf("CheckID error %v does not wrap ErrBadID", err)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("error message is %d bytes long; want it clipped", len(err.Error()))
			}
		})
	}
}

func TestNewIDSortsByCreation(t *testing.T) {
	a, b := NewID("User"), NewID("User")
	if strings.Contains(a, "#") {
		t.Fatalf("id %q contains '#'", a)
	}
	if typ, err := TypeOf(a); err != nil || typ != "User" {
		t.Fatalf("TypeOf(%q) = %q, %v", a, typ, err)
	}
	if a >= b {
		t.Errorf("ids not increasing: %q then %q", a, b)
	}
}

func TestCursors(t *testing.T) {
	c, err := NewCursors("secret")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewCursors("other secret")
	users := NewList("UserConnection", "users")
	products := NewList("ProductConnection", "products")
	ada := NewList("ProductConnection", "products", "ownerId=User:0190f3a0-0000-7000-8000-00000000000a")
	bob := NewList("ProductConnection", "products", "ownerId=User:0190f3a0-0000-7000-8000-00000000000b")
	for _, list := range []List{users, products, ada} {
		for _, pos := range []int64{0, 1, 42, 1 << 40} {
			got, err := c.Decode(list, c.Encode(list, pos))
			if err != nil || got != pos {
				t.Errorf("Decode(%q, Encode(%d)) = %d, %v", list, pos, got, err)
			}
		}
	}
	good := c.Encode(products, 7)
	tampered := []byte(good)
	tampered[3] ^= 1
	// What version 1 cursors looked like: a position and a MAC, bound to no list.
	v1 := "AQAAAAAAAAAHAAAAAAAAAAAAAAAA"
	for _, tt := range []struct {
		name, cursor string
		list         List
		want         error
	}{
		{"empty", "", products, ErrBadCursor},
		{"too short", "abc", products, ErrBadCursor},
		{"not base64url", "!!!!", products, ErrBadCursor},
		{"one byte more", good + "A", products, ErrBadCursor},
		{"tampered", string(tampered), products, ErrBadCursor},
		{"another secret", other.Encode(products, 7), products, ErrBadCursor},
		{"version 1", v1, products, ErrBadCursor},
		{"a users cursor on products", c.Encode(users, 7), products, ErrForeignCursor},
		{"a products cursor on users", good, users, ErrForeignCursor},
		{"an owner's cursor on all products", c.Encode(ada, 7), products, ErrForeignCursor},
		{"all products' cursor on an owner's", good, ada, ErrForeignCursor},
		{"one owner's cursor on another's", c.Encode(ada, 7), bob, ErrForeignCursor},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Decode(tt.list, tt.cursor); !errors.Is(err, tt.want) {
				t.Errorf("Decode(%q, %q) error = %v, want %v", tt.list, tt.cursor, err, tt.want)
			}
		})
	}
	if c.Encode(users, 7) == c.Encode(products, 7) {
		t.Error("the 7th user and the 7th product have one cursor")
	}
	if _, err := NewCursors(""); err == nil {
		t.Error("NewCursors(\"\") succeeded, want error")
	}
}

// FuzzDecodeCursor checks that whatever a client sends as a cursor is refused or names a
// position of its own list, and that Decode never panics.
func FuzzDecodeCursor(f *testing.F) {
	c, _ := NewCursors("secret")
	list := NewList("UserConnection", "users")
	f.Add(c.Encode(list, 3))
	f.Add(c.Encode(NewList("ProductConnection", "products"), 3))
	f.Add("")
	f.Add("AQAAAAAAAAAHAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, cursor string) {
		pos, err := c.Decode(list, cursor)
		if err == nil && (pos < 0 || c.Encode(list, pos) != cursor) {
			t.Fatalf("Decode(%q) = %d, which is not the position of that cursor", cursor, pos)
		}
	})
}

func TestCheckFirst(t *testing.T) {
	for _, tt := range []struct {
		first int
		ok    bool
	}{{0, false}, {1, true}, {100, true}, {101, false}, {-5, false}} {
		if err := CheckFirst(tt.first); (err == nil) != tt.ok {
			t.Errorf("CheckFirst(%d) = %v, want ok %v", tt.first, err, tt.ok)
		}
	}
}

func FuzzTypeOf(f *testing.F) {
	f.Add(NewID("User"))
	f.Add("Product:")
	f.Add(":::")
	f.Fuzz(func(t *testing.T, id string) {
		typ, err := TypeOf(id)
		if err == nil && !strings.HasPrefix(id, typ+":") {
			t.Fatalf("TypeOf(%q) = %q, which does not prefix the id", id, typ)
		}
	})
}
