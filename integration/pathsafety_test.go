package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// escapeImage imports an image whose rootfs holds symlinks leading out of
// it when followed on the host: /link -> /, /rel -> ../../.. (many) and
// /hostdir -> host (an absolute host path).
func (d *testDaemon) escapeImage(ref, host string) {
	d.importImage(ref, func(dir string) {
		for name, target := range map[string]string{
			"link": "/", "rel": strings.Repeat("../", 12), "hostdir": host,
		} {
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				d.t.Fatal(err)
			}
		}
	}, `CMD ["sh"]`)
}

func TestMountDestinationSymlink(t *testing.T) { forEachCLI(t, testMountDestinationSymlink) }

// Mount destinations are resolved inside the rootfs: an image symlink that
// points out of it (absolute or with "..") cannot make a bind, volume or
// tmpfs land on the host.
func testMountDestinationSymlink(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.unmountVolumesOnCleanup()
	host := t.TempDir()
	d.escapeImage("bt-escape:latest", host)
	src := t.TempDir()
	mustWrite(t, src+"/marker", "bind-src\n")
	out, code := d.docker("", "run", "--rm",
		"-v", src+":/hostdir/bind",
		"-v", "bt-vol:/link"+host+"/vol",
		"--tmpfs", "/rel"+host+"/tmp",
		"bt-escape", "sh", "-c", "cat /hostdir/bind/marker; echo v > /link"+host+"/vol/f; touch /rel"+host+"/tmp/f && echo tmpfs")
	if code != 0 || out != "bind-src\ntmpfs\n" {
		t.Fatalf("run with symlinked destinations: %d %q", code, out)
	}
	entries, err := os.ReadDir(host)
	if err != nil || len(entries) != 0 {
		t.Fatalf("mount destinations escaped to the host dir %s: %v %v", host, entries, err)
	}
	if mounted(t, host+"/bind") || mounted(t, host+"/vol") || mounted(t, host+"/tmp") {
		t.Fatal("a mount landed on the host")
	}
	if b, err := os.ReadFile(filepath.Join(d.root, "volumes", "bt-vol", "_data", "f")); err != nil || string(b) != "v\n" {
		t.Fatalf("volume write: %v %q", err, b)
	}
}

func TestCpSymlinkEscape(t *testing.T) { forEachCLI(t, testCpSymlinkEscape) }

// docker cp out of and into a container whose symlinks point out of it:
// the host's files are never read or written.
func testCpSymlinkEscape(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	host := t.TempDir()
	mustWrite(t, host+"/secret", "HOST-SECRET\n")
	d.escapeImage("bt-escape:latest", host)
	local := t.TempDir()
	mustWrite(t, local+"/bt-planted", "planted\n")
	for _, state := range []string{"created", "running"} {
		name := "bt-cp-" + state
		args := []string{"create", "--name", name, "bt-escape", "sleep", "1000"}
		if state == "running" {
			args = []string{"run", "-d", "--name", name, "bt-escape", "sleep", "1000"}
		}
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("%s: %d %q", state, code, out)
		}
		for _, p := range []string{"/link" + host + "/secret", "/rel" + host + "/secret", "/hostdir/secret", "/hostdir/"} {
			out, code := d.docker("", "cp", name+":"+p, "-")
			if strings.Contains(out, "HOST-SECRET") {
				t.Fatalf("%s: cp %s read the host's file: %d %q", state, p, code, out)
			}
			if code == 0 {
				t.Fatalf("%s: cp %s found something: %q", state, p, out)
			}
		}
		// The link itself is copied as a link.
		out, code := d.docker("", "cp", name+":/hostdir", "-")
		if code != 0 || strings.Contains(out, "HOST-SECRET") || !strings.Contains(out, host) {
			t.Fatalf("%s: cp of the link itself: %d %q", state, code, out)
		}
		for _, p := range []string{"/link" + host + "/", "/rel" + host, "/hostdir", "/hostdir/"} {
			out, code := d.docker("", "cp", local+"/bt-planted", name+":"+p)
			if _, err := os.Stat(host + "/bt-planted"); err == nil {
				t.Fatalf("%s: cp into %s wrote on the host: %d %q", state, p, code, out)
			}
		}
		entries, _ := os.ReadDir(host)
		if len(entries) != 1 {
			t.Fatalf("%s: host dir changed: %v", state, entries)
		}
	}
}

