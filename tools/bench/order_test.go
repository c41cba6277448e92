package main

import (
	"encoding/json"
	"testing"
)

func TestInSelectionOrder(t *testing.T) {
	const query = `query($id: ID!) { product(id: $id) { id name price owner { name email } } }`
	tests := []struct {
		name    string
		data    string
		want    bool
		wantErr string
	}{
		{"in order", `{"product":{"id":"P","name":"n","price":{"currency":"USD","amount":"1"},"owner":{"name":"A","email":"a@x"}}}`, true, ""},
		{"a leaf object is not looked into", `{"product":{"id":"P","name":"n","price":{"z":1,"a":2},"owner":{"name":"A","email":"a@x"}}}`, true, ""},
		{"null object", `{"product":null}`, true, ""},
		{"null owner", `{"product":{"id":"P","name":"n","price":null,"owner":null}}`, true, ""},
		{"sorted as a Go map", `{"product":{"id":"P","name":"n","owner":{"email":"a@x","name":"A"},"price":{"amount":"1"}}}`, false, ""},
		{"nested out of order", `{"product":{"id":"P","name":"n","price":1,"owner":{"email":"a@x","name":"A"}}}`, false, ""},
		{"a key not asked for", `{"product":{"id":"P","name":"n","price":1,"owner":{"id":"U","name":"A","email":"a@x"}}}`, false, ""},
		{"a key missing", `{"product":{"id":"P","price":1,"owner":{"name":"A","email":"a@x"}}}`, false, ""},
		{"truncated", `{"product":{"id":"P"`, false, "EOF"},
	}
	var s selections
	sel, err := s.of(query)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inSelectionOrder(json.RawMessage(tt.data), sel)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("inSelectionOrder = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInSelectionOrderLists(t *testing.T) {
	var s selections
	sel, err := s.of(`{ products(first: 2) { edges { node { id owner { id name } } } } }`)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"products":{"edges":[{"node":{"id":"1","owner":{"id":"U","name":"A"}}},{"node":{"id":"2","owner":{"id":"U","name":"A"}}}]}}`
	bad := `{"products":{"edges":[{"node":{"id":"1","owner":{"id":"U","name":"A"}}},{"node":{"owner":{"id":"U","name":"A"},"id":"2"}}]}}`
	if ok, err := inSelectionOrder(json.RawMessage(good), sel); !ok || err != nil {
		t.Errorf("ordered list = %v, %v; want true", ok, err)
	}
	if ok, err := inSelectionOrder(json.RawMessage(bad), sel); ok || err != nil {
		t.Errorf("list with its second item out of order = %v, %v; want false", ok, err)
	}
}
