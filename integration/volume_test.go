package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// importImage imports a busybox rootfs changed by edit as image ref, with
// Dockerfile-like changes (VOLUME, CMD…).
func (d *testDaemon) importImage(ref string, edit func(dir string), changes ...string) {
	d.t.Helper()
	dir := d.t.TempDir()
	testutil.BusyboxRootfs(d.t, dir)
	if edit != nil {
		edit(dir)
	}
	var buf bytes.Buffer
	if err := tarDir(&buf, dir); err != nil {
		d.t.Fatal(err)
	}
	res, err := d.client.ImageImport(context.Background(), client.ImageImportSource{Source: &buf, SourceName: "-"}, ref,
		client.ImageImportOptions{Changes: changes})
	if err != nil {
		d.t.Fatalf("import %s: %v", ref, err)
	}
	_, _ = io.Copy(io.Discard, res)
	res.Close()
}

// unmountVolumesOnCleanup undoes volume mounts (tmpfs volumes) a failed
// test may leave in the daemon's data root, so that TempDir can go.
func (d *testDaemon) unmountVolumesOnCleanup() {
	d.t.Cleanup(func() {
		ms, _ := filepath.Glob(filepath.Join(d.root, "volumes", "*", "_data"))
		for _, m := range ms {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
	})
}

func TestVolumeCommands(t *testing.T) { forEachCLI(t, testVolumeCommands) }

func testVolumeCommands(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.unmountVolumesOnCleanup()
	d.importBusybox()

	out, code := d.docker("", "volume", "create", "--label", "tier=db", "bt-data")
	if code != 0 || out != "bt-data\n" {
		t.Fatalf("volume create: %d %q", code, out)
	}
	mp, code := d.docker("", "volume", "inspect", "-f", "{{.Mountpoint}} {{.Driver}} {{.Labels.tier}} {{.Scope}}", "bt-data")
	if code != 0 || mp != filepath.Join(d.root, "volumes", "bt-data", "_data")+" local db local\n" {
		t.Fatalf("volume inspect: %d %q", code, mp)
	}
	if _, code = d.docker("", "volume", "create", "bt-other"); code != 0 {
		t.Fatal("volume create bt-other")
	}
	// Persistence across containers.
	out, code = d.docker("", "run", "--rm", "-v", "bt-data:/data", "busybox", "sh", "-c", "echo kept > /data/f")
	if code != 0 {
		t.Fatalf("write to volume: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-v", "bt-data:/data:ro", "busybox", "sh", "-c", "cat /data/f; touch /data/g 2>/dev/null || echo refused")
	if code != 0 || out != "kept\nrefused\n" {
		t.Fatalf("read-only volume: %d %q", code, out)
	}
	// (--until is whole seconds: one in the future takes in the last runs.)
	out, code = d.docker("", "events", "--since", "1m", "--until", fmt.Sprint(time.Now().Unix()+2), "--filter", "type=volume", "--format", "{{.Action}} {{.Actor.ID}}")
	if code != 0 || !strings.Contains(out, "create bt-data\n") || strings.Count("\n"+out, "\nmount bt-data\n") != 2 || strings.Count(out, "unmount bt-data\n") != 2 {
		t.Fatalf("volume events: %d %q", code, out)
	}
	// A volume created on the fly by -v name:/p, and --mount type=volume.
	out, code = d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-auto,dst=/m", "busybox", "sh", "-c", "echo m > /m/x")
	if code != 0 {
		t.Fatalf("--mount volume: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "ls", "-q", "--filter", "name=bt-")
	if code != 0 || out != "bt-auto\nbt-data\nbt-other\n" {
		t.Fatalf("volume ls -q: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "ls", "-q", "--filter", "label=tier=db")
	if code != 0 || out != "bt-data\n" {
		t.Fatalf("volume ls label filter: %d %q", code, out)
	}
	// In use by a container (even stopped): rm refuses with a conflict.
	if out, code = d.docker("", "create", "--name", "bt-user", "-v", "bt-data:/data", "busybox", "true"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	out, code = d.docker("", "ps", "-a", "--filter", "volume=bt-data", "--format", "{{.Names}} {{.Mounts}}")
	if code != 0 || out != "bt-user bt-data\n" {
		t.Fatalf("ps --filter volume: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "rm", "bt-data")
	if code == 0 || !strings.Contains(out, "volume is in use") {
		t.Fatalf("rm of used volume: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "rm", "-f", "bt-data")
	if code == 0 || !strings.Contains(out, "volume is in use") {
		t.Fatalf("rm -f of used volume: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "ls", "-q", "--filter", "dangling=true", "--filter", "name=bt-")
	if code != 0 || out != "bt-auto\nbt-other\n" {
		t.Fatalf("volume ls dangling: %d %q", code, out)
	}
	// system df counts volumes.
	out, code = d.docker("", "system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}")
	if code != 0 || !strings.Contains(out, "Local Volumes 3 1\n") {
		t.Fatalf("system df: %d %q", code, out)
	}
	if out, code = d.docker("", "rm", "bt-user"); code != 0 {
		t.Fatalf("rm: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(d.root, "volumes", "bt-data", "_data", "f")); err != nil {
		t.Fatalf("volume data gone after rm: %v", err)
	}
	// Prune: anonymous only by default, all unused with --all.
	if out, code = d.docker("", "run", "-v", "/anon", "--name", "bt-anon", "busybox", "true"); code != 0 {
		t.Fatalf("run -v /anon: %d %q", code, out)
	}
	anon, _ := d.docker("", "inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "bt-anon")
	anon = strings.TrimSpace(anon)
	if len(anon) != 64 {
		t.Fatalf("anonymous volume name %q", anon)
	}
	d.docker("", "rm", "bt-anon")
	out, code = d.docker("", "volume", "prune", "-f")
	if code != 0 || !strings.Contains(out, anon) || strings.Contains(out, "bt-data") {
		t.Fatalf("volume prune: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "prune", "-f", "--all", "--filter", "label=tier=db")
	if code != 0 || !strings.Contains(out, "bt-data") || strings.Contains(out, "bt-other") {
		t.Fatalf("volume prune --all label: %d %q", code, out)
	}
	if out, code = d.docker("", "volume", "rm", "bt-other", "bt-auto"); code != 0 {
		t.Fatalf("volume rm: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "inspect", "bt-other")
	if code == 0 || !strings.Contains(out, "no such volume") {
		t.Fatalf("inspect removed volume: %d %q", code, out)
	}
	if entries, _ := os.ReadDir(filepath.Join(d.root, "volumes")); len(entries) != 0 {
		t.Fatalf("volume dirs left: %v", entries)
	}
}

func TestVolumeOptions(t *testing.T) { forEachCLI(t, testVolumeOptions) }

// A tmpfs volume (type=tmpfs, o=size=…) is mounted while a container uses
// it and shared between containers that run at the same time.
func testVolumeOptions(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.unmountVolumesOnCleanup()
	d.importBusybox()
	out, code := d.docker("", "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=2m,mode=0750", "bt-tmp")
	if code != 0 {
		t.Fatalf("create tmpfs volume: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "inspect", "-f", "{{.Options.type}} {{.Options.o}}", "bt-tmp")
	if code != 0 || out != "tmpfs size=2m,mode=0750\n" {
		t.Fatalf("inspect options: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-v", "bt-tmp:/t", "busybox", "sh", "-c", "grep ' /t ' /proc/mounts; df -k /t | tail -1; stat -c %a /t")
	if code != 0 || !strings.Contains(out, "tmpfs /t tmpfs") || !strings.Contains(out, " 2048 ") || !strings.HasSuffix(out, "750\n") {
		t.Fatalf("tmpfs volume in container: %d %q", code, out)
	}
	data := filepath.Join(d.root, "volumes", "bt-tmp", "_data")
	if mounted(t, data) {
		t.Fatal("tmpfs volume still mounted after its last user stopped")
	}
	// The same through --mount volume-opt=, and tmpfs-mode on a tmpfs mount.
	out, code = d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-tmp2,dst=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m",
		"--mount", "type=tmpfs,dst=/m,tmpfs-mode=1770", "busybox", "sh", "-c", "df -k /t | tail -1; stat -c %a /m")
	if code != 0 || !strings.Contains(out, " 1024 ") || !strings.HasSuffix(out, "1770\n") {
		t.Fatalf("--mount volume-opt / tmpfs-mode: %d %q", code, out)
	}
	// volume-subpath mounts one directory of a volume.
	if out, code = d.docker("", "run", "--rm", "-v", "bt-sub:/v", "busybox", "sh", "-c", "mkdir -p /v/a/b && echo sub > /v/a/b/f"); code != 0 {
		t.Fatalf("fill bt-sub: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-sub,dst=/s,volume-subpath=a/b", "busybox", "ls", "/s")
	if code != 0 || out != "f\n" {
		t.Fatalf("volume-subpath: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-sub,dst=/s,volume-subpath=nosuch", "busybox", "true")
	if code == 0 || !strings.Contains(out, "nosuch") {
		t.Fatalf("missing volume-subpath: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "create", "-o", "bogus=1", "bt-bad")
	if code == 0 || !strings.Contains(out, `invalid option: "bogus"`) {
		t.Fatalf("bad option: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(d.root, "volumes", "bt-bad")); err == nil {
		t.Fatal("volume with bad options was created")
	}
}

func mounted(t *testing.T, p string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == p {
			return true
		}
	}
	return false
}

func TestContainerVolumes(t *testing.T) { forEachCLI(t, testContainerVolumes) }

// Image VOLUME copy-up, anonymous volumes and rm -v, --volumes-from and
// Mounts in inspect.
func testContainerVolumes(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.unmountVolumesOnCleanup()
	d.importBusybox()
	d.importImage("bt-volimg:latest", func(dir string) {
		if err := os.MkdirAll(dir+"/seed", 0o750); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, dir+"/seed/hello", "from-image\n")
		if err := os.Chown(dir+"/seed", 1000, 1000); err != nil {
			t.Fatal(err)
		}
	}, `VOLUME ["/seed"]`, `CMD ["sh"]`)

	// Copy-up: a fresh anonymous volume holds the image's files, mode and owner.
	out, code := d.docker("", "run", "--name", "bt-c1", "bt-volimg", "sh", "-c", "cat /seed/hello; stat -c '%a %u' /seed; echo more > /seed/new; grep ' /seed ' /proc/mounts >/dev/null && echo mounted")
	if code != 0 || out != "from-image\n750 1000\nmounted\n" {
		t.Fatalf("VOLUME copy-up: %d %q", code, out)
	}
	var mounts []struct {
		Type, Name, Source, Destination, Driver string
		RW                                      bool
	}
	js, _ := d.docker("", "inspect", "-f", "{{json .Mounts}}", "bt-c1")
	if err := json.Unmarshal([]byte(js), &mounts); err != nil || len(mounts) != 1 {
		t.Fatalf("inspect Mounts: %v %q", err, js)
	}
	m := mounts[0]
	if m.Type != "volume" || len(m.Name) != 64 || m.Destination != "/seed" || !m.RW || m.Driver != "local" ||
		m.Source != filepath.Join(d.root, "volumes", m.Name, "_data") {
		t.Fatalf("inspect Mounts: %+v", m)
	}
	// The volume keeps the container's writes across restarts (no second copy).
	out, code = d.docker("", "start", "-a", "bt-c1")
	if code != 0 || out != "from-image\n750 1000\nmounted\n" {
		t.Fatalf("restart: %d %q", code, out)
	}
	// --volumes-from shares the volume, read-only when asked.
	out, code = d.docker("", "run", "--rm", "--volumes-from", "bt-c1:ro", "busybox", "sh", "-c", "cat /seed/new; touch /seed/x 2>/dev/null || echo refused")
	if code != 0 || out != "more\nrefused\n" {
		t.Fatalf("--volumes-from ro: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--volumes-from", "bt-c1", "busybox", "sh", "-c", "echo shared > /seed/from2")
	if code != 0 {
		t.Fatalf("--volumes-from: %d %q", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(m.Source, "from2")); err != nil || string(b) != "shared\n" {
		t.Fatalf("write through --volumes-from: %v %q", err, b)
	}
	// A named volume over an image VOLUME replaces the anonymous one and is
	// filled from the image when empty.
	out, code = d.docker("", "run", "--rm", "-v", "bt-named:/seed", "bt-volimg", "cat", "/seed/hello")
	if code != 0 || out != "from-image\n" {
		t.Fatalf("named volume copy-up: %d %q", code, out)
	}
	// nocopy leaves an empty volume empty.
	out, code = d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-empty,dst=/seed,volume-nocopy", "bt-volimg", "ls", "-A", "/seed")
	if code != 0 || out != "" {
		t.Fatalf("volume-nocopy: %d %q", code, out)
	}
	// rm keeps volumes; rm -v removes the anonymous ones, not named ones.
	if out, code = d.docker("", "run", "--name", "bt-c2", "-v", "bt-named:/n", "-v", "/anon2", "busybox", "true"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	anon2, _ := d.docker("", "inspect", "-f", `{{range .Mounts}}{{if eq .Destination "/anon2"}}{{.Name}}{{end}}{{end}}`, "bt-c2")
	anon2 = strings.TrimSpace(anon2)
	if out, code = d.docker("", "rm", "-v", "bt-c2"); code != 0 {
		t.Fatalf("rm -v: %d %q", code, out)
	}
	if out, code = d.docker("", "volume", "inspect", anon2); code == 0 {
		t.Fatalf("anonymous volume survived rm -v: %q", out)
	}
	if out, code = d.docker("", "volume", "inspect", "bt-named"); code != 0 {
		t.Fatalf("named volume removed by rm -v: %q", out)
	}
	// --rm removes the anonymous volumes too.
	before, _ := d.docker("", "volume", "ls", "-q")
	if out, code = d.docker("", "run", "--rm", "-v", "/gone", "busybox", "true"); code != 0 {
		t.Fatalf("run --rm -v: %d %q", code, out)
	}
	after, _ := d.docker("", "volume", "ls", "-q")
	if before != after {
		t.Fatalf("run --rm left a volume: %q -> %q", before, after)
	}
	out, code = d.docker("", "run", "--rm", "-v", "bt-named:/etc/passwd", "busybox", "true")
	if code == 0 || !strings.Contains(out, "cannot mount volume over existing file") {
		t.Fatalf("volume over a file: %d %q", code, out)
	}
	// Volumes stay writable in a read-only root, on new mount points too.
	out, code = d.docker("", "run", "--rm", "--read-only", "-v", "/fresh", "-v", "bt-named:/n", "busybox", "sh", "-c", "touch /fresh/x /n/y && echo ok; touch /z 2>/dev/null || echo rofs")
	if code != 0 || out != "ok\nrofs\n" {
		t.Fatalf("--read-only with volumes: %d %q", code, out)
	}
	// --tmpfs with options and --mount type=tmpfs with a size.
	out, code = d.docker("", "run", "--rm", "--tmpfs", "/t1:size=1m,mode=1777", "--mount", "type=tmpfs,dst=/t2,tmpfs-size=2m", "busybox",
		"sh", "-c", "df -k /t1 /t2 | tail -2 | awk '{print $2}'; stat -c %a /t1")
	if code != 0 || out != "1024\n2048\n1777\n" {
		t.Fatalf("tmpfs mounts: %d %q", code, out)
	}
	// --mount type=bind,readonly.
	host := t.TempDir()
	mustWrite(t, host+"/f", "h\n")
	out, code = d.docker("", "run", "--rm", "--mount", "type=bind,src="+host+",dst=/h,readonly", "busybox", "sh", "-c", "cat /h/f; touch /h/g 2>/dev/null || echo refused")
	if code != 0 || out != "h\nrefused\n" {
		t.Fatalf("--mount bind readonly: %d %q", code, out)
	}
}

func TestVolumeBadInput(t *testing.T) { forEachCLI(t, testVolumeBadInput) }

// A relative bind source and a volume name with a slash are refused with
// exit 125, and nothing (container, volume, directory) is created.
func testVolumeBadInput(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	cwd := t.TempDir()
	for _, v := range []string{"bt/sub:/data", "bt-rel/dir:/data"} {
		cmd := []string{"run", "--name", "bt-bad", "-v", v, "busybox", "true"}
		out, code := d.dockerIn(cwd, cmd...)
		if code != 125 || !strings.Contains(out, "includes invalid characters for a local volume name") {
			t.Fatalf("run -v %s: %d %q", v, code, out)
		}
	}
	out, code := d.docker("", "volume", "create", "bt/x")
	if code == 0 || !strings.Contains(out, "includes invalid characters") {
		t.Fatalf("volume create bt/x: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-v", "bt-v:rel", "busybox", "true")
	if code != 125 || !strings.Contains(out, "must be absolute") {
		t.Fatalf("relative destination: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-v", "bt-v:/a", "-v", "bt-w:/a", "busybox", "true")
	if code != 125 || !strings.Contains(out, "Duplicate mount point") {
		t.Fatalf("duplicate mount point: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--volumes-from", "bt-nosuch", "busybox", "true")
	if code != 125 || !strings.Contains(out, "No such container") {
		t.Fatalf("volumes-from missing container: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--volume-driver", "bt-nodriver", "-v", "bt-v:/a", "busybox", "true")
	if code != 125 || !strings.Contains(out, `plugin "bt-nodriver" not found`) {
		t.Fatalf("unknown volume driver: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--mount", "type=volume,src=bt-v,dst=/a,volume-driver=bt-nodriver", "busybox", "true")
	if code != 125 || !strings.Contains(out, `plugin "bt-nodriver" not found`) {
		t.Fatalf("unknown volume driver in --mount: %d %q", code, out)
	}
	if out, _ := d.docker("", "ps", "-aq"); out != "" {
		t.Fatalf("containers left: %q", out)
	}
	if out, _ := d.docker("", "volume", "ls", "-q"); out != "" {
		t.Fatalf("volumes left: %q", out)
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Fatalf("bind source created: %v", entries)
	}
}

// dockerIn is docker run in the working directory dir.
func (d *testDaemon) dockerIn(dir string, args ...string) (string, int) {
	d.t.Helper()
	cli := d.cli
	if cli == "" {
		cli = "docker"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "BERTH_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir)
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(err)
}

func TestCpVolumes(t *testing.T) { forEachCLI(t, testCpVolumes) }

// docker cp reads and writes a container's volumes and binds, running or
// not, refuses to write into a read-only one, and leaves no mount behind.
func testCpVolumes(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.unmountVolumesOnCleanup()
	d.importBusybox()
	host := t.TempDir()
	local := t.TempDir()
	mustWrite(t, local+"/in", "copied-in\n")
	for _, state := range []string{"created", "running"} {
		name := "bt-cpv-" + state
		args := []string{"create", "--name", name}
		if state == "running" {
			args = []string{"run", "-d", "--name", name}
		}
		args = append(args, "-v", "bt-cpv-"+state+":/vol", "-v", host+":/bind", "-v", "bt-cpv-ro:/ro:ro", "busybox", "sleep", "1000")
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("%s: %d %q", state, code, out)
		}
		if out, code := d.docker("", "cp", local+"/in", name+":/vol/f"); code != 0 {
			t.Fatalf("%s: cp into volume: %d %q", state, code, out)
		}
		vol := filepath.Join(d.root, "volumes", "bt-cpv-"+state, "_data", "f")
		if b, err := os.ReadFile(vol); err != nil || string(b) != "copied-in\n" {
			t.Fatalf("%s: volume file: %v %q", state, err, b)
		}
		if out, code := d.docker("", "cp", local+"/in", name+":/bind/"+state); code != 0 {
			t.Fatalf("%s: cp into bind: %d %q", state, code, out)
		}
		if b, err := os.ReadFile(host + "/" + state); err != nil || string(b) != "copied-in\n" {
			t.Fatalf("%s: bind file: %v %q", state, err, b)
		}
		out, code := d.docker("", "cp", name+":/vol/f", "-")
		if code != 0 || !strings.Contains(out, "copied-in") {
			t.Fatalf("%s: cp out of volume: %d %q", state, code, out)
		}
		out, code = d.docker("", "cp", local+"/in", name+":/ro/f")
		if code == 0 {
			t.Fatalf("%s: cp into a read-only volume succeeded: %q", state, out)
		}
		if _, err := os.Stat(filepath.Join(d.root, "volumes", "bt-cpv-ro", "_data", "f")); err == nil {
			t.Fatalf("%s: read-only volume written", state)
		}
	}
	// The copies mounted the volumes in their own namespace only.
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && (strings.HasPrefix(f[4], d.execRoot) || strings.Contains(f[4], "berth-mount-")) && (strings.HasSuffix(f[4], "/vol") || strings.HasSuffix(f[4], "/bind") || strings.HasSuffix(f[4], "/ro")) {
			t.Fatalf("cp left a mount in the host's namespace: %s", l)
		}
	}
}

// TestVolumesAcrossDaemonRestart: volumes and their use survive a daemon
// killed with SIGKILL; a tmpfs volume of a running container stays mounted
// and is unmounted when that container stops after the restart.
func TestVolumesAcrossDaemonRestart(t *testing.T) {
	d := startDaemon(t)
	d.unmountVolumesOnCleanup()
	d.importBusybox()
	if out, code := d.docker("", "run", "--rm", "-v", "bt-keep:/d", "busybox", "sh", "-c", "echo 1 > /d/f"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	if out, code := d.docker("", "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "bt-tmpfs"); code != 0 {
		t.Fatalf("volume create: %d %q", code, out)
	}
	if out, code := d.docker("", "run", "-d", "--name", "bt-holder", "-v", "bt-tmpfs:/t", "busybox", "sh", "-c", "echo held > /t/f; sleep 1000"); code != 0 {
		t.Fatalf("run holder: %d %q", code, out)
	}
	d.kill9()
	d.start(nil)
	out, code := d.docker("", "run", "--rm", "-v", "bt-keep:/d", "busybox", "cat", "/d/f")
	if code != 0 || out != "1\n" {
		t.Fatalf("volume after restart: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "-v", "bt-tmpfs:/t", "busybox", "cat", "/t/f")
	if code != 0 || out != "held\n" {
		t.Fatalf("tmpfs volume shared after restart: %d %q", code, out)
	}
	out, code = d.docker("", "volume", "rm", "bt-tmpfs")
	if code == 0 || !strings.Contains(out, "in use") {
		t.Fatalf("rm of a volume in use after restart: %d %q", code, out)
	}
	data := filepath.Join(d.root, "volumes", "bt-tmpfs", "_data")
	if !mounted(t, data) {
		t.Fatal("tmpfs volume of a running container unmounted")
	}
	if out, code := d.docker("", "rm", "-f", "bt-holder"); code != 0 {
		t.Fatalf("rm holder: %d %q", code, out)
	}
	if mounted(t, data) {
		t.Fatal("tmpfs volume still mounted after its last user stopped")
	}
}
