package front

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestResultEncodedOnce checks that a Result answering several requests (a shared
// execution's waiters) is encoded once, into the bytes a response built field by field
// would write, and that every request gets those same bytes.
func TestResultEncodedOnce(t *testing.T) {
	res := &Result{
		Data:       []byte(`{"product":{"id":"1"}}`),
		Errors:     gqlerror.List{{Message: "owner unavailable", Path: ast.Path{ast.PathName("product"), ast.PathName("owner")}}},
		Extensions: map[string]any{"queryPlan": "plan"},
	}
	want, err := response{HasData: true, Data: res.Data, Errors: res.Errors, Extensions: res.Extensions}.appendTo(nil)
	if err != nil {
		t.Fatal(err)
	}

	const requests = 8
	bodies := make([][]byte, requests)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() {
			b, err := resultResponse(res).appendTo(nil)
			if err != nil {
				t.Error(err)
			}
			bodies[i] = b
		})
	}
	wg.Wait()
	for i, b := range bodies {
		if string(b) != string(want) {
			t.Fatalf("request %d got %s, want %s", i, b, want)
		}
		if unsafe.SliceData(b) != unsafe.SliceData(bodies[0]) {
			t.Errorf("request %d got an encoding of its own, want the one shared", i)
		}
	}

	// Appended to a batch's buffer, it is copied after what the buffer holds.
	batch, err := resultResponse(res).appendTo([]byte("["))
	if err != nil || string(batch) != "["+string(want) {
		t.Errorf("appended to a batch: %s, %v; want [%s", batch, err, want)
	}
}
