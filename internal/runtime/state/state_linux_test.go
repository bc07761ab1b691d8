package state

import "testing"

func TestValidateID(t *testing.T) {
	for _, id := range []string{"", "../x", "a/b", ".hidden", "a b"} {
		if ValidateID(id) == nil {
			t.Errorf("id %q accepted", id)
		}
	}
	for _, id := range []string{"bt-rt-1", "abc_DEF.1+2"} {
		if err := ValidateID(id); err != nil {
			t.Errorf("id %q rejected: %v", id, err)
		}
	}
}
