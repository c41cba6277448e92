package hashstore

import (
	"reflect"
	"testing"
)

// TestDecodeCreated reads each shape of a create script's reply, and refuses the
// malformed ones.
func TestDecodeCreated(t *testing.T) {
	f := NewFields("id", "name")
	for _, tt := range []struct {
		name  string
		reply []any
		want  Created
	}{
		{"created", []any{"created", int64(7)}, Created{Outcome: "created", Pos: 7}},
		{"replay", []any{"replay", []any{"id", "User:1", "name", "Ada"}}, Created{Outcome: "replay", Record: f.Record(map[string]string{"id": "User:1", "name": "Ada"})}},
		{"replay of a record that is gone", []any{"replay", []any{}}, Created{Outcome: "replay"}},
		{"reused", []any{"reused"}, Created{Outcome: "reused"}},
		{"the store's own outcome", []any{"taken"}, Created{Outcome: "taken"}},
	} {
		got, err := DecodeCreated(f, tt.reply)
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
		if got, err := DecodeCreated(f, bad); err == nil {
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

// TestVersion reads a record's version, and a record stored before versions existed
// as version 1.
func TestVersion(t *testing.T) {
	f := NewFields("id", "version")
	if v, err := Version(f.Record(map[string]string{"id": "User:1", "version": "2"})); v != 2 || err != nil {
		t.Errorf("Version = %d, %v, want 2", v, err)
	}
	if v, err := Version(f.Record(map[string]string{"id": "User:1"})); v != 1 || err != nil {
		t.Errorf("Version of a record without one = %d, %v, want 1", v, err)
	}
	for _, bad := range []string{"0", "-1", "x", " "} {
		if _, err := Version(f.Record(map[string]string{"id": "User:1", "version": bad})); err == nil {
			t.Errorf("Version(%q) = nil error, want one", bad)
		}
	}
}
