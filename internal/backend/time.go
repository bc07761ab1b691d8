package backend

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/errdefs"
)

// ParseTime parses Docker's since/until values: unix seconds with optional
// fraction, RFC 3339 dates, or a Go duration meaning that long before now.
// "" gives the zero time.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	if sec, frac, ok := strings.Cut(s, "."); true {
		if n, err := strconv.ParseInt(sec, 10, 64); err == nil {
			var ns int64
			if ok {
				f := (frac + "000000000")[:9]
				if ns, err = strconv.ParseInt(f, 10, 64); err != nil {
					return time.Time{}, errdefs.InvalidParameter(fmt.Errorf("invalid timestamp %q", s))
				}
			}
			return time.Unix(n, ns), nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errdefs.InvalidParameter(fmt.Errorf("invalid timestamp %q", s))
}
