package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The mount races of CVE-2021-30465: a container that shares a volume with
// the victim swaps, as fast as it can (renameat2 RENAME_EXCHANGE), a
// directory of the volume with a symlink, hoping that the engine checks the
// directory and then mounts by a name that has become the symlink.

// startVolumeSwapper runs container name with volume vol at /v, swapping
// /v/<dir> (a directory) and /v/<dir>l (a symlink to target) forever.
func startVolumeSwapper(t *testing.T, d *testDaemon, name, vol, dir, target string) {
	t.Helper()
	swapper := buildSwapper(t)
	setup := "mkdir -p /v/" + dir + " && ln -s " + target + " /v/" + dir + "l && exec /swapper/swapper /v/" + dir + " /v/" + dir + "l"
	if out, code := d.docker("", "run", "-d", "--name", name, "-v", vol+":/v", "-v", swapper+":/swapper:ro", "busybox", "sh", "-c", setup); code != 0 {
		t.Fatalf("run swapper: %d %q", code, out)
	}
	// The swap runs: both names exist in the volume.
	waitFor(t, 10*time.Second, "swapper running", func() bool {
		out, _ := d.docker("", "exec", name, "sh", "-c", "ls -d /v/"+dir+" /v/"+dir+"l")
		return strings.Count(out, "/v/") == 2
	})
	t.Cleanup(func() {
		if out, _ := d.docker("", "inspect", "-f", "{{.State.Running}}", name); out != "true\n" && !t.Failed() {
			t.Errorf("the swapper %s stopped: %q", name, out)
		}
	})
}

// detachStagingOnCleanup detaches staged subpaths a failed test may leave
// under the daemon's exec root, so that removing it never reaches a volume.
func detachStagingOnCleanup(d *testDaemon) {
	d.t.Cleanup(func() {
		ms, _ := filepath.Glob(filepath.Join(d.execRoot, "b", "*", "subpaths", "*"))
		for _, m := range ms {
			for syscall.Unmount(m, syscall.MNT_DETACH) == nil {
			}
		}
	})
}

// TestVolumeSubpathSwapRaceCVE_2021_30465: a victim mounts subpath "sub"
// of a volume in which another container keeps swapping /v/sub with a
// symlink to "/". The victim must never see the host's root at /x (a
// host marker file reachable as /x/<its host path>): the subpath is opened
// once inside the volume and mounted by that descriptor.
func TestVolumeSubpathSwapRaceCVE_2021_30465(t *testing.T) {
	d := startDaemon(t)
	d.unmountVolumesOnCleanup()
	detachStagingOnCleanup(d)
	d.importBusybox()
	host := t.TempDir()
	marker := filepath.Join(host, "bt-cve-2021-30465-subpath-marker")
	mustWrite(t, marker, "HOST\n")
	startVolumeSwapper(t, d, "bt-subpath-attacker", "bt-subpath-race", "sub", "/")
	check := "if [ -e /x" + marker + " ]; then echo HOST-ROOT; else echo CONTAINED; fi"
	contained, failed, escaped := 0, 0, 0
	deadline := time.Now().Add(90 * time.Second)
	for i := 0; i < 80 && time.Now().Before(deadline); i++ {
		out, code := d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-subpath-race,dst=/x,volume-subpath=sub", "busybox", "sh", "-c", check)
		switch {
		case strings.Contains(out, "HOST-ROOT"):
			escaped++
			t.Errorf("run %d: the victim sees the host's root through the volume subpath", i)
		case code == 0 && strings.Contains(out, "CONTAINED"):
			contained++
		default:
			failed++
			t.Logf("run %d failed: %d %q", i, code, out)
		}
	}
	t.Logf("victim runs: %d contained, %d failed, %d saw the host's root", contained, failed, escaped)
	if contained == 0 {
		t.Fatal("no victim run started: the race was not exercised")
	}
	if n := stagedMounts(t, d); n != 0 {
		t.Fatalf("%d staged subpath mounts left after the runs", n)
	}
}

