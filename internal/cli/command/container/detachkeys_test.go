package container

import (
	"reflect"
	"testing"

	"github.com/moby/term"
)

// The CLI checks --detach-keys with moby/term's parser, as docker does.
func TestParseDetachKeys(t *testing.T) {
	cases := map[string][]byte{"ctrl-p,ctrl-q": {16, 17}, "ctrl-a": {1}, "a,b": {'a', 'b'}, "ctrl-@,ctrl-[": {0, 27}}
	for in, want := range cases {
		got, err := term.ToBytes(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseDetachKeys(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"ctrl-1", "foo", "ctrl-"} {
		if _, err := term.ToBytes(bad); err == nil {
			t.Errorf("ParseDetachKeys(%q) accepted", bad)
		}
	}
}
