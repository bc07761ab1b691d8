package integration

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth/berth/internal/testutil"
)

// TestLeakedFdsCVE_2024_21626: a container's processes (run and exec) hold
// only fds 0, 1 and 2, and a working directory given as /proc/self/fd/N
// (the runc "Leaky Vessels" attack) either fails with an error naming the
// working directory or stays inside the container: climbing from it never
// reaches a host file.
func TestLeakedFdsCVE_2024_21626(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	marker := filepath.Join(t.TempDir(), "bt-host-marker")
	mustWrite(t, marker, "HOST-MARKER-21626\n")
	// No pipeline (the shell would hold its pipe's fds while forking),
	// and ls not last (the shell would exec it, and see its fds).
	fds := `ls /proc/$$/fd; echo --; ls /proc/1/fd; exit 0`
	const want = "0 1 2 -- 0 1 2"
	if out, code := d.docker("", "run", "--rm", "busybox", "sh", "-c", fds); code != 0 || strings.Join(strings.Fields(out), " ") != want {
		t.Errorf("run: fds of the shell and of pid 1 = %q (exit %d), want only 0 1 2", out, code)
	}
	if out, code := d.docker("", "run", "-d", "--name", "bt-fd", "busybox", "sleep", "1000"); code != 0 {
		t.Fatalf("run -d: %d %s", code, out)
	}
	if out, code := d.docker("", "exec", "bt-fd", "sh", "-c", fds); code != 0 || strings.Join(strings.Fields(out), " ") != want {
		t.Errorf("exec: fds of the shell and of pid 1 = %q (exit %d), want only 0 1 2", out, code)
	}
	climb := "cat " + strings.Repeat("../", 24) + marker[1:] + "; echo; pwd"
	for n := 3; n <= 15; n++ {
		wd := fmt.Sprintf("/proc/self/fd/%d", n)
		for _, args := range [][]string{
			{"run", "--rm", "-w", wd, "busybox", "sh", "-c", climb},
			{"exec", "-w", wd, "bt-fd", "sh", "-c", climb},
		} {
			out, code := d.docker("", args...)
			if strings.Contains(out, "HOST-MARKER") {
				t.Fatalf("%s -w %s read the host's file: %q", args[0], wd, out)
			}
			if code != 0 && !strings.Contains(out, wd) {
				t.Errorf("%s -w %s failed without naming the working directory: %d %q", args[0], wd, code, out)
			}
			t.Logf("%s -w %s: exit %d %q", args[0], wd, code, strings.TrimSpace(out))
		}
	}
}

// nssEvilSource is an NSS module whose constructor appends to the file
// MARKER: loading it anywhere leaves a trace.
const nssEvilSource = `
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void) {
	int fd = open(MARKER, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		write(fd, "loaded\n", 7);
		close(fd);
	}
}
`