// swapperSource is a static program that swaps two paths atomically
// (renameat2 RENAME_EXCHANGE) as fast as it can: the attacker of the
// symlink-exchange race, as in the CVE-2018-15664 proof of concept.
const swapperSource = `package main

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

func main() {
	nr := map[string]uintptr{"amd64": 316, "arm64": 276, "riscv64": 276, "ppc64le": 357, "s390x": 347}[runtime.GOARCH]
	a, _ := syscall.BytePtrFromString(os.Args[1])
	b, _ := syscall.BytePtrFromString(os.Args[2])
	at := uintptr(0xffffffffffffff9c) // AT_FDCWD
	for {
		if _, _, e := syscall.Syscall6(nr, at, uintptr(unsafe.Pointer(a)), at, uintptr(unsafe.Pointer(b)), 2, 0); e != 0 {
			os.Exit(int(e))
		}
	}
}
`

// buildSwapper builds swapperSource as a static binary in a new dir.
func buildSwapper(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mustWrite(t, dir+"/go.mod", "module swapper\n\ngo 1.21\n")
	mustWrite(t, dir+"/main.go", swapperSource)
	cmd := exec.Command("go", "build", "-o", dir+"/swapper", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build swapper: %v %s", err, out)
	}
	return dir
}

// TestCpSymlinkExchangeRaceCVE_2018_15664 runs docker cp (through the API) against a
// container that keeps swapping a directory and a symlink to "/" with
// renameat2(RENAME_EXCHANGE): the classic symlink-exchange race
// (CVE-2018-15664). The host's file must never be read nor the host's
// directory written.
func TestCpSymlinkExchangeRaceCVE_2018_15664(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	swapper := buildSwapper(t)
	host := t.TempDir()
	mustWrite(t, host+"/secret", "HOST-SECRET\n")
	setup := "mkdir -p /w" + host + " && echo inside > /w" + host + "/secret && ln -s / /wl && exec /swapper/swapper /w /wl"
	if out, code := d.docker("", "run", "-d", "--name", "bt-swap", "-v", swapper+":/swapper:ro", "busybox", "sh", "-c", setup); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	ctx := context.Background()
	var plant bytes.Buffer
	tw := tar.NewWriter(&plant)
	_ = tw.WriteHeader(&tar.Header{Name: "bt-planted", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("x\n"))
	_ = tw.Close()
	inside, planted := 0, 0
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 3000 && time.Now().Before(deadline); i++ {
		res, err := d.client.CopyFromContainer(ctx, "bt-swap", client.CopyFromContainerOptions{SourcePath: "/w" + host + "/secret"})
		if err == nil {
			data, _ := io.ReadAll(res.Content)
			res.Content.Close()
			if bytes.Contains(data, []byte("HOST-SECRET")) {
				t.Fatalf("iteration %d: cp read the host's file", i)
			}
			if bytes.Contains(data, []byte("inside")) {
				inside++
			}
		}
		_, err = d.client.CopyToContainer(ctx, "bt-swap", client.CopyToContainerOptions{
			DestinationPath: "/w" + host, Content: bytes.NewReader(plant.Bytes()),
		})
		if err == nil {
			planted++
		}
		if _, err := os.Stat(host + "/bt-planted"); err == nil {
			t.Fatalf("iteration %d: cp wrote into the host's directory", i)
		}
	}
	if out, _ := d.docker("", "inspect", "-f", "{{.State.Running}}", "bt-swap"); out != "true\n" {
		t.Fatalf("the swapper stopped: %q", out)
	}
	// The race must really have been run: some copies saw the directory.
	if inside == 0 || planted == 0 {
		t.Fatalf("copies never met the container's directory (read %d, written %d): the swap did not run", inside, planted)
	}
	t.Logf("copies that met the container's directory: read %d, written %d", inside, planted)
}

// startSwapping starts a daemon with container bt-swap, which keeps
// swapping its directory /w (holding "inside-secret" at /w/<host dir>/secret)
// and a symlink to "/", while the host's <host dir>/secret holds
// "HOST-SECRET".
func startSwapping(t *testing.T) *testDaemon {
	t.Helper()
	d := startDaemon(t)
	d.importBusybox()
	swapper := buildSwapper(t)
	host := t.TempDir()
	mustWrite(t, host+"/secret", "HOST-SECRET\n")
	setup := "mkdir -p /w" + host + " && echo inside-secret > /w" + host + "/secret && ln -s / /wl && exec /swapper/swapper /w /wl"
	if out, code := d.docker("", "run", "-d", "--name", "bt-swap", "-v", swapper+":/swapper:ro", "busybox", "sh", "-c", setup); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	return d
}

// TestExportSymlinkExchangeRaceCVE_2018_15664: docker export of a running
// container that keeps swapping a directory and a symlink to "/" never
// yields the host's file.
func TestExportSymlinkExchangeRaceCVE_2018_15664(t *testing.T) {
	d := startSwapping(t)
	ctx := context.Background()
	inside := 0
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 400 && time.Now().Before(deadline); i++ {
		res, err := d.client.ContainerExport(ctx, "bt-swap", client.ContainerExportOptions{})
		if err != nil {
			continue
		}
		data, _ := io.ReadAll(res)
		res.Close()
		if bytes.Contains(data, []byte("HOST-SECRET")) {
			t.Fatalf("iteration %d: export read the host's file", i)
		}
		if bytes.Contains(data, []byte("inside-secret")) {
			inside++
		}
	}
	if inside == 0 {
		t.Fatal("exports never met the container's directory: the swap did not run")
	}
	t.Logf("exports that met the container's directory: %d", inside)
}

// TestCommitSymlinkExchangeRaceCVE_2018_15664: docker commit --pause=false
// of a container that keeps swapping a directory and a symlink to "/"
// never puts the host's file into the layer.
func TestCommitSymlinkExchangeRaceCVE_2018_15664(t *testing.T) {
	d := startSwapping(t)
	ctx := context.Background()
	inside := 0
	deadline := time.Now().Add(40 * time.Second)
	for i := 0; i < 150 && time.Now().Before(deadline); i++ {
		res, err := d.client.ContainerCommit(ctx, "bt-swap", client.ContainerCommitOptions{Reference: "bt-commit:race", NoPause: true})
		if err != nil {
			continue
		}
		save, err := d.client.ImageSave(ctx, []string{res.ID})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(save)
		save.Close()
		if bytes.Contains(data, []byte("HOST-SECRET")) {
			t.Fatalf("iteration %d: the committed layer holds the host's file", i)
		}
		if bytes.Contains(data, []byte("inside-secret")) {
			inside++
		}
		_, _ = d.client.ImageRemove(ctx, res.ID, client.ImageRemoveOptions{Force: true})
	}
	if inside == 0 {
		t.Fatal("commits never met the container's directory: the swap did not run")
	}
	t.Logf("commits that met the container's directory: %d", inside)
}

// TestDiffSymlinkExchangeRaceCVE_2018_15664: docker diff of a container
// that keeps swapping its directory /w and a symlink to "/" never lists a
// name of the host's root (nor names one in an error): the layer is read
// chrooted into it, so /w as a symlink leads to the layer's own root.
func TestDiffSymlinkExchangeRaceCVE_2018_15664(t *testing.T) {
	d := startSwapping(t)
	ctx := context.Background()
	// Names of the host's root that the container's root does not have.
	out, code := d.docker("", "exec", "bt-swap", "ls", "-a", "/")
	if code != 0 {
		t.Fatalf("ls: %d %q", code, out)
	}
	inCtr := map[string]bool{}
	for _, n := range strings.Fields(out) {
		inCtr[n] = true
	}
	ents, err := os.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	var hostOnly []string
	for _, e := range ents {
		if !inCtr[e.Name()] {
			hostOnly = append(hostOnly, e.Name())
		}
	}
	if len(hostOnly) == 0 {
		t.Fatal("the host's root has no name the container's lacks: the test cannot tell them apart")
	}
	leak := func(s string) string {
		for _, n := range hostOnly {
			for _, sep := range []string{"/", ":", " ", "\"", "\n"} {
				if strings.Contains(s, "/w/"+n+sep) {
					return n
				}
			}
			if strings.HasSuffix(s, "/w/"+n) {
				return n
			}
		}
		return ""
	}
	inside := 0
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 1500 && time.Now().Before(deadline); i++ {
		res, err := d.client.ContainerDiff(ctx, "bt-swap", client.ContainerDiffOptions{})
		if err != nil {
			if n := leak(err.Error()); n != "" {
				t.Fatalf("iteration %d: diff's error names the host's /%s: %v", i, n, err)
			}
			continue
		}
		for _, c := range res.Changes {
			if n := leak(c.Path); n != "" {
				t.Fatalf("iteration %d: diff lists the host's /%s as %s", i, n, c.Path)
			}
			if strings.HasSuffix(c.Path, "/secret") && strings.HasPrefix(c.Path, "/w/") {
				inside++
			}
		}
	}
	if inside == 0 {
		t.Fatal("diffs never met the container's directory: the swap did not run")
	}
	t.Logf("diffs that met the container's directory: %d; host-only names watched: %v", inside, hostOnly)
}
