package format

import (
	"encoding/json"
	"reflect"
)

// MarshalMethods encodes the exported, argument-less, string-returning
// methods of v as a JSON object keyed by method name: docker's "{{json .}}"
// output for list rows. Methods named in skip are left out.
func MarshalMethods(v any, skip ...string) ([]byte, error) {
	m := map[string]any{}
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	skipped := map[string]bool{"MarshalJSON": true}
	for _, s := range skip {
		skipped[s] = true
	}
	for i := 0; i < rt.NumMethod(); i++ {
		meth := rt.Method(i)
		if skipped[meth.Name] || meth.Type.NumIn() != 1 || meth.Type.NumOut() != 1 {
			continue
		}
		out := rv.Method(i).Call(nil)[0]
		m[meth.Name] = out.Interface()
	}
	return json.Marshal(m)
}
