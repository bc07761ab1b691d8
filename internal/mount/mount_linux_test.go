package mount

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/testutil"
)

func TestParseOptions(t *testing.T) {
	flags, data := ParseOptions([]string{"rbind", "ro", "nosuid", "lowerdir=/a", "index=off"})
	if flags != unix.MS_BIND|unix.MS_REC|unix.MS_RDONLY|unix.MS_NOSUID || data != "lowerdir=/a,index=off" {
		t.Fatalf("flags %#x data %q", flags, data)
	}
	if flags, _ := ParseOptions([]string{"ro", "rw"}); flags&unix.MS_RDONLY != 0 {
		t.Fatal("rw did not clear ro")
	}
}

// TestReadOnlyBind mounts a read-only bind mount, checks that it cannot be
// written, and unmounts it twice (the second time is a no-op).
func TestReadOnlyBind(t *testing.T) {
	testutil.RequireRoot(t)
	src, target := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644)
	if err := All([]Mount{{Type: "bind", Source: src, Options: []string{"rbind", "ro"}}}, target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { UnmountAll(target) })
	if b, err := os.ReadFile(filepath.Join(target, "f")); err != nil || string(b) != "x" {
		t.Fatalf("read through bind: %q %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(target, "g"), nil, 0o644); err == nil {
		t.Fatal("read-only bind mount is writable")
	}
	if err := UnmountAll(target); err != nil {
		t.Fatal(err)
	}
	if err := Unmount(target); err != nil {
		t.Fatalf("second unmount: %v", err)
	}
	if _, err := os.Stat(filepath.Join(target, "f")); err == nil {
		t.Fatal("still mounted")
	}
	err := WithTempMount([]Mount{{Type: "bind", Source: src, Options: []string{"rbind"}}}, func(root string) error {
		return os.WriteFile(filepath.Join(root, "h"), []byte("y"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "h")); err != nil {
		t.Fatalf("write through temporary rw mount lost: %v", err)
	}
}

// TestIsMountPoint: /proc and a directory bound on itself (the same
// filesystem as its parent) are mount points; a plain directory and a
// missing path are not.
func TestIsMountPoint(t *testing.T) {
	dir := testutil.RootTempDir(t)
	sub := filepath.Join(dir, "sub")
	if err := unix.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if !IsMountPoint("/proc") || IsMountPoint(sub) || IsMountPoint(filepath.Join(dir, "missing")) {
		t.Fatalf("/proc %v, plain dir %v, missing %v", IsMountPoint("/proc"), IsMountPoint(sub), IsMountPoint(filepath.Join(dir, "missing")))
	}
	if err := unix.Mount(sub, sub, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(sub, unix.MNT_DETACH)
	if !IsMountPoint(sub) {
		t.Fatal("a bind of a directory on itself is not seen as a mount point")
	}
}
