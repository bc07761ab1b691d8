package integration

import (
	"regexp"
	"testing"
)

// --cgroup-parent puts the container's cgroup under the given parent
// instead of the daemon's, as dockerd's cgroupfs driver does.
func TestRunCgroupParent(t *testing.T) {
	d := newDaemon(t)
	parent := "/" + d.name + "-cp"
	t.Cleanup(func() { removeCgroups(parent) })
	d.start(nil)
	t.Cleanup(d.cleanup)
	d.importBusybox()
	out, code := d.docker("", "run", "--rm", "--cgroup-parent", parent, "busybox", "cat", "/proc/self/cgroup")
	if code != 0 || !regexp.MustCompile(`(?m)^\d+:memory:`+regexp.QuoteMeta(parent)+`/[0-9a-f]{64}$`).MatchString(out) {
		t.Fatalf("docker run --cgroup-parent %s: %d\n%s", parent, code, out)
	}
}
