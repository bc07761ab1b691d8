package integration

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/snapshot"
)

// onSmallDisk moves d's data root onto a 128 MB ext4 the test makes (a
// file under the test's temp dir, loop-mounted over the root): d is
// stopped, the mount made, d started on the empty filesystem. Cleanup
// removes the containers, stops d, unmounts and detaches the loop device.
func (d *testDaemon) onSmallDisk(t *testing.T) {
	t.Helper()
	d.stop()
	img := filepath.Join(t.TempDir(), "disk.img")
	if out, err := runCmd("truncate", "-s", "128M", img); err != nil {
		t.Fatalf("truncate: %v %s", err, out)
	}
	if out, err := runCmd("mkfs.ext4", "-q", "-m", "0", img); err != nil {
		t.Fatalf("mkfs.ext4: %v %s", err, out)
	}
	out, err := runCmd("losetup", "--find", "--show", img)
	if err != nil {
		t.Fatalf("losetup: %v %s", err, out)
	}
	dev := strings.TrimSpace(out)
	if out, err := runCmd("mount", dev, d.root); err != nil {
		_, _ = runCmd("losetup", "-d", dev)
		t.Fatalf("mount %s: %v %s", dev, err, out)
	}
	t.Cleanup(func() {
		if d.cmd != nil {
			if ids, _ := d.docker("", "ps", "-a", "-q"); strings.TrimSpace(ids) != "" {
				_, _ = d.docker("", append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
			}
			d.stop()
		}
		if err := syscall.Unmount(d.root, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", d.root, err)
		}
		if out, err := runCmd("losetup", "-d", dev); err != nil {
			t.Errorf("losetup -d %s: %v %s", dev, err, out)
		}
	})
	d.start(nil)
}

// fillDisk writes path until the filesystem has no block left, then
// gives back free bytes.
func fillDisk(t *testing.T, path string, free int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{1 << 20, 4096, 512} {
		buf := make([]byte, size)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("fill: %v", err)
				}
				break
			}
		}
	}
	if free > 0 {
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(st.Size() - free); err != nil {
			t.Fatal(err)
		}
	}
	_ = f.Sync()
}

// checkJSONLog fails when a line of the json-file log at p is not whole;
// it returns how many lines "line N" lack between the first and the last.
func checkJSONLog(t *testing.T, p string) (gap int) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, prev := 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct{ Log, Stream, Time string }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Stream == "" {
			t.Fatalf("log line %d is not a whole entry: %q", n+1, sc.Text())
		}
		n++
		var i int
		if _, err := fmt.Sscanf(e.Log, "line %d", &i); err == nil {
			if prev > 0 && i > prev+1 {
				gap += i - prev - 1
			}
			prev = i
		}
	}
	return gap
}

