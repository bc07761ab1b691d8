package procs

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

func TestDetachKeys(t *testing.T) {
	keys, err := parseDetachKeys("")
	if err != nil || !bytes.Equal(keys, []byte{16, 17}) {
		t.Fatalf("default keys %v %v", keys, err)
	}
	if k, err := parseDetachKeys("ctrl-a,x"); err != nil || !bytes.Equal(k, []byte{1, 'x'}) {
		t.Fatalf("ctrl-a,x: %v %v", k, err)
	}
	if _, err := parseDetachKeys("ctrl-1"); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("bad keys accepted: %v", err)
	}
	detached := false
	r := &detachReader{r: strings.NewReader("ab\x10c\x10\x11rest"), keys: keys, onDetach: func() { detached = true }}
	out, err := io.ReadAll(r)
	if err != nil || string(out) != "ab\x10c" || !detached {
		t.Fatalf("detach reader: %q %v detached=%v", out, err, detached)
	}
}
