package httputil

import "testing"

func TestList(t *testing.T) {
	if got := List[string](nil); got == nil || len(got) != 0 {
		t.Fatalf("nil list: %#v", got)
	}
	if got := List([]string{"a"}); len(got) != 1 || got[0] != "a" {
		t.Fatalf("kept list: %#v", got)
	}
}
