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

func TestValidDevice(t *testing.T) {
	for _, ok := range []string{"berth0", "bt1a2b3c4d-ab12", "br_x.y"} {
		if err := validDevice(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../../x", "a/b", "way-too-long-name0", "sp ace"} {
		if validDevice(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