// TestFullDisk puts the data root on a small filesystem and fills it: pull,
// build, commit, load and cp into a container each fail with "no space
// left on device" (the CLI exits non-zero), a container writing logs goes
// on running; once space is freed the same operations succeed, the log is
// whole, and after a restart the stores open and every object works.
func TestFullDisk(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemon(t)
	d.onSmallDisk(t)
	pulled := reg.host + "/fd/img:1"
	d.makeLayeredImage(pulled, 1536, 1536)
	d.mustCLI("push", pulled)
	d.mustCLI("run", "--name", "bt-fd-load", "busybox", "sh", "-c", "head -c 1500000 /dev/urandom > /l")
	d.mustCLI("commit", "bt-fd-load", "bt-fd-loadme")
	archive := filepath.Join(t.TempDir(), "load.tar")
	d.mustCLI("save", "-o", archive, "bt-fd-loadme")
	d.mustCLI("rm", "bt-fd-load")
	d.removeAllImages() // the pull and the load store every layer anew
	d.importBusybox()
	d.mustCLI("run", "--name", "bt-fd-commit", "busybox", "sh", "-c", "head -c 2000000 /dev/urandom > /c")
	d.mustCLI("run", "-d", "--name", "bt-fd-cp", "busybox", "sleep", "600")
	d.mustCLI("run", "-d", "--name", "bt-fd-log", "busybox", "sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; usleep 2000; done")
	logPath := strings.TrimSpace(d.mustCLI("inspect", "-f", "{{.LogPath}}", "bt-fd-log"))
	cpFile := filepath.Join(t.TempDir(), "cpfile")
	if err := os.WriteFile(cpFile, make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	dockerfile := "FROM busybox\nRUN dd if=/dev/urandom of=/b bs=1M count=3\n" // dd names ENOSPC (busybox head says "I/O error")
	ops := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"pull", "", []string{"pull", pulled}},
		{"build", dockerfile, []string{"build", "-t", "bt-fd-built", "-"}},
		{"commit", "", []string{"commit", "bt-fd-commit", "bt-fd-committed"}},
		{"load", "", []string{"load", "-i", archive}},
		{"cp", "", []string{"cp", cpFile, "bt-fd-cp:/cpfile"}},
	}
	// A build before the disk fills: the full-disk build gets past the
	// builder's own directory and fails in its steps.
	if out, code := d.docker("FROM busybox\nRUN true\n", "build", "-t", "bt-fd-warm", "-"); code != 0 {
		t.Fatalf("build: %d %s", code, out)
	}
	// Twice: with no block free (the operations fail at their first
	// write) and with 1 MiB free (they fail in the middle of a blob, a
	// layer or a file).
	filler := filepath.Join(d.root, "filler")
	for _, free := range []int64{0, 1 << 20} {
		fillDisk(t, filler, free)
		for _, op := range ops {
			out, code := d.docker(op.stdin, op.args...)
			if code == 0 {
				t.Errorf("%s on a full disk (%d bytes free) succeeded: %q", op.name, free, out)
			} else if !strings.Contains(strings.ToLower(out), "no space left on device") || strings.Contains(out, "invalid archive") {
				t.Errorf("%s on a full disk (%d bytes free): exit %d without a clear error: %q", op.name, free, code, out)
			} else {
				lines := strings.Split(strings.TrimSpace(out), "\n")
				t.Logf("%s on a full disk (%d bytes free): exit %d: %s", op.name, free, code, lines[len(lines)-1])
			}
		}
		// The failed operations removed what they had half-written.
		if left := scratchLeft(d.root); len(left) != 0 {
			t.Errorf("scratch files left by failed operations: %v", left)
		}
		blobs := filepath.Join(d.root, "content", "blobs", "sha256")
		for _, b := range dirEntries(blobs) {
			if got := fileSHA256(t, filepath.Join(blobs, b)); got != b {
				t.Errorf("blob %s is not whole on the full disk", b)
			}
		}
		time.Sleep(300 * time.Millisecond) // the logging container meets the full disk
		if out, code := d.docker("", "inspect", "-f", "{{.State.Status}}", "bt-fd-log"); code != 0 || strings.TrimSpace(out) != "running" {
			t.Errorf("logging container on a full disk: %d %q", code, out)
		}
		if out, code := d.docker("", "exec", "bt-fd-log", "true"); code != 0 {
			t.Errorf("exec in the logging container on a full disk: %d %s", code, out)
		}
		if free == 0 {
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	before, _ := d.docker("", "logs", "--tail", "1", "bt-fd-log")
	waitFor(t, 10*time.Second, "log lines after space is freed", func() bool {
		now, _ := d.docker("", "logs", "--tail", "1", "bt-fd-log")
		return strings.HasPrefix(now, "line ") && now != before
	})
	for _, op := range ops {
		if out, code := d.docker(op.stdin, op.args...); code != 0 {
			t.Errorf("%s after space is freed: exit %d: %s", op.name, code, out)
		}
	}
	if out, code := d.docker("", "exec", "bt-fd-cp", "sh", "-c", "wc -c < /cpfile"); code != 0 || strings.TrimSpace(out) != "4194304" {
		t.Errorf("copied file: %d %q", code, out)
	}
	d.mustCLI("stop", "-t", "0", "bt-fd-log")
	// Lines the full disk made it drop, not wait for: the container's
	// counter went on.
	if gap := checkJSONLog(t, logPath); gap == 0 {
		t.Errorf("no line of the logging container was dropped: the disk was never full for it")
	} else {
		t.Logf("%d log lines dropped on the full disk", gap)
	}
	d.mustCLI("rm", "bt-fd-log")
	d.stop()
	sn, _, err := snapshot.New(filepath.Join(d.root, "snapshots"))
	if err != nil {
		t.Fatalf("snapshot store after a full disk: %v", err)
	}
	sn.Close()
	d.start(nil)
	d.checkNoHalfMade(t, d.baseMounts())
	for _, ref := range []string{pulled, "bt-fd-built", "bt-fd-committed", "bt-fd-loadme"} {
		if out, code := d.docker("", "run", "--rm", ref, "true"); code != 0 {
			t.Errorf("run %s after restart: %d %s", ref, code, out)
		}
	}
}
