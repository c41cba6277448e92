package metrics

import (
	"fmt"
	"strings"
	"testing"
)

func TestOperationsBounded(t *testing.T) {
	var o Operations
	if got := o.Label(""); got != "anonymous" {
		t.Errorf("anonymous: got %q", got)
	}
	long := strings.Repeat("x", 100)
	if got := o.Label(long); got != long[:MaxOperationLength] {
		t.Errorf("long name: got %q", got)
	}
	for i := range MaxOperations * 2 {
		o.Label(fmt.Sprintf("Op%d", i))
	}
	if got := o.Label("Op5"); got != "Op5" {
		t.Errorf("an early name: got %q, want it kept", got)
	}
	if got := o.Label("NewAfterTheBound"); got != "other" {
		t.Errorf("a new name beyond the bound: got %q, want other", got)
	}
	if n := len(o.seen); n != MaxOperations {
		t.Errorf("names kept: got %d, want %d", n, MaxOperations)
	}
}
