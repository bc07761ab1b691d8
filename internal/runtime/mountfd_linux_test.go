package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/testutil"
)

// TestMountsByDescriptor: the kinds of destinations and sources that the
// runtime opens once and mounts through their descriptors (CVE-2021-30465
// class): a file destination missing from the image (made, read-only), a
// file destination that is a dangling symlink in the image (its target
// made inside the rootfs), a bind source that is a host symlink (followed
// once, as Docker does), a shared bind (propagation set on the new mount,
// not on the directory under it) and a tmpfs with its own propagation.
func TestMountsByDescriptor(t *testing.T) {
	r := newRT(t)
	host := t.TempDir()
	src := filepath.Join(host, "dir")
	testutil.WriteFiles(t, host, map[string]string{"dir/f": "dir-src\n", "file": "file-src\n", "file2": "file2-src\n"})
	if err := os.Symlink(src, filepath.Join(host, "link")); err != nil {
		t.Fatal(err)
	}
	script := "cat /etc/bt.conf /etc/linked.conf /viasym/f; " +
		"echo x > /etc/bt.conf 2>/dev/null && echo ro-file-writable; " +
		"grep ' /shared ' /proc/self/mountinfo | grep -q shared: && echo shared-ok; " +
		"grep ' /tmpfs-shared ' /proc/self/mountinfo | grep -q shared: && echo tmpfs-shared-ok"
	b := bundle(t, script, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/etc/bt.conf", Type: "bind", Source: filepath.Join(host, "file"), Options: []string{"bind", "ro"}},
			specs.Mount{Destination: "/etc/linked.conf", Type: "bind", Source: filepath.Join(host, "file2"), Options: []string{"bind"}},
			specs.Mount{Destination: "/viasym", Type: "bind", Source: filepath.Join(host, "link"), Options: []string{"rbind"}},
			specs.Mount{Destination: "/shared", Type: "bind", Source: src, Options: []string{"rbind", "rshared"}},
			specs.Mount{Destination: "/tmpfs-shared", Type: "tmpfs", Source: "tmpfs", Options: []string{"shared"}},
		)
	})
	rootfs := filepath.Join(b, "rootfs")
	if err := os.Symlink("../run/linked-target.conf", filepath.Join(rootfs, "etc/linked.conf")); err != nil {
		t.Fatal(err)
	}
	out, errs, code := r.run("run", "--bundle", b, "bt-rt-mountfd")
	want := "file-src,file2-src,dir-src,shared-ok,tmpfs-shared-ok"
	if got := strings.Join(lines(out), ","); code != 0 || got != want {
		t.Fatalf("want %s, got exit %d %q (%s)", want, code, out, errs)
	}
	if fi, err := os.Stat(filepath.Join(rootfs, "run/linked-target.conf")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the dangling symlink's target was not made inside the rootfs: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(host, "link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the source symlink changed: %v", err)
	}
}
