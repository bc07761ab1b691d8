package integration

import (
	"strings"
	"testing"
)

// A bind with rshared propagation is shared in the container, whose root
// is then rshared too (dockerd's rule); an rslave bind is a slave. The
// container's mounts are in its own mount namespace: the host's / here is
// private, so only the container's view is checked.
func TestBindPropagationShared(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir := t.TempDir()
	out, code := d.docker("", "run", "--rm", "-v", dir+":/m:rshared", "-v", dir+":/s:rslave", "busybox", "sh", "-c",
		`grep " /m " /proc/self/mountinfo; echo; grep " /s " /proc/self/mountinfo; echo; grep " / / " /proc/self/mountinfo`)
	if code != 0 {
		t.Fatalf("docker run: %d %s", code, out)
	}
	parts := strings.Split(out, "\n\n")
	if len(parts) != 3 || !strings.Contains(parts[0], " shared:") || !strings.Contains(parts[1], " master:") || !strings.Contains(parts[2], " shared:") {
		t.Fatalf("mountinfo of /m (rshared), /s (rslave) and /:\n%s", out)
	}
}
