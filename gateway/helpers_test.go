package gateway_test

import "encoding/json"

func remarshal(in, out any) {
	b, _ := json.Marshal(in)
	json.Unmarshal(b, out)
}
