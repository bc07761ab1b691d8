package opts

import (
	"fmt"
	"strings"
)

// ParseDetachKeys parses a detach key sequence such as "ctrl-p,ctrl-q" into
// the bytes the terminal sends.
func ParseDetachKeys(s string) ([]byte, error) {
	var out []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(k, "ctrl-") && len(k) == 6:
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				out = append(out, c-'a'+1)
			case c == '@':
				out = append(out, 0)
			case c >= '[' && c <= '_':
				out = append(out, c-'['+27)
			default:
				return nil, fmt.Errorf("Unknown character: '%s'", k)
			}
		default:
			return nil, fmt.Errorf("Unknown character: '%s'", k)
		}
	}
	return out, nil
}
