package oci

import (
	"testing"

	"github.com/moby/moby/api/types/container"
)

// A shared bind makes the root rshared (what the container mounts there
// reaches the host); otherwise the runtime's default stays.
func TestRootfsPropagation(t *testing.T) {
	for _, c := range []struct {
		binds []string
		want  string
	}{
		{nil, ""},
		{[]string{"/a:/a:rslave", "/b:/b:ro"}, ""},
		{[]string{"/a:/a:rw,rshared"}, "rshared"},
		{[]string{"/a:/a:shared"}, "rshared"},
	} {
		ms, err := UserMounts(&container.HostConfig{Binds: c.binds})
		if err != nil {
			t.Fatal(err)
		}
		if got := rootfsPropagation(ms); got != c.want {
			t.Errorf("%q: %q, want %q", c.binds, got, c.want)
		}
	}
}
