package format

import (
	"sort"
	"strings"
)

// JoinLabels renders labels as sorted "k=v" pairs joined by commas, for
// the Labels column.
func JoinLabels(m map[string]string) string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
