package hashstore

import (
	"reflect"
	"testing"
)

// TestDecodeCreated reads each shape of a create script's reply, and refuses the
// malformed ones.
func TestDecodeCreated(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reply []any
		want  Created
	}{
		{"created", []any{"created", int64(7)}, Created{Outcome: "created", Pos: 7}},
		{"replay", []any{"replay", []any{"id", "User:1", "name", "Ada"}}, Created{Outcome: "replay", Record: Record{"id": "User:1", "name": "Ada"}}},
		{"replay of a record that is gone", []any{"replay", []any{}}, Created{Outcome: "replay"}},
		{"reused", []any{"reused"}, Created{Outcome: "reused"}},
		{"the store's own outcome", []any{"taken"}, Created{Outcome: "taken"}},
	} {
		got, err := DecodeCreated(tt.reply)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: DecodeCreated(%v) = %+v, %v; want %+v", tt.name, tt.reply, got, err, tt.want)
		}
	}
	for _, bad := range [][]any{
		nil,
		{int64(1)},
		{"created"},
		{"created", "7"},
		{"created", int64(7), int64(8)},
		{"replay"},
		{"replay", []any{"id"}},
		{"replay", "id"},
	} {
		if got, err := DecodeCreated(bad); err == nil {
			t.Errorf("DecodeCreated(%v) = %+v, want an error", bad, got)
		}
	}
}

// TestText reads a reply's bulk strings as they are and formats its integers.
func TestText(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{"Ada", "Ada"},
		{"", ""},
		{int64(42), "42"},
		{int64(-1), "-1"},
	} {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLookup checks that a script's Fields answer as the Record of the same hash does:
// a value by its field, an integer as text, and a field the hash lacks as absent, not
// as a value.
func TestLookup(t *testing.T) {
	fields := Fields{"id", "User:1", "pos", int64(7), "name", "", "version", "2"}
	record := Record{"id": "User:1", "pos": "7", "name": "", "version": "2"}
	for _, tt := range []struct {
		field string
		want  string
		ok    bool
	}{
		{"id", "User:1", true},
		{"pos", "7", true},
		{"name", "", true},
		{"version", "2", true},
		{"email", "", false},
		{"User:1", "", false}, // a value is no field
	} {
		for name, h := range map[string]Hash{"Fields": fields, "Record": record} {
			if got, ok := h.Lookup(tt.field); got != tt.want || ok != tt.ok {
				t.Errorf("%s.Lookup(%q) = %q, %v, want %q, %v", name, tt.field, got, ok, tt.want, tt.ok)
			}
		}
	}
	if v, err := Version(fields); v != 2 || err != nil {
		t.Errorf("Version(fields) = %d, %v, want 2", v, err)
	}
	if v, err := Version(Fields{"id", "User:1"}); v != 1 || err != nil {
		t.Errorf("Version of a record without one = %d, %v, want 1", v, err)
	}
}
