package conformance

import (
	"fmt"
	"strings"
)

// fed2 is the `extend schema @link` of a Federation v2 subgraph importing the
// directives named, then the rest of its SDL.
func fed2(imports, sdl string) string {
	var quoted []string
	for _, d := range strings.Fields(imports) {
		quoted = append(quoted, `"@`+d+`"`)
	}
	return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: [` + strings.Join(quoted, ", ") + "])\n\n" + strings.TrimSpace(sdl) + "\n"
}

// obj is an object of type typename with the fields given as name, value pairs.
func obj(typename string, fields ...any) map[string]any {
	o := map[string]any{"__typename": typename}
	for i := 0; i+1 < len(fields); i += 2 {
		o[fields[i].(string)] = fields[i+1]
	}
	return o
}

// num is v, a number from Go data or from a request, as an int64.
func num(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case float64:
		return int64(v), nil
	}
	return 0, fmt.Errorf("%v (%T) is not a number", v, v)
}

// find returns the first of objs whose field key is value, or nil.
func find(objs []map[string]any, key string, value any) map[string]any {
	for _, o := range objs {
		if o[key] == value {
			return o
		}
	}
	return nil
}