// TestMountDestinationSwapRaceCVE_2021_30465: the victim mounts the
// shared volume at /v and a host directory holding a marker at /v/d/x,
// while another container keeps swapping /v/d with a symlink to an
// absolute path that exists on the host (with x in it) but not in the
// image. The destination is opened once inside the victim's root and
// mounted by that descriptor, so the victim always starts and finds the
// marker inside its own root: at /v/d/x (or /v/dl/x, its name after a
// swap), or under the symlink's target made inside the root. A mount
// made by a name that became the symlink would land on the host path, in
// the victim's mount namespace but outside its root, where the victim
// cannot see it.
func TestMountDestinationSwapRaceCVE_2021_30465(t *testing.T) {
	d := startDaemon(t)
	d.unmountVolumesOnCleanup()
	d.importBusybox()
	bait, err := os.MkdirTemp("/tmp", "bt-cve-2021-30465-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(bait) })
	if err := os.Mkdir(bait+"/x", 0o755); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	mustWrite(t, src+"/bt-dest-marker", "MARKER\n")
	startVolumeSwapper(t, d, "bt-dest-attacker", "bt-dest-race", "d", bait)
	// The marker is looked for where the mount can be: the swap goes on
	// while the victim looks, so each place is tried a few times.
	check := "for i in 1 2 3 4 5 6 7 8 9 10; do for p in /v/d/x /v/dl/x " + bait + "/x; do " +
		"if [ -e $p/bt-dest-marker ]; then echo FOUND $p; exit 0; fi; done; done; echo LOST"
	found := map[string]int{}
	deadline := time.Now().Add(90 * time.Second)
	runs, lost, failed := 0, 0, 0
	for ; runs < 80 && time.Now().Before(deadline); runs++ {
		out, code := d.docker("", "run", "--rm", "-v", "bt-dest-race:/v", "-v", src+":/v/d/x:ro", "busybox", "sh", "-c", check)
		switch {
		case code == 0 && strings.HasPrefix(out, "FOUND "):
			found[strings.TrimSpace(strings.TrimPrefix(out, "FOUND "))]++
		case code == 0:
			lost++
			t.Errorf("run %d: the victim's bind mount is not inside its root: %q", runs, out)
		default:
			failed++
			t.Errorf("run %d: the victim did not start: %d %q", runs, code, out)
		}
	}
	t.Logf("%d victim runs: marker found at %v, lost %d, failed %d", runs, found, lost, failed)
	if runs == 0 {
		t.Fatal("no victim run")
	}
	if ents, _ := os.ReadDir(bait + "/x"); len(ents) != 0 {
		t.Fatalf("the host's %s/x was written: %v", bait, ents)
	}
}

// TestVolumeSubpathStagingCleanupCVE_2021_30465: the subpath staged for a
// start is unmounted once the container runs, and a daemon killed between
// staging and the end of the start leaves none after its restart.
func TestVolumeSubpathStagingCleanupCVE_2021_30465(t *testing.T) {
	d := startDaemon(t)
	d.unmountVolumesOnCleanup()
	detachStagingOnCleanup(d)
	d.importBusybox()
	if out, code := d.docker("", "run", "--rm", "-v", "bt-stage:/v", "busybox", "sh", "-c", "mkdir /v/sub && echo in-sub > /v/sub/f"); code != 0 {
		t.Fatalf("fill volume: %d %q", code, out)
	}
	mnt := "type=volume,src=bt-stage,dst=/x,volume-subpath=sub"
	if out, code := d.docker("", "run", "-d", "--name", "bt-stage-run", "--mount", mnt, "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	if n := stagedMounts(t, d); n != 0 {
		t.Fatalf("%d staged subpath mounts left while the container runs", n)
	}
	if out, _ := d.docker("", "exec", "bt-stage-run", "cat", "/x/f"); out != "in-sub\n" {
		t.Fatalf("subpath in the running container: %q", out)
	}
	if out, code := d.docker("", "create", "--name", "bt-stage-crash", "--mount", mnt, "busybox", "cat", "/x/f"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	d.stop()
	d.startExpectCrash("start-after-shim")
	if _, code := d.docker("", "start", "bt-stage-crash"); code == 0 {
		t.Fatal("start succeeded despite the crash point")
	}
	d.waitExit(10 * time.Second)
	if n := stagedMounts(t, d); n == 0 {
		t.Fatal("no staged subpath at the crash point: the test does not test the cleanup")
	}
	d.start(nil)
	if n := stagedMounts(t, d); n != 0 {
		t.Fatalf("%d staged subpath mounts left after the restart", n)
	}
	if out, code := d.docker("", "run", "--rm", "--mount", mnt, "busybox", "cat", "/x/f"); code != 0 || out != "in-sub\n" {
		t.Fatalf("run after the restart: %d %q", code, out)
	}
}

// stagedMounts counts the mounts under the daemon's staging dirs.
func stagedMounts(t *testing.T, d *testDaemon) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], d.execRoot+"/b/") && strings.Contains(f[4], "/subpaths/") {
			n++
		}
	}
	return n
}
