package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// initAttack is run by an --init container with CAP_SYS_ADMIN: it remounts
// the init it was given read-write (the bind, then the superblock) and
// tries to change it through its path and through /proc/1/exe (PID 1 is
// the init), as CVE-2019-5736 did with runc. Each attempt that succeeds
// prints a line starting with "CHANGED".
const initAttack = `
mount -o remount,bind,rw /sbin/docker-init 2>/dev/null && echo remounted-bind
mount -o remount,rw /sbin/docker-init 2>/dev/null && echo remounted-sb
(echo pwned >> /sbin/docker-init) 2>/dev/null && echo CHANGED append
chmod 0777 /sbin/docker-init 2>/dev/null && echo CHANGED chmod
touch -d '2001-01-01 00:00:00' /sbin/docker-init 2>/dev/null && echo CHANGED utimes
chown 1:1 /sbin/docker-init 2>/dev/null && echo CHANGED chown
chattr -i /sbin/docker-init 2>/dev/null && echo CHANGED chattr
(echo pwned >> /proc/1/exe) 2>/dev/null && echo CHANGED exe-append
(exec 3<>/proc/1/exe && echo pwned >&3) 2>/dev/null && echo CHANGED exe-rdwr
readlink /proc/1/exe
echo attack-done
`

// fileState is what a container must not change of a host file: its
// content, mode, owner and modification time.
type fileState struct {
	sum, mode, owner, mtime string
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	sum := fileSHA256(t, path)
	out, err := runCmd("stat", "-c", "%a %u:%g %Y", path)
	if err != nil {
		t.Fatalf("stat %s: %v %s", path, err, out)
	}
	fs := strings.Fields(out)
	return fileState{sum: sum, mode: fs[0], owner: fs[1], mtime: fs[2]}
}

// TestInitSealedCopyCVE_2019_5736: the init --init gives a container is a
// sealed copy the daemon made at start, never the engine's binary; a
// container with CAP_SYS_ADMIN that remounts it read-write and writes to
// it (by path or through /proc/1/exe) changes neither the host's berth nor
// the copy other containers run, with berth's runtime and with runc.
func TestInitSealedCopyCVE_2019_5736(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	cp := filepath.Join(d.execRoot, "init", "docker-init")
	host, copyBefore := stateOf(t, berthBinary), stateOf(t, cp)
	if host.sum != copyBefore.sum {
		t.Fatalf("the daemon's init copy %s is not a copy of %s", cp, berthBinary)
	}
	t.Cleanup(func() { // on a berth that mounts its own binary, undo the chmod
		if st := stateOf(t, berthBinary); st.mode != host.mode {
			_ = os.Chmod(berthBinary, 0o755)
		}
	})
	for _, rt := range []string{"berth", "runc"} {
		t.Run(rt, func(t *testing.T) {
			out, code := d.docker("", "run", "--rm", "--init", "--runtime", rt, "--cap-add", "SYS_ADMIN",
				"--security-opt", "apparmor=unconfined", "busybox", "sh", "-c", initAttack)
			t.Logf("attack (exit %d):\n%s", code, out)
			if !strings.Contains(out, "attack-done") || !strings.Contains(out, "/sbin/docker-init") {
				t.Fatalf("the attack did not run with the init as PID 1: %d %q", code, out)
			}
			if strings.Contains(out, "CHANGED") {
				t.Errorf("a container changed its init: %q", out)
			}
			if st := stateOf(t, berthBinary); st != host {
				t.Errorf("the host's berth %s changed: %+v, was %+v", berthBinary, st, host)
			}
			if st := stateOf(t, cp); st != copyBefore {
				t.Errorf("the daemon's init copy %s changed: %+v, was %+v", cp, st, copyBefore)
			}
			out, code = d.docker("", "run", "--rm", "--init", "--runtime", rt, "busybox", "sh", "-c", "readlink /proc/1/exe; echo ok")
			if code != 0 || out != "/sbin/docker-init\nok\n" {
				t.Fatalf("a second --init container: %d %q", code, out)
			}
		})
	}
}
