package opts

import (
	"fmt"
	"strings"

	"github.com/moby/moby/client"
)

// ParseFilters turns --filter key=value flags into API filters.
func ParseFilters(list []string) (client.Filters, error) {
	f := client.Filters{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("bad format of filter (expected name=value)")
		}
		f.Add(strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return f, nil
}
