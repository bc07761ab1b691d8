package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMaskDevNullFromVolumeCVE_2025_31133: a named volume at /dev takes the
// image's /dev at first use, so an image decides what /dev/null is. Here
// it is a symlink to /hostfile, a host file the container is given: the
// masks of /proc files (interrupts, keys, timer_list…) must not become
// binds of that file, writable through /proc/interrupts. berth's runtime
// refuses the container with a clear error and the host file is
// unchanged. (runc 1.1 does its own masks; it is not berth's code.)
func TestMaskDevNullFromVolumeCVE_2025_31133(t *testing.T) {
	d := startDaemon(t)
	d.unmountVolumesOnCleanup()
	d.importImage("bt-devnull:latest", func(dir string) {
		if err := os.MkdirAll(filepath.Join(dir, "dev"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/hostfile", filepath.Join(dir, "dev", "null")); err != nil {
			t.Fatal(err)
		}
	}, `CMD ["sh"]`)
	host := filepath.Join(t.TempDir(), "hostfile")
	mustWrite(t, host, "host file\n")
	out, code := d.docker("", "run", "--rm", "--runtime", "berth", "-v", "bt-devvol:/dev", "-v", host+":/hostfile",
		"bt-devnull", "sh", "-c", "echo pwned > /proc/interrupts; head -c 64 /proc/interrupts; echo ran")
	if code == 0 || strings.Contains(out, "ran") {
		t.Errorf("a container whose /dev/null is a symlink ran: %d %q", code, out)
	}
	if !strings.Contains(out, "/dev/null is not the null device") {
		t.Errorf("want berth's error about /dev/null, got %q", out)
	}
	if b, err := os.ReadFile(host); err != nil || string(b) != "host file\n" {
		t.Fatalf("the host file changed: %q %v", b, err)
	}
	// the same volume once its null is the null device: the masks work.
	null := filepath.Join(d.root, "volumes", "bt-devvol", "_data", "null")
	if err := os.Remove(null); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	out, code = d.docker("", "run", "--rm", "--runtime", "berth", "-v", "bt-devvol:/dev", "bt-devnull", "sh", "-c", "head -c 64 /proc/interrupts; echo ran")
	if code != 0 || out != "ran\n" {
		t.Fatalf("a container whose /dev/null is the null device: %d %q", code, out)
	}
}
