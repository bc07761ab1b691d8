package integration

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestModesWhateverTheUmask: twenty daemons, each started from a shell
// with one of five umasks (022, 077, 027, 0 and 0777, the last as a
// process-wide umask change made it in a window of another start), each
// running one container with a named volume, all at once. Every directory
// berth made (data root, exec root, the cgroup parent in every hierarchy
// and the container's cgroups) is one its owner can enter (never 000), the
// named ones have the mode berth gives them, and every path has the same
// mode under every umask as under 022.
func TestModesWhateverTheUmask(t *testing.T) {
	umasks := []int{0o022, 0o077, 0o027, 0, 0o777}
	type started struct {
		d     *testDaemon
		umask int
	}
	var all []started
	for i := 0; i < 20; i++ {
		u := umasks[i%len(umasks)]
		d := newDaemon(t)
		d.bin = umaskWrapper(t, u)
		d.start(nil)
		t.Cleanup(d.cleanup)
		d.unmountVolumesOnCleanup()
		d.importBusybox()
		d.mustDocker("run", "-d", "--name", "modes", "-v", "modes-v:/v", "busybox", "sleep", "300")
		all = append(all, started{d, u})
	}
	var ref map[string]fs.FileMode
	for _, s := range all {
		got := berthModes(t, s.d)
		checkOwnerEnters(t, s.umask, got)
		checkNamedModes(t, s.umask, got)
		if ref == nil {
			ref = got
			continue
		}
		for _, p := range sortedKeys(got) {
			if want, ok := ref[p]; ok && got[p] != want {
				t.Errorf("umask %04o: %s mode %v, under umask 0022 %v", s.umask, p, got[p], want)
			}
		}
	}
}

// umaskWrapper is a program that runs the berth binary under umask u, as a
// daemon started from a shell with that umask would.
func umaskWrapper(t *testing.T, u int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "berth-umask")
	script := fmt.Sprintf("#!/bin/sh\numask %04o\nexec %s \"$@\"\n", u, berthBinary)
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	longID  = regexp.MustCompile(`[0-9a-f]{64}`)
	shortID = regexp.MustCompile(`\b[0-9a-f]{12}\b`)
)

// berthModes maps each path berth made for d to its mode: "data/…" under
// the data root, "exec/…" under the exec root (not below a mounted rootfs),
// "cgroup/<hierarchy>/…" under its cgroup parent; container ids read <id>.
func berthModes(t *testing.T, d *testDaemon) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	walk := func(prefix, top string) {
		err := filepath.WalkDir(top, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(top, p)
			name := longID.ReplaceAllString(prefix+"/"+filepath.ToSlash(rel), "<id>")
			name = shortID.ReplaceAllString(name, "<id>")
			if strings.HasSuffix(name, "/work/work") {
				return filepath.SkipDir // overlayfs's own, made 000 by the kernel
			}
			if !e.IsDir() && strings.HasPrefix(prefix, "cgroup/") {
				return nil // the kernel's control files
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			out[name] = fi.Mode()
			if e.IsDir() && strings.HasSuffix(name, "/rootfs") && strings.HasPrefix(name, "exec/b/") {
				return filepath.SkipDir
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	walk("data", d.root)
	walk("exec", d.execRoot)
	cgs, _ := filepath.Glob("/sys/fs/cgroup/*/" + d.name)
	if v2 := "/sys/fs/cgroup/" + d.name; isDir(v2) {
		cgs = append(cgs, v2)
	}
	if len(cgs) == 0 {
		t.Fatalf("no cgroup parent %s in any hierarchy", d.name)
	}
	for _, cg := range cgs {
		walk("cgroup/"+filepath.Base(filepath.Dir(cg)), cg)
	}
	return out
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// checkOwnerEnters fails for a directory its owner cannot list and enter.
func checkOwnerEnters(t *testing.T, umask int, modes map[string]fs.FileMode) {
	t.Helper()
	for _, p := range sortedKeys(modes) {
		if m := modes[p]; m.IsDir() && m.Perm()&0o700 != 0o700 {
			t.Errorf("umask %04o: directory %s has mode %v", umask, p, m)
		}
	}
}

// checkNamedModes holds the directories whose mode berth decides to it:
// those of the table, and the cgroup parent and the container's cgroup in
// every hierarchy (0755, as runc makes them).
func checkNamedModes(t *testing.T, umask int, modes map[string]fs.FileMode) {
	t.Helper()
	want := map[string]fs.FileMode{
		"data/.":                     0o710,
		"data/containers/<id>":       0o710,
		"data/volumes":               0o700,
		"data/volumes/modes-v/_data": 0o755, // as dockerd's: the container's non-root users use it
		"exec/.":                     0o710,
		"exec/b/<id>/rootfs":         0o755,
	}
	cgroups := 0
	for p := range modes {
		if cgroupDir.MatchString(p) {
			want[p] = 0o755
			cgroups++
		}
	}
	if cgroups < 2 {
		t.Errorf("umask %04o: %d cgroup directories (parent and container) found", umask, cgroups)
	}
	for _, p := range sortedKeys(want) {
		m, ok := modes[p]
		if !ok {
			t.Errorf("umask %04o: no %s", umask, p)
			continue
		}
		if m.Perm() != want[p] {
			t.Errorf("umask %04o: %s mode %o, want %o", umask, p, m.Perm(), want[p])
		}
	}
}

var cgroupDir = regexp.MustCompile(`^cgroup/[^/]+/(\.|<id>)$`)

func sortedKeys(m map[string]fs.FileMode) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
