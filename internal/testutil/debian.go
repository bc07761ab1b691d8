package testutil

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// DebianCacheDir holds the cached debootstrap tarballs.
const DebianCacheDir = "/var/cache/berth-test"

// DebianSuite is the Debian release of the test image.
const DebianSuite = "bookworm"

// DebianTarball returns a tar of a minimal Debian root filesystem
// (debootstrap --variant=minbase DebianSuite) made from the machine's
// Debian mirror, cached under DebianCacheDir keyed by suite: the first
// call on a machine runs debootstrap (a few minutes), later ones reuse the
// tarball. Concurrent test processes wait on a lock. A missing debootstrap
// or mirror is a test failure, never a skip.
func DebianTarball(t testing.TB) string {
	t.Helper()
	RequireRoot(t)
	out := filepath.Join(DebianCacheDir, "debian-"+DebianSuite+"-minbase.tar")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	if err := os.MkdirAll(DebianCacheDir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(out+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err == nil {
		return out // made while we waited
	}
	bin, err := exec.LookPath("debootstrap")
	if err != nil {
		t.Fatalf("debootstrap is required (apt-get install debootstrap): %v", err)
	}
	mirror := DebianMirror()
	dir, err := os.MkdirTemp(DebianCacheDir, "bt-debootstrap-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t.Logf("debootstrap --variant=minbase %s %s (cached in %s)", DebianSuite, mirror, out)
	if b, err := exec.Command(bin, "--variant=minbase", DebianSuite, dir, mirror).CombinedOutput(); err != nil {
		t.Fatalf("debootstrap: %v\n%s", err, tail(b, 2000))
	}
	tmp := out + ".tmp"
	if b, err := exec.Command("tar", "-C", dir, "-cf", tmp, ".").CombinedOutput(); err != nil {
		os.Remove(tmp)
		t.Fatalf("tar debootstrap root: %v\n%s", err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// DebianMirror returns the first Debian archive URI of the machine's apt
// sources (deb822 .sources files or one-line lists), or deb.debian.org.
func DebianMirror() string {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append([]string{"/etc/apt/sources.list"}, files...)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			var uri string
			switch {
			case strings.HasPrefix(line, "URIs:"):
				fields := strings.Fields(strings.TrimPrefix(line, "URIs:"))
				if len(fields) > 0 {
					uri = fields[0]
				}
			case strings.HasPrefix(line, "deb "):
				for _, f := range strings.Fields(line)[1:] {
					if strings.Contains(f, "://") {
						uri = f
						break
					}
				}
			}
			if uri != "" && !strings.Contains(uri, "security") {
				fh.Close()
				return uri
			}
		}
		fh.Close()
	}
	return "http://deb.debian.org/debian"
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
