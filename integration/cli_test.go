package integration

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDockerCLI drives the daemon with the real docker CLI.
func TestCLI(t *testing.T) { forEachCLI(t, testCLI) }

func testCLI(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()

	out, code := d.docker("", "run", "--rm", "busybox", "echo", "hi")
	if code != 0 || out != "hi\n" {
		t.Fatalf("run --rm: %d %q", code, out)
	}
	out, code = d.docker("", "run", "busybox", "sh", "-c", "exit 7")
	if code != 7 {
		t.Fatalf("run exit 7: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "busybox", "nosuchcmd")
	if code != 127 || !strings.Contains(out, "executable file not found") {
		t.Fatalf("run missing command: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "busybox", "/etc/passwd")
	if code != 126 {
		t.Fatalf("run non-executable: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '")
	if code != 0 || !strings.HasPrefix(out, "/sbin/docker-init init -- sh") {
		t.Fatalf("run --init: %d %q", code, out)
	}
	out, code = d.docker("hello stdin\n", "run", "-i", "--rm", "busybox", "cat")
	if code != 0 || out != "hello stdin\n" {
		t.Fatalf("run -i: %d %q", code, out)
	}
	// none: loopback only, and up, as dockerd's (a runtime's own new
	// namespace has it down)
	out, code = d.docker("", "run", "--rm", "--network", "none", "busybox", "ip", "-o", "addr")
	if code != 0 || !strings.Contains(out, "inet 127.0.0.1/8") || strings.Contains(out, "eth0") {
		t.Fatalf("network none: %d %q", code, out)
	}
	// A runtime from the registry (crun cannot run on this cgroup-hybrid
	// host, so "alt" is runc under another name with extra args).
	out, code = d.docker("", "run", "--rm", "--runtime", "alt", "busybox", "echo", "via-alt")
	if code != 0 || out != "via-alt\n" {
		t.Fatalf("run --runtime alt: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--runtime", "nosuch", "busybox", "true")
	if code != 125 || !strings.Contains(out, "unknown or invalid runtime name: ") {
		t.Fatalf("run --runtime nosuch: %d %q", code, out)
	}

	out, code = d.docker("", "run", "-d", "--name", "bt-en-web", "--label", "role=web", "busybox", "sh", "-c", "echo started; sleep 100")
	if code != 0 {
		t.Fatalf("run -d: %d %q", code, out)
	}
	waitFor(t, 5*time.Second, "log line", func() bool {
		out, _ := d.docker("", "logs", "bt-en-web")
		return out == "started\n"
	})
	out, _ = d.docker("", "ps", "--filter", "label=role=web", "--format", "{{.Names}} {{.Status}}")
	if !strings.HasPrefix(out, "bt-en-web Up") {
		t.Fatalf("ps filter: %q", out)
	}
	out, code = d.docker("", "exec", "bt-en-web", "cat", "/etc/hostname")
	if code != 0 || len(strings.TrimSpace(out)) != 12 {
		t.Fatalf("exec: %d %q", code, out)
	}
	out, code = d.docker("", "exec", "bt-en-web", "sh", "-c", "exit 9")
	if code != 9 {
		t.Fatalf("exec exit code: %d %q", code, out)
	}
	out, code = d.docker("", "exec", "bt-en-web", "nosuchcmd")
	if code != 127 || !strings.Contains(out, "executable file not found") {
		t.Fatalf("exec missing command: %d %q", code, out)
	}
	if out, code = d.docker("", "rename", "bt-en-web", "bt-en-web2"); code != 0 {
		t.Fatalf("rename: %d %q", code, out)
	}
	if out, code = d.docker("", "pause", "bt-en-web2"); code != 0 {
		t.Fatalf("pause: %d %q", code, out)
	}
	out, _ = d.docker("", "ps", "--filter", "status=paused", "--format", "{{.Names}}")
	if out != "bt-en-web2\n" {
		t.Fatalf("ps paused: %q", out)
	}
	if out, code = d.docker("", "unpause", "bt-en-web2"); code != 0 {
		t.Fatalf("unpause: %d %q", code, out)
	}
	out, code = d.docker("", "kill", "bt-en-web2")
	if code != 0 {
		t.Fatalf("kill: %d %q", code, out)
	}
	out, _ = d.docker("", "ps", "-a", "--filter", "exited=137", "--format", "{{.Names}}")
	if out != "bt-en-web2\n" {
		t.Fatalf("ps exited=137: %q", out)
	}
	out, code = d.docker("", "rm", "bt-en-web2")
	if code != 0 {
		t.Fatalf("rm: %d %q", code, out)
	}
	out, code = d.docker("", "rm", "bt-en-web2")
	if code == 0 || !strings.Contains(out, "No such container: bt-en-web2") {
		t.Fatalf("rm twice: %d %q", code, out)
	}
}

// TestDockerCLIFiles covers cp, diff, commit and export.
func TestCLIFiles(t *testing.T) { forEachCLI(t, testCLIFiles) }

func testCLIFiles(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "create", "--name", "bt-en-f", "busybox", "sh", "-c", "echo x > /made; cat /in/data"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	src := t.TempDir()
	if out, code := d.docker("", "cp", "bt-en-f:/etc/passwd", src+"/passwd"); code != 0 {
		t.Fatalf("cp from stopped container: %d %q", code, out)
	}
	if out, code := d.docker("", "exec", "bt-en-f", "true"); code == 0 {
		t.Fatalf("exec in created container succeeded: %q", out)
	}
	dir := t.TempDir() + "/in"
	mustWrite(t, dir+"/data", "copied-in\n")
	if out, code := d.docker("", "cp", dir, "bt-en-f:/"); code != 0 {
		t.Fatalf("cp into container: %d %q", code, out)
	}
	out, code := d.docker("", "start", "-a", "bt-en-f")
	if code != 0 || out != "copied-in\n" {
		t.Fatalf("start -a: %d %q", code, out)
	}
	out, _ = d.docker("", "diff", "bt-en-f")
	if !strings.Contains(out, "A /made") || !strings.Contains(out, "A /in/data") || strings.Contains(out, "/etc/hosts") {
		t.Fatalf("diff: %q", out)
	}
	if out, code = d.docker("", "commit", "-c", "CMD [\"cat\", \"/made\"]", "bt-en-f", "bt-en-committed:v1"); code != 0 {
		t.Fatalf("commit: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "bt-en-committed:v1")
	if code != 0 || out != "x\n" {
		t.Fatalf("run committed: %d %q", code, out)
	}
	out, code = d.docker("", "export", "-o", src+"/exp.tar", "bt-en-f")
	if code != 0 {
		t.Fatalf("export: %d %q", code, out)
	}
	tarList, _ := runCmd("tar", "-tf", src+"/exp.tar")
	if !strings.Contains(tarList, "made") || !strings.Contains(tarList, "bin/busybox") {
		t.Fatalf("export content: %q", tarList)
	}
}

// TestRunOptions checks what spec generation does with user, workdir, env,
// binds, read-only rootfs, capabilities and host networking.
func TestRunOptions(t *testing.T) { forEachCLI(t, testRunOptions) }

func testRunOptions(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	out, code := d.docker("", "run", "--rm", "-u", "65534", "-w", "/tmp", "-e", "FOO=bar", "--hostname", "bt-en-host", "busybox",
		"sh", "-c", `id -u; pwd; echo $FOO; echo $HOSTNAME; hostname; cat /etc/hostname`)
	if code != 0 || out != "65534\n/tmp\nbar\nbt-en-host\nbt-en-host\nbt-en-host\n" {
		t.Fatalf("user/workdir/env/hostname: %d %q", code, out)
	}
	// A missing working directory is made, owned by the user; one under
	// a file is refused at start with dockerd's words.
	out, code = d.docker("", "run", "--rm", "-u", "65534", "-w", "/new/dir", "busybox", "sh", "-c", "pwd; stat -c %u /new /new/dir")
	if code != 0 || out != "/new/dir\n65534\n65534\n" {
		t.Fatalf("made workdir: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-w", "/bin/busybox/sub", "busybox", "true")
	if code == 0 || !strings.Contains(out, "Cannot mkdir: /bin/busybox/sub is not a directory") {
		t.Fatalf("workdir under a file: %d %q", code, out)
	}
	host := t.TempDir()
	mustWrite(t, host+"/f", "from-host\n")
	out, code = d.docker("", "run", "--rm", "-v", host+":/data:ro", "busybox", "sh", "-c", "cat /data/f; touch /data/g 2>/dev/null || echo ro")
	if code != 0 || out != "from-host\nro\n" {
		t.Fatalf("bind ro: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--read-only", "--tmpfs", "/scratch", "busybox", "sh", "-c", "touch /x 2>/dev/null || echo rofs; touch /scratch/y && echo tmpfs-ok")
	if code != 0 || out != "rofs\ntmpfs-ok\n" {
		t.Fatalf("read-only + tmpfs: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--cap-drop", "CHOWN", "busybox", "sh", "-c", "touch /f; chown 1 /f 2>/dev/null || echo denied")
	if code != 0 || out != "denied\n" {
		t.Fatalf("cap-drop: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "busybox", "sh", "-c", "grep -c . /proc/self/status >/dev/null; grep CapEff /proc/self/status")
	if code != 0 || !strings.Contains(out, "00000000a80425fb") {
		t.Fatalf("default capabilities: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "busybox", "sh", "-c", "grep Seccomp: /proc/self/status")
	if code != 0 || !strings.Contains(out, "2") {
		t.Fatalf("seccomp: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "Seccomp:", "/proc/self/status")
	if code != 0 || !strings.Contains(out, "0") || strings.Contains(out, "2") {
		t.Fatalf("seccomp unconfined: %d %q", code, out)
	}
	profile := t.TempDir() + "/deny-mkdir.json"
	mustWrite(t, profile, `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`)
	out, code = d.docker("", "run", "--rm", "--security-opt", "seccomp="+profile, "busybox", "sh", "-c", "mkdir /x 2>/dev/null || echo mkdir-denied")
	if code != 0 || out != "mkdir-denied\n" {
		t.Fatalf("custom seccomp profile: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--shm-size", "2m", "busybox", "sh", "-c", "df -k /dev/shm | tail -1")
	if code != 0 || !strings.Contains(out, " 2048 ") {
		t.Fatalf("shm-size: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--device", "/dev/null:/dev/bt-en-null", "busybox", "sh", "-c", "echo x > /dev/bt-en-null && ls -l /dev/bt-en-null")
	if code != 0 || !strings.HasPrefix(out, "crw") {
		t.Fatalf("--device: %d %q", code, out)
	}
	// A privileged container gets every host device and every capability
	// the daemon holds (its bounding set, as this test process's).
	status, _ := os.ReadFile("/proc/self/status")
	bnd := regexp.MustCompile(`CapBnd:\s*([0-9a-f]+)`).FindSubmatch(status)
	out, code = d.docker("", "run", "--rm", "--privileged", "busybox", "sh", "-c", "ls /dev/loop-control /dev/kmsg >/dev/null && grep CapEff /proc/self/status")
	if code != 0 || bnd == nil || !strings.Contains(out, string(bnd[1])) {
		t.Fatalf("--privileged: %d %q (host bounding set %s)", code, out, bnd)
	}
	out, code = d.docker("", "run", "--rm", "--entrypoint", "echo", "busybox", "via-entrypoint")
	if code != 0 || out != "via-entrypoint\n" {
		t.Fatalf("--entrypoint: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-u", "nosuchuser", "busybox", "true")
	if code == 0 || !strings.Contains(out, "unable to find user nosuchuser") {
		t.Fatalf("unknown user: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "busybox", "sh", "-c", "exec env")
	if code != 0 || !strings.Contains(out, "PATH=/usr/local/sbin:") || !strings.Contains(out, "HOME=/root") {
		t.Fatalf("default env: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--network", "host", "busybox", "hostname")
	hn, _ := runCmd("hostname")
	if code != 0 || out != hn {
		t.Fatalf("network host hostname: %d %q want %q", code, out, hn)
	}
	out, code = d.docker("", "run", "--rm", "-v", "named:/data", "busybox", "sh", "-c", "grep -c ' /data ' /proc/mounts")
	if code != 0 || out != "1\n" {
		t.Fatalf("named volume: %d %q", code, out)
	}
}

// TestRmiOfUsedImage: an image used by a container is not removed without
// force.
func TestRmiOfUsedImage(t *testing.T) { forEachCLI(t, testRmiOfUsedImage) }

func testRmiOfUsedImage(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "create", "--name", "bt-en-user", "busybox", "true"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	if out, code := d.docker("", "tag", "busybox", "bt-en-other:1"); code != 0 {
		t.Fatalf("tag: %d %q", code, out)
	}
	if out, code := d.docker("", "rmi", "bt-en-other:1"); code != 0 {
		t.Fatalf("untag of a second tag: %d %q", code, out)
	}
	out, code := d.docker("", "rmi", "busybox")
	if code == 0 || !strings.Contains(out, "conflict") {
		t.Fatalf("rmi of a used image: %d %q", code, out)
	}
	if out, code := d.docker("", "run", "--rm", "busybox", "true"); code != 0 {
		t.Fatalf("image gone after refused rmi: %d %q", code, out)
	}
}
