package daemon

import (
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

func hasPart(s, part string) bool {
	for _, p := range strings.Split(s, ",") {
		if p == part {
			return true
		}
	}
	return false
}
