package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// devBoundBundle is a bundle whose /dev is a bind of a host directory
// (as `-v dir:/dev` gives) and whose masked paths include /masked, a file
// of the rootfs; the host file victim is bound read-write at /hostfile.
// null, when not nil, makes the directory's "null" entry.
func devBoundBundle(t *testing.T, victim string, null func(path string) error) string {
	t.Helper()
	devDir := t.TempDir()
	if err := null(filepath.Join(devDir, "null")); err != nil {
		t.Fatal(err)
	}
	// head -c: a mask from /dev/zero would never end.
	b := bundle(t, "echo pwned > /masked; head -c 64 /masked; echo masked-ok", func(s *specs.Spec) {
		var ms []specs.Mount
		for _, m := range s.Mounts {
			if !strings.HasPrefix(m.Destination, "/dev") {
				ms = append(ms, m)
			}
		}
		s.Mounts = append(ms,
			specs.Mount{Destination: "/dev", Type: "bind", Source: devDir, Options: []string{"rbind"}},
			specs.Mount{Destination: "/hostfile", Type: "bind", Source: victim, Options: []string{"bind"}},
		)
		s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/masked")
	})
	if err := os.WriteFile(filepath.Join(b, "rootfs", "masked"), []byte("masked file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMaskDevNullVerifiedCVE_2025_31133: a /dev/null that is a symlink to
// a host file, or a regular file, is never used as the source of masks:
// the runtime refuses the container with a clear error and the host file
// is unchanged; the real null device (1:3) masks as before.
func TestMaskDevNullVerifiedCVE_2025_31133(t *testing.T) {
	r := newRT(t)
	for _, tc := range []struct {
		name string
		null func(p string) error
	}{
		{"symlink", func(p string) error { return os.Symlink("/hostfile", p) }},
		{"regular", func(p string) error { return os.WriteFile(p, []byte("not null\n"), 0o666) }},
		{"zero", func(p string) error { return unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			victim := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(victim, []byte("host secret\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			b := devBoundBundle(t, victim, tc.null)
			id := "bt-rt-null-" + tc.name
			r.cleanup(id)
			out, errs, code := r.run("run", "--bundle", b, id)
			if code == 0 || strings.Contains(out, "masked-ok") {
				t.Fatalf("a container masked paths with a /dev/null that is a %s: exit %d %q", tc.name, code, out)
			}
			if !strings.Contains(errs, "/dev/null is not the null device") {
				t.Errorf("want a clear error about /dev/null, got %q", errs)
			}
			if b, err := os.ReadFile(victim); err != nil || string(b) != "host secret\n" {
				t.Fatalf("the host file changed: %q %v", b, err)
			}
		})
	}
	t.Run("null", func(t *testing.T) {
		victim := filepath.Join(t.TempDir(), "victim")
		if err := os.WriteFile(victim, []byte("host secret\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b := devBoundBundle(t, victim, func(p string) error {
			return unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3)))
		})
		r.cleanup("bt-rt-null-ok")
		out, errs, code := r.run("run", "--bundle", b, "bt-rt-null-ok")
		if code != 0 || out != "masked-ok\n" {
			t.Fatalf("masking with the real null device: exit %d %q %s", code, out, errs)
		}
	})
}

// TestSysctlThroughVerifiedProcCVE_2025_52565: sysctls are written through
// the container's procfs, verified: a key that climbs out of /proc/sys is
// refused before anything runs, a /proc that is not a procfs (a bind of a
// host directory) is refused and its file left alone, and a normal key,
// dotted or slashed, is set.
func TestSysctlThroughVerifiedProcCVE_2025_52565(t *testing.T) {
	r := newRT(t)
	script := "cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ip_default_ttl"
	ok := bundle(t, script, func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "net/ipv4/ip_default_ttl": "33"}
	})
	r.cleanup("bt-rt-sysctl-ok")
	if out, errs, code := r.run("run", "--bundle", ok, "bt-rt-sysctl-ok"); code != 0 || out != "1\n33\n" {
		t.Fatalf("sysctls: exit %d %q %s", code, out, errs)
	}
	for _, key := range []string{"net/../../kernel/core_pattern", "net/ipv4/../../../kernel/core_pattern", "net..ipv4.ip_forward", "net./ipv4"} {
		b := bundle(t, "true", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{key: "1"} })
		r.cleanup("bt-rt-sysctl-bad")
		_, errs, code := r.run("run", "--bundle", b, "bt-rt-sysctl-bad")
		if code == 0 || !strings.Contains(errs, "is not a valid key") {
			t.Errorf("sysctl %q: want refused as not a valid key, got exit %d %s", key, code, errs)
		}
	}
	// /proc a bind of a host directory holding sys/net/ipv4/ip_forward.
	fakeProc := t.TempDir()
	hostFile := filepath.Join(fakeProc, "sys", "net", "ipv4", "ip_forward")
	if err := os.MkdirAll(filepath.Dir(hostFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hostFile, []byte("host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := bundle(t, "true", func(s *specs.Spec) {
		s.Mounts[0] = specs.Mount{Destination: "/proc", Type: "bind", Source: fakeProc, Options: []string{"rbind"}}
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	})
	r.cleanup("bt-rt-sysctl-fake")
	_, errs, code := r.run("run", "--bundle", fake, "bt-rt-sysctl-fake")
	if code == 0 || !strings.Contains(errs, "/proc is not a procfs") {
		t.Errorf("sysctls through a /proc that is a host directory: want refused, got exit %d %s", code, errs)
	}
	if b, err := os.ReadFile(hostFile); err != nil || string(b) != "host\n" {
		t.Fatalf("a sysctl was written to the host file %s: %q %v", hostFile, b, err)
	}
}
