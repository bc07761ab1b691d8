package image

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/berth/berth/internal/errdefs"
)

// parseFilters decodes Docker's filters parameter: {"name":{"value":true}}
// or the legacy {"name":["value"]}.
func parseFilters(s string) (map[string][]string, error) {
	out := map[string][]string{}
	if s == "" {
		return out, nil
	}
	var m map[string]map[string]bool
	if err := json.Unmarshal([]byte(s), &m); err == nil {
		for k, vs := range m {
			for v, ok := range vs {
				if ok {
					out[k] = append(out[k], v)
				}
			}
			sort.Strings(out[k])
		}
		return out, nil
	}
	var legacy map[string][]string
	if err := json.Unmarshal([]byte(s), &legacy); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filters: %w", err))
	}
	return legacy, nil
}
