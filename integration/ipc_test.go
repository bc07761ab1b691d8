package integration

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIPCShareable: a container run with --ipc shareable lends its IPC
// namespace and its /dev/shm (a tmpfs of its --shm-size) to one run with
// --ipc container:NAME, as under dockerd; a private container keeps its
// own, and the lender's tmpfs is unmounted when it is removed.
func TestIPCShareable(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	id := d.mustDocker("run", "-d", "--name", "lender", "--ipc", "shareable", "--shm-size", "8m", "busybox",
		"sh", "-c", "echo lent >/dev/shm/note; exec sleep 1000")
	waitFor(t, 20*time.Second, "the lender's note", func() bool {
		out, code := d.docker("", "exec", "lender", "cat", "/dev/shm/note")
		return code == 0 && out == "lent\n"
	})
	lenderNS := d.mustDocker("exec", "lender", "readlink", "/proc/self/ns/ipc")
	out := d.mustDocker("run", "--rm", "--ipc", "container:lender", "busybox", "sh", "-c",
		"cat /dev/shm/note; echo back >/dev/shm/reply; readlink /proc/self/ns/ipc; df -k /dev/shm | awk 'NR == 2 {print $2}'")
	if want := "lent\n" + lenderNS + "\n8192"; out != want {
		t.Fatalf("a joiner's /dev/shm and IPC namespace: got\n%s\nwant\n%s", out, want)
	}
	if got := d.mustDocker("exec", "lender", "cat", "/dev/shm/reply"); got != "back" {
		t.Fatalf("the lender does not see the joiner's write: %q", got)
	}
	if out, code := d.docker("", "run", "--rm", "busybox", "ls", "/dev/shm"); code != 0 || strings.TrimSpace(out) != "" {
		t.Fatalf("a private container's /dev/shm: %d %q", code, out)
	}
	shm := d.execRoot + "/b/" + id + "/shm"
	if !slices.Contains(d.mountsUnderRoots(), shm) {
		t.Fatalf("no tmpfs at %s while the lender runs", shm)
	}
	d.mustDocker("rm", "-f", "lender")
	if slices.Contains(d.mountsUnderRoots(), shm) {
		t.Fatalf("%s is still mounted after the lender's removal", shm)
	}
}
