package snapshot

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/testutil"
)

type ent struct{ name, body string }

func layer(t *testing.T, ents ...ent) io.Reader {
	t.Helper()
	tes := make([]testutil.TarEntry, len(ents))
	for i, e := range ents {
		tes[i] = testutil.TarEntry{Name: e.name, Body: e.body}
	}
	return bytes.NewReader(testutil.Tar(t, tes...))
}

func withMount(t *testing.T, ms []mount.Mount, fn func(root string)) {
	t.Helper()
	dir := t.TempDir()
	if err := mount.All(ms, dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mount.UnmountAll(dir) })
	fn(dir)
	if err := mount.UnmountAll(dir); err != nil {
		t.Fatal(err)
	}
}

func commitLayer(t *testing.T, sn Snapshotter, name, parent string, r io.Reader) {
	t.Helper()
	ctx := context.Background()
	key := TempPrefix + name
	if _, err := sn.Prepare(ctx, key, parent); err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Apply(ctx, key, r); err != nil {
		t.Fatal(err)
	}
	if err := sn.Commit(ctx, name, key); err != nil {
		t.Fatal(err)
	}
}

// TestChain prepares, applies, commits a chain of layers with whiteouts and
// an opaque directory, mounts a container layer on top, changes it, and
// checks Changes and Diff, for both drivers.
func TestChain(t *testing.T) {
	testutil.RequireRoot(t)
	for _, driver := range []string{DriverOverlay, DriverVFS} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			sn, got, err := NewDriver(t.TempDir(), driver)
			if err != nil {
				t.Fatal(err)
			}
			defer sn.Close()
			if got != driver {
				t.Fatalf("driver %s", got)
			}
			commitLayer(t, sn, "l1", "", layer(t,
				ent{"etc/", ""}, ent{"etc/a", "a1"}, ent{"etc/b", "b1"},
				ent{"opq/", ""}, ent{"opq/old", "o"}))
			commitLayer(t, sn, "l2", "l1", layer(t,
				ent{"etc/.wh.b", ""}, ent{"etc/c", "c2"},
				ent{"opq/", ""}, ent{"opq/.wh..wh..opq", ""}, ent{"opq/new", "n"}))
			if _, err := sn.Prepare(ctx, "l2", ""); !errdefs.IsConflict(err) {
				t.Fatalf("duplicate key: %v", err)
			}
			if err := sn.Remove(ctx, "l1"); !errdefs.IsConflict(err) {
				t.Fatalf("remove parent with children: %v", err)
			}
			ms, err := sn.Prepare(ctx, "bt-im-ctr", "l2")
			if err != nil {
				t.Fatal(err)
			}
			withMount(t, ms, func(root string) {
				want := map[string]string{"etc/a": "a1", "etc/c": "c2", "opq/new": "n"}
				for p, v := range want {
					b, err := os.ReadFile(filepath.Join(root, p))
					if err != nil || string(b) != v {
						t.Errorf("%s = %q, %v; want %q", p, b, err, v)
					}
				}
				for _, p := range []string{"etc/b", "opq/old"} {
					if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
						t.Errorf("%s visible through whiteout", p)
					}
				}
				os.WriteFile(filepath.Join(root, "etc/new"), []byte("x"), 0o644)
				os.Remove(filepath.Join(root, "etc/a"))
			})
			changes, err := sn.Changes(ctx, "bt-im-ctr")
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]ChangeKind{}
			for _, c := range changes {
				kinds[c.Path] = c.Kind
			}
			if k, ok := kinds["/etc/new"]; !ok || k != Added {
				t.Errorf("/etc/new: %v %v (all %v)", k, ok, changes)
			}
			if k, ok := kinds["/etc/a"]; !ok || k != Deleted {
				t.Errorf("/etc/a: %v %v (all %v)", k, ok, changes)
			}
			rc, err := sn.Diff(ctx, "bt-im-ctr")
			if err != nil {
				t.Fatal(err)
			}
			names := testutil.TarNames(t, rc)
			rc.Close()
			has := func(name string) bool { _, ok := names[name]; return ok }
			if !has("etc/new") || !has("etc/.wh.a") {
				t.Errorf("diff entries %v", keys(names))
			}
			if has("etc/c") {
				t.Errorf("unchanged lower file in diff: %v", keys(names))
			}
			if err := sn.Remove(ctx, "bt-im-ctr"); err != nil {
				t.Fatal(err)
			}
			if sn.Exists(ctx, "bt-im-ctr") {
				t.Fatal("removed snapshot exists")
			}
			vms, err := sn.View(ctx, "view", "l2")
			if err != nil {
				t.Fatal(err)
			}
			withMount(t, vms, func(root string) {
				if err := os.WriteFile(filepath.Join(root, "x"), nil, 0o644); err == nil {
					t.Error("view is writable")
				}
			})
			if n, err := sn.Usage(ctx, "l1"); err != nil || n != 5 {
				t.Errorf("usage l1 = %d, %v; want 5", n, err)
			}
		})
	}
}

