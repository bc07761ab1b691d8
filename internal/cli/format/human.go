package format

import (
	"strings"
	"time"
	"unicode/utf8"

	units "github.com/docker/go-units"
)

// ID is the ID column of a row: short (TruncateID) when trunc, as it is
// unless --no-trunc.
func ID(id string, trunc bool) string {
	if trunc {
		return TruncateID(id)
	}
	return id
}

// TruncateID returns the 12-character short form of an ID, without any
// "sha256:" prefix.
func TruncateID(id string) string {
	if i := strings.IndexRune(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// Ellipsis shortens s to at most max characters, ending in "…" when cut.
func Ellipsis(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	if max == 1 {
		return string(r[:1])
	}
	return string(r[:max-1]) + "…"
}

// Ago renders a past Unix time as docker does: "2 minutes ago".
func Ago(unix int64, now time.Time) string {
	return units.HumanDuration(now.UTC().Sub(time.Unix(unix, 0))) + " ago"
}

// Size renders a byte count as docker does: "4.27MB".
func Size(n int64) string {
	return units.HumanSizeWithPrecision(float64(n), 3)
}
