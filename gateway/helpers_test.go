package gateway_test

import (
	"encoding/json"
	"net/url"
)

func remarshal(in, out any) {
	b, _ := json.Marshal(in)
	json.Unmarshal(b, out)
}

func urlQuery(s string) string { return url.QueryEscape(s) }