// TestReconcile opens a snapshotter over the leftovers of a crash: a scratch
// snapshot mid-extraction and a directory without a record.
func TestReconcile(t *testing.T) {
	ctx := context.Background()
	root := testutil.RootTempDir(t)
	sn, _, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	commitLayer(t, sn, "keep", "", layer(t, ent{"f", "1"}))
	if _, err := sn.Prepare(ctx, TempPrefix+"half", "keep"); err != nil {
		t.Fatal(err)
	}
	sn.Apply(ctx, TempPrefix+"half", layer(t, ent{"g", "2"}))
	sn.Close()
	stray := filepath.Join(root, "snapshots", "9999")
	os.MkdirAll(filepath.Join(stray, "fs"), 0o755)

	sn, _, err = New(root)
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	if sn.Exists(ctx, TempPrefix+"half") {
		t.Error("scratch snapshot survived reopen")
	}
	if !sn.Exists(ctx, "keep") {
		t.Error("committed snapshot lost")
	}
	if _, err := os.Stat(stray); err == nil {
		t.Error("stray directory survived reopen")
	}
	var n int
	sn.Walk(ctx, func(Info) error { n++; return nil })
	ents, _ := os.ReadDir(filepath.Join(root, "snapshots"))
	if len(ents) != n {
		t.Errorf("%d dirs for %d snapshots", len(ents), n)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOverlayOnOverlayFallsBack opens a snapshotter on a data root that is
// itself on overlayfs: it must pick the copy driver and say why.
func TestOverlayOnOverlayFallsBack(t *testing.T) {
	base := testutil.RootTempDir(t)
	for _, d := range []string{"l", "u", "w", "m"} {
		os.Mkdir(filepath.Join(base, d), 0o755)
	}
	m := mount.Mount{Type: "overlay", Source: "overlay", Options: []string{
		"lowerdir=" + filepath.Join(base, "l"), "upperdir=" + filepath.Join(base, "u"), "workdir=" + filepath.Join(base, "w")}}
	target := filepath.Join(base, "m")
	if err := m.Mount(target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mount.UnmountAll(target) })
	root := filepath.Join(target, "data")
	sn, driver, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	if driver != DriverVFS {
		t.Fatalf("driver %s on overlayfs, want vfs", driver)
	}
	st := DriverStatus(root, driver)
	if len(st) != 2 || st[0][1] != "overlayfs" || st[1][0] != "Overlay unavailable" {
		t.Fatalf("status %v", st)
	}
	if _, _, err := NewDriver(root+"2", DriverOverlay); err == nil {
		t.Fatal("overlay forced on overlayfs accepted")
	}
}

// TestEmptyViewAndPrepare mounts a view and an active snapshot without a
// parent, for both drivers.
func TestEmptyViewAndPrepare(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	for _, driver := range []string{DriverOverlay, DriverVFS} {
		t.Run(driver, func(t *testing.T) {
			sn, _, err := NewDriver(t.TempDir(), driver)
			if err != nil {
				t.Fatal(err)
			}
			defer sn.Close()
			vms, err := sn.View(ctx, "v", "")
			if err != nil {
				t.Fatal(err)
			}
			withMount(t, vms, func(root string) {
				if ents, err := os.ReadDir(root); err != nil || len(ents) != 0 {
					t.Errorf("empty view: %v %v", ents, err)
				}
			})
			ams, err := sn.Prepare(ctx, "a", "")
			if err != nil {
				t.Fatal(err)
			}
			withMount(t, ams, func(root string) {
				if err := os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644); err != nil {
					t.Error(err)
				}
			})
			ch, err := sn.Changes(ctx, "a")
			if err != nil || len(ch) != 1 || ch[0].Path != "/f" || ch[0].Kind != Added {
				t.Errorf("changes %v %v", ch, err)
			}
		})
	}
}