// buildNSSEvil compiles libnss_evil.so.2, writing to marker when loaded,
// and shows that it works: preloaded into the host's true, it writes the
// marker (removed again).
func buildNSSEvil(t *testing.T, marker string) string {
	t.Helper()
	dir := t.TempDir()
	mustWrite(t, dir+"/evil.c", nssEvilSource)
	lib := dir + "/libnss_evil.so.2"
	if out, err := runCmd("gcc", "-shared", "-fPIC", "-o", lib, fmt.Sprintf(`-DMARKER="%s"`, marker), dir+"/evil.c"); err != nil {
		t.Fatalf("gcc: %v %s", err, out)
	}
	cmd := exec.Command("true")
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+lib)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("true with the library preloaded: %v %s", err, out)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the library, preloaded, did not write its marker: %v", err)
	}
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestCpNSSLibraryCVE_2019_14271: docker cp in and out of a container (in
// archive mode, its user named in its /etc/passwd) never loads an NSS
// module of the container's (Docker 19.03's docker-tar did, as root on the
// host). The module writes a marker where it is loaded: it must appear
// neither on the host nor in the container.
func TestCpNSSLibraryCVE_2019_14271(t *testing.T) {
	d := startDaemon(t)
	marker := filepath.Join(t.TempDir(), "bt-nss-marker")
	lib := buildNSSEvil(t, marker)
	d.importImage("bt-nss", func(dir string) {
		data, err := os.ReadFile(lib)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir+"/lib/x86_64-linux-gnu", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/lib/x86_64-linux-gnu/libnss_evil.so.2", data, 0o755); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, dir+"/etc/nsswitch.conf", "passwd: evil files\ngroup: evil files\nhosts: evil files\n")
		appendFile(t, dir+"/etc/passwd", "bt:x:1234:1234::/home/bt:/bin/sh\n")
		appendFile(t, dir+"/etc/group", "bt:x:1234:\n")
	}, `CMD ["sleep", "1000"]`)
	src := filepath.Join(t.TempDir(), "bt-in")
	mustWrite(t, src, "in\n")
	out := t.TempDir()
	for _, ctr := range []string{"bt-nss-created", "bt-nss-running"} {
		verb := "create"
		if ctr == "bt-nss-running" {
			verb = "run"
		}
		args := []string{verb, "--name", ctr, "--user", "bt:bt", "bt-nss"}
		if verb == "run" {
			args = append(args[:1], append([]string{"-d"}, args[1:]...)...)
		}
		if o, code := d.docker("", args...); code != 0 {
			t.Fatalf("%s: %d %s", verb, code, o)
		}
		for _, cp := range [][]string{
			{"cp", "-a", src, ctr + ":/tmp/"},
			{"cp", "-a", ctr + ":/etc/passwd", out + "/" + ctr + "-passwd"},
			{"cp", "-a", ctr + ":/tmp/bt-in", out + "/" + ctr + "-in"},
			{"cp", src, ctr + ":/tmp/bt-in2"},
		} {
			if o, code := d.docker("", cp...); code != 0 {
				t.Fatalf("%v: %d %s", cp, code, o)
			}
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("cp with %s loaded the container's NSS module on the host", ctr)
		}
		if names := exportNames(t, d, ctr); names[strings.TrimPrefix(marker, "/")] {
			t.Fatalf("cp with %s loaded the container's NSS module inside its root", ctr)
		}
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// exportNames lists the paths of a container's exported rootfs.
func exportNames(t *testing.T, d *testDaemon, ctr string) map[string]bool {
	t.Helper()
	res, err := d.client.ContainerExport(t.Context(), ctr, client.ContainerExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	names := map[string]bool{}
	for name := range testutil.TarNames(t, res) {
		names[strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/")] = true
	}
	return names
}

// cgroupAttack tries the steps of the release_agent escape from inside a
// container; each step that succeeds prints a line starting with "DID".
const cgroupAttack = `
mkdir -p /tmp/c1 /tmp/c2
mount -t cgroup -o rdma cgroup /tmp/c1 2>/dev/null && echo DID mount rdma
mount -t cgroup -o memory cgroup /tmp/c2 2>/dev/null && echo DID mount memory
unshare -U -r -m sh -c 'mount -t cgroup -o rdma cgroup /tmp/c1' 2>/dev/null && echo DID unshare and mount
unshare -U -r true 2>/dev/null && echo DID unshare user
touch /sys/fs/cgroup/bt-x 2>/dev/null && echo DID write cgroupfs
for f in /sys/fs/cgroup/release_agent /sys/fs/cgroup/*/release_agent /sys/fs/cgroup/notify_on_release /sys/fs/cgroup/*/notify_on_release /tmp/c1/release_agent /tmp/c2/release_agent; do
	[ -e $f ] && (echo /bt-evil > $f) 2>/dev/null && echo DID write $f
done
echo attack-done
`

// TestCgroupReleaseAgentCVE_2022_0492: no container can set a cgroup v1
// release_agent (run as root on the host when a cgroup empties). A default
// container cannot mount a cgroup hierarchy, cannot make a user namespace
// (which would give it CAP_SYS_ADMIN there; seccomp), sees /sys/fs/cgroup
// read-only and writes no release_agent or notify_on_release. A container
// with --cap-add SYS_ADMIN may mount hierarchies and make user namespaces,
// as with dockerd, but gets a cgroup namespace of its own (dockerd on a
// cgroup v1 host leaves it in the host's, AppArmor being its defence): the
// hierarchies it mounts start at its own cgroup and have no release_agent.
// The host's release_agent files stay as they were.
func TestCgroupReleaseAgentCVE_2022_0492(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	agents, _ := filepath.Glob("/sys/fs/cgroup/*/release_agent")
	if a, err := filepath.Glob("/sys/fs/cgroup/release_agent"); err == nil {
		agents = append(agents, a...)
	}
	before := map[string]string{}
	for _, a := range agents {
		data, _ := os.ReadFile(a)
		before[a] = string(data)
	}
	t.Cleanup(func() {
		for a, was := range before {
			if data, _ := os.ReadFile(a); string(data) != was {
				_ = os.WriteFile(a, []byte(strings.TrimSpace(was)+"\n"), 0o644) // undo a successful attack
			}
		}
	})
	out, code := d.docker("", "run", "--rm", "busybox", "sh", "-c", cgroupAttack)
	if code != 0 || !strings.Contains(out, "attack-done") {
		t.Fatalf("attack: %d %q", code, out)
	}
	if strings.Contains(out, "DID") {
		t.Errorf("a default container got through:\n%s", out)
	}
	out, code = d.docker("", "run", "--rm", "busybox", "grep", " /sys/fs/cgroup", "/proc/self/mounts")
	if code != 0 {
		t.Fatalf("mounts: %d %q", code, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[3], "ro,") && f[3] != "ro" {
			t.Errorf("cgroup mount not read-only: %q", l)
		}
	}
	out, code = d.docker("", "run", "--name", "bt-sysadmin", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", cgroupAttack)
	if code != 0 || !strings.Contains(out, "attack-done") {
		t.Fatalf("attack with SYS_ADMIN: %d %q", code, out)
	}
	if strings.Contains(out, "DID write") {
		t.Errorf("a container with SYS_ADMIN wrote a cgroup file:\n%s", out)
	}
	t.Logf("with SYS_ADMIN:\n%s", out)
	if mode, _ := d.docker("", "inspect", "-f", "{{.HostConfig.CgroupnsMode}}", "bt-sysadmin"); mode != "private\n" {
		t.Errorf("cgroupns mode of a container with SYS_ADMIN = %q, want private", mode)
	}
	for a, was := range before {
		data, _ := os.ReadFile(a)
		if string(data) != was {
			t.Errorf("host's %s changed: %q, was %q", a, data, was)
		}
	}
	t.Logf("host release_agent files watched: %d", len(before))
}

// TestDataRootTraversalCVE_2021_41091: a user of the host other than root
// reaches nothing of a running container through the data root or exec
// root (Moby's were 0701/0711, letting users run a container's setuid
// files): neither the container's setuid binary (in its layer or its
// mounted rootfs) nor a file of its volume can be stat'ed or run.
func TestDataRootTraversalCVE_2021_41091(t *testing.T) {
	// Data root and exec root open to all, as Moby's 0711 ones (or an older
	// berth's): the daemon must shut them. base is made first so that its
	// removal comes after the daemon's cleanup.
	base := openDir(t)
	d := startDaemon(t)
	d.stop()
	// The first exec root's netns dir and sealed init stay mounted (for a
	// live restore); cleanup only sees the second exec root.
	removeNetworking(d.bridge, filepath.Join(d.execRoot, "netns"))
	_ = syscall.Unmount(filepath.Join(d.execRoot, "init"), syscall.MNT_DETACH)
	d.root, d.execRoot = filepath.Join(base, "root"), filepath.Join(base, "x")
	for _, dir := range []string{d.root, d.execRoot, filepath.Join(d.execRoot, "b")} {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	d.setArg("--data-root", d.root)
	d.setArg("--exec-root", d.execRoot)
	d.start(nil)
	d.importBusybox()
	setup := "cp /bin/busybox /bt-suid && chmod 4755 /bt-suid && echo vol > /data/bt-vol-file && chmod 0644 /data/bt-vol-file && touch /ready && exec sleep 1000"
	if out, code := d.docker("", "run", "-d", "--name", "bt-trav", "-v", "bt-trav-vol:/data", "busybox", "sh", "-c", setup); code != 0 {
		t.Fatalf("run: %d %s", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, code := d.docker("", "exec", "bt-trav", "test", "-e", "/ready"); code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the container never got ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var targets []string
	for _, dir := range []string{d.root, d.execRoot} {
		_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && (e.Name() == "bt-suid" || e.Name() == "bt-vol-file") {
				targets = append(targets, p)
			}
			return nil
		})
	}
	if len(targets) < 3 {
		t.Fatalf("found %v: want the setuid file in the layer and the rootfs, and the volume's file", targets)
	}
	// Control: uid 65534 can stat and run the same binary where nothing
	// shuts it.
	control := filepath.Join(base, "control", "bt-suid")
	if err := os.MkdirAll(filepath.Dir(control), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd("cp", "-p", "/bin/busybox", control); err != nil {
		t.Fatal(err, out)
	}
	if out, ok := asNobody("stat", control); !ok || !nobodyExecs(control) {
		t.Fatalf("control: uid %d cannot stat or run a binary beside the data root: %s", nobody, out)
	}
	for _, p := range targets {
		if out, ok := asNobody("stat", p); ok {
			t.Errorf("uid %d stats %s: %s", nobody, p, out)
		}
		if nobodyExecs(p) {
			t.Errorf("uid %d runs %s", nobody, p)
		}
	}
	for dir, want := range map[string]fs.FileMode{d.root: 0o710, filepath.Join(d.root, "volumes"): 0o700, d.execRoot: 0o710, filepath.Join(d.execRoot, "b"): 0o710} {
		if m := mode(t, dir).Perm(); m != want {
			t.Errorf("%s mode %o, want %o", dir, m, want)
		}
	}
	t.Logf("paths tried as uid %d: %v", nobody, targets)
}

// nobodyExecs reports whether uid 65534 can execute path (whatever the
// program then does).
func nobodyExecs(path string) bool {
	cmd := exec.Command(path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if err := cmd.Start(); err != nil {
		return false
	}
	_ = cmd.Wait()
	return true
}

// TestInheritableCapsCVE_2022_24769: processes of a container (run and
// exec, root or --user 1000, with or without --cap-add) have no
// inheritable nor ambient capabilities, so that executing a file with
// inheritable file capabilities grants nothing; a non-root user's
// effective and permitted sets are empty.
func TestInheritableCapsCVE_2022_24769(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	caps := func(out string) map[string]string {
		m := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) == 2 && strings.HasPrefix(f[0], "Cap") {
				m[strings.TrimSuffix(f[0], ":")] = f[1]
			}
		}
		return m
	}
	const zero = "0000000000000000"
	for i, extra := range [][]string{nil, {"--cap-add", "NET_ADMIN"}, {"--cap-add", "ALL"}} {
		for _, user := range []string{"", "1000"} {
			name := fmt.Sprintf("bt-caps-%d-%s", i, user)
			args := []string{"run", "-d", "--name", name}
			if user != "" {
				args = append(args, "--user", user)
			}
			args = append(append(args, extra...), "busybox", "sleep", "1000")
			if out, code := d.docker("", args...); code != 0 {
				t.Fatalf("%v: %d %s", args, code, out)
			}
			for _, how := range []string{"run", "exec"} {
				var out string
				var code int
				if how == "run" {
					out, code = d.docker("", "exec", name, "cat", "/proc/1/status")
				} else {
					out, code = d.docker("", "exec", name, "sh", "-c", "cat /proc/$$/status")
				}
				if code != 0 {
					t.Fatalf("%s %v: %d %s", how, args, code, out)
				}
				c := caps(out)
				want := []string{"CapInh", "CapAmb"}
				if user != "" {
					want = append(want, "CapEff", "CapPrm")
				}
				for _, k := range want {
					if c[k] != zero {
						t.Errorf("%s %v: %s = %q, want 0", how, args, k, c[k])
					}
				}
				if user == "" && c["CapEff"] == zero {
					t.Errorf("%s %v: root has no effective capabilities: %v", how, args, c)
				}
			}
		}
	}
}
