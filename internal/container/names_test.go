package container

import (
	"strings"
	"testing"
)

func TestIsID(t *testing.T) {
	for s, want := range map[string]bool{
		GenerateID():            true,
		strings.Repeat("a", 64): true,
		strings.Repeat("a", 63): false,
		strings.Repeat("A", 64): false,
		strings.Repeat("g", 64): false,
		strings.Repeat("0", 65): false,
		"":                      false,
	} {
		if IsID(s) != want {
			t.Errorf("IsID(%q) = %v", s, !want)
		}
	}
}
