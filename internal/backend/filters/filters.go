package filters

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/berth/berth/internal/errdefs"
)

// Args maps a filter key to its values.
type Args map[string][]string

// Parse decodes the filters parameter; "" gives empty Args.
func Parse(s string) (Args, error) {
	out := Args{}
	if s == "" {
		return out, nil
	}
	var m map[string]map[string]bool
	if err := json.Unmarshal([]byte(s), &m); err == nil {
		for k, vs := range m {
			for v, on := range vs {
				if on {
					out[k] = append(out[k], v)
				}
			}
			sort.Strings(out[k])
		}
		return out, nil
	}
	var legacy map[string][]string
	if err := json.Unmarshal([]byte(s), &legacy); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter %q: %w", s, err))
	}
	for k, vs := range legacy {
		out[k] = append(out[k], vs...)
	}
	return out, nil
}

// Get returns the values of key.
func (a Args) Get(key string) []string { return a[key] }

// Has reports whether key is set.
func (a Args) Has(key string) bool { return len(a[key]) > 0 }

// Any reports whether key's filter lets a value through: it has no
// value, or match accepts one of them (a key given several times
// matches any of its values).
func (a Args) Any(key string, match func(string) bool) bool { return AnyOf(a[key], match) }

// AnyOf reports whether vals is empty or match accepts one of them.
func AnyOf(vals []string, match func(string) bool) bool {
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		if match(v) {
			return true
		}
	}
	return false
}

// MatchLabels reports whether labels has every "label" filter (KEY or
// KEY=VALUE) and none of the "label!" ones.
func (a Args) MatchLabels(labels map[string]string) bool {
	has := func(l string) bool {
		k, v, hasV := strings.Cut(l, "=")
		got, ok := labels[k]
		return ok && (!hasV || got == v)
	}
	for _, l := range a.Get("label") {
		if !has(l) {
			return false
		}
	}
	for _, l := range a.Get("label!") {
		if has(l) {
			return false
		}
	}
	return true
}

// Validate fails with Docker's message for a key not in accepted.
func (a Args) Validate(accepted ...string) error {
	for k := range a {
		ok := false
		for _, acc := range accepted {
			if k == acc {
				ok = true
				break
			}
		}
		if !ok {
			return errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s'", k))
		}
	}
	return nil
}

// InvalidValue is the error of a filter given a value it cannot take, in
// dockerd's words.
func InvalidValue(key, value string) error {
	return errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s=%s'", key, value))
}
