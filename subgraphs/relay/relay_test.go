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
	for _, pos := range []int64{0, 1, 42, 1 << 40} {
		got, err := c.Decode(c.Encode(pos))
		if err != nil || got != pos {
			t.Errorf("Decode(Encode(%d)) = %d, %v", pos, got, err)
		}
	}
	good := c.Encode(7)
	tampered := []byte(good)
	tampered[3] ^= 1
	for _, bad := range []string{"", "abc", "!!!!", good + "A", string(tampered), other.Encode(7)} {
		if _, err := c.Decode(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("Decode(%q) error = %v, want ErrBadCursor", bad, err)
		}
	}
	if _, err := NewCursors(""); err == nil {
		t.Error("NewCursors(\"\") succeeded, want error")
	}
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
