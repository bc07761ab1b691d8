package mount

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestInRootConfines checks that paths inside InRoot resolve in the root:
// an absolute symlink and a ".." chain lead back into it, never to the
// host file next to it; the calling thread's root is untouched afterwards.
func TestInRootConfines(t *testing.T) {
	base := testutil.RootTempDir(t)
	root := filepath.Join(base, "root")
	if err := os.MkdirAll(root+"/etc", 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(base, "secret")
	if err := os.WriteFile(secret, []byte("HOST"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Symlink("/", root+"/abs")
	_ = os.Symlink(strings.Repeat("../", 10), root+"/up")
	err := InRoot(root, nil, func() error {
		for _, p := range []string{"/abs" + secret, "/up" + secret, "/.." + secret, "../secret"} {
			if b, err := os.ReadFile(p); err == nil {
				t.Errorf("read %s inside the root: %q", p, b)
			} else if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("read %s: %v", p, err)
			}
		}
		return os.WriteFile("/etc/written", []byte("in"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root + "/etc/written"); err != nil {
		t.Fatalf("write inside the root: %v", err)
	}
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("the daemon's own root changed: %v", err)
	}
}

// TestInRootBinds checks that binds appear at their targets inside the
// root only (resolved inside it even through a symlink), read-only when
// asked, and that nothing stays mounted on the host.
func TestInRootBinds(t *testing.T) {
	base := testutil.RootTempDir(t)
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	src := filepath.Join(base, "src")
	for _, d := range []string{root + "/data", outside, src, root + outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.WriteFile(src+"/f", []byte("from-src"), 0o644)
	// /esc points at the host directory "outside": a bind through it must
	// land inside root (at root<outside>), never on the host's outside.
	_ = os.Symlink(outside, root+"/esc")
	_ = os.Symlink("/nowhere/at/all", root+"/dangling")
	binds := []Bind{
		{Source: src, Target: "/data", ReadOnly: true},
		{Source: src, Target: "/esc/sub"},
		{Source: src, Target: "/dangling/sub"},
		{Source: src + "/f", Target: "/missing-file-target/x.conf"},
	}
	err := InRoot(root, binds, func() error {
		if b, err := os.ReadFile("/data/f"); err != nil || string(b) != "from-src" {
			t.Errorf("bind at /data: %v %q", err, b)
		}
		if err := os.WriteFile("/data/g", nil, 0o644); err == nil {
			t.Error("read-only bind written")
		}
		if b, err := os.ReadFile("/esc/sub/f"); err != nil || string(b) != "from-src" {
			t.Errorf("bind through a symlink: %v %q", err, b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root + outside + "/sub"); err != nil {
		t.Fatalf("mount point not made inside the root: %v", err)
	}
	if _, err := os.Stat("/nowhere"); err == nil {
		t.Fatal("a bind target was made on the host through a dangling symlink")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("a bind escaped through a symlink: %v", entries)
	}
	data, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(data), base) {
		t.Fatalf("mounts left on the host:\n%s", data)
	}
	if _, err := os.Stat(src + "/g"); err == nil {
		t.Fatal("read-only bind written")
	}
}
