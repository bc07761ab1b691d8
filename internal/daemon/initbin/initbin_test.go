package initbin

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

// TestFindInitDynamic: a dynamically linked berth with no static init on
// PATH has no init, and --init fails with why.
func TestFindInitDynamic(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	in := findInit("/bin/sh") // Debian's dash, dynamically linked
	if in.Available() || in.src != "" || in.Name() != "" {
		t.Fatalf("init found: %+v", in)
	}
	err := in.Unavailable()
	if !errdefs.IsInvalidParameter(err) || !strings.Contains(err.Error(), "--init is unavailable: /bin/sh is dynamically linked") {
		t.Fatalf("Unavailable() = %v", err)
	}
}

// TestInitName: info shows "berth init" for berth itself, else the static
// init's file name.
func TestInitName(t *testing.T) {
	self := Init{Path: "/run/berth/init/docker-init", Args: []string{"init"}, src: "/usr/bin/berth"}
	tini := Init{Path: "/run/berth/init/docker-init", src: "/usr/bin/tini-static"}
	if self.Name() != "berth init" || tini.Name() != "tini-static" {
		t.Fatalf("names %q %q", self.Name(), tini.Name())
	}
}
