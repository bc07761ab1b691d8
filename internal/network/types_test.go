package network

import "testing"

func TestParseHostPort(t *testing.T) {
	for in, want := range map[string][2]uint16{"": {0, 0}, "8080": {8080, 8080}, "8000-8010": {8000, 8010}} {
		a, b, err := ParseHostPort(in)
		if err != nil || a != want[0] || b != want[1] {
			t.Errorf("%q: %d %d %v", in, a, b, err)
		}
	}
	for _, bad := range []string{"x", "10-1", "70000"} {
		if _, _, err := ParseHostPort(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
