package build

import "testing"

func TestLooksLikeID(t *testing.T) {
	for name, want := range map[string]bool{
		"sha256:0123456789abcdef": true,
		"0123456789ab":            true,
		"0123456789a":             false, // too short for an ID prefix
		"busybox":                 false,
		"0123456789AB":            false,
		"deadbeefcafe:latest":     false,
	} {
		if got := looksLikeID(name); got != want {
			t.Errorf("looksLikeID(%q) = %v", name, got)
		}
	}
}
