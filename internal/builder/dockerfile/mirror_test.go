package dockerfile

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func syncOnce(t *testing.T, mirror, src string) *BuildContext {
	t.Helper()
	m, err := OpenMirror(mirror)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := SyncContext(m, src, "")
	if err != nil {
		t.Fatal(err)
	}
	return bc
}

func TestSyncContextLikeExtract(t *testing.T) {
	src := t.TempDir()
	files := map[string]string{
		"Dockerfile": "FROM busybox\n", ".dockerignore": "*.log\nDockerfile\nsub\n!sub/keep\n",
		"a.log": "no", "b.txt": "bee", "sub/x": "no", "sub/keep": "keep", "deep/er/f": "f",
	}
	testutil.WriteFiles(t, src, files)
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "out")); err != nil {
		t.Fatal(err)
	}
	bc := syncOnce(t, filepath.Join(t.TempDir(), "m"), src)
	for name, want := range map[string]bool{"Dockerfile": false, ".dockerignore": true, "a.log": false, "b.txt": true, "sub/x": false, "sub/keep": true, "deep/er/f": true} {
		_, err := os.Stat(filepath.Join(bc.Dir, name))
		if (err == nil) != want {
			t.Errorf("%s present=%v, want %v", name, err == nil, want)
		}
	}
	if string(bc.dockerfile) != "FROM busybox\n" || bc.dockerfileErr != nil {
		t.Errorf("Dockerfile %q %v: read even when .dockerignore lists it", bc.dockerfile, bc.dockerfileErr)
	}
	if l, err := os.Readlink(filepath.Join(bc.Dir, "out")); err != nil || l != "/etc/passwd" {
		t.Errorf("symlink copied as %q %v, want the link itself", l, err)
	}

	// The same tree sent as a tar gives the same checksums.
	ex := contextOf(t, files)
	if len(ex.sums) != len(bc.sums) {
		t.Errorf("sums: tar %v, local %v", ex.sums, bc.sums)
	}
	for k, v := range ex.sums {
		if !bytes.Equal(bc.sums[k], v) {
			t.Errorf("sum of %s: tar %x, local %x", k, v, bc.sums[k])
		}
	}
}

func TestSyncContextCopiesOnlyChanges(t *testing.T) {
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{"Dockerfile": "FROM x\n", "same": "unchanged", "edit": "before", "gone": "bye", "d/in": "1"})
	mirror := filepath.Join(t.TempDir(), "m")
	bc := syncOnce(t, mirror, src)
	same, edit := inode(t, filepath.Join(mirror, "same")), filepath.Join(src, "edit")
	fi, _ := os.Stat(edit)

	// Same size, same mtime: only ctime tells the change.
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(edit, []byte("after!"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(edit, fi.ModTime(), fi.ModTime())
	os.Remove(filepath.Join(src, "gone"))
	os.RemoveAll(filepath.Join(src, "d"))
	testutil.WriteFiles(t, src, map[string]string{"d": "now a file", "new": "new"})

	bc = syncOnce(t, mirror, src)
	if inode(t, filepath.Join(mirror, "same")) != same {
		t.Error("an unchanged file was copied again")
	}
	for name, want := range map[string]string{"edit": "after!", "d": "now a file", "new": "new", "same": "unchanged"} {
		b, err := os.ReadFile(filepath.Join(mirror, name))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q %v, want %q", name, b, err, want)
		}
		if sum := sha256.Sum256([]byte(want)); !bytes.Equal(bc.sums[name], sum[:]) {
			t.Errorf("sum of %s is stale", name)
		}
	}
	if _, err := os.Lstat(filepath.Join(mirror, "gone")); err == nil {
		t.Error("a removed file stays in the mirror")
	}
	if _, ok := bc.sums["d/in"]; ok {
		t.Error("the index keeps d/in")
	}
	if got, err := os.Stat(filepath.Join(mirror, "edit")); err != nil || !got.ModTime().Equal(fi.ModTime()) || got.Mode().Perm() != 0o644 {
		t.Errorf("edit in the mirror: %v %v, want mtime %v and mode 0644", got, err, fi.ModTime())
	}
}

func TestMirrorWithoutIndexStartsEmpty(t *testing.T) {
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{"Dockerfile": "FROM x\n", "f": "f"})
	mirror := filepath.Join(t.TempDir(), "m")
	syncOnce(t, mirror, src)
	// A build that opened the mirror and died before saving its index.
	if _, err := OpenMirror(mirror); err != nil {
		t.Fatal(err)
	}
	m, err := OpenMirror(mirror)
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(m.Dir); len(ents) != 0 || len(m.files) != 0 {
		t.Errorf("mirror without index kept %d entries, index %d", len(ents), len(m.files))
	}
}

func extractOnce(t *testing.T, mirror string, tarball []byte) (*BuildContext, error) {
	t.Helper()
	m, err := OpenMirror(mirror)
	if err != nil {
		t.Fatal(err)
	}
	return ExtractContext(bytes.NewReader(tarball), m, "Dockerfile")
}

func TestExtractContextRewritesOnlyChanges(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB: several chunks
	changed := append([]byte(nil), big...)
	changed[len(changed)/2] ^= 1 // one byte, in the middle chunk
	mirror := filepath.Join(t.TempDir(), "m")
	outside := t.TempDir()
	if _, err := extractOnce(t, mirror, testutil.Tar(t,
		testutil.TarEntry{Name: "Dockerfile", Body: "FROM x\n"}, testutil.TarEntry{Name: "same", Body: "same"},
		testutil.TarEntry{Name: "big", Body: string(big)}, testutil.TarEntry{Name: "gone", Body: "x"}, testutil.TarEntry{Name: "a", Link: outside},
	)); err != nil {
		t.Fatal(err)
	}
	same := inode(t, filepath.Join(mirror, "same"))
	bc, err := extractOnce(t, mirror, testutil.Tar(t,
		testutil.TarEntry{Name: "Dockerfile", Body: "FROM x\n"}, testutil.TarEntry{Name: "same", Body: "same"},
		testutil.TarEntry{Name: "big", Body: string(changed)},
		// "a" was a link in the last build: now a directory, with a file.
		testutil.TarEntry{Name: "a/passwd", Body: "mine"},
	))
	if err != nil {
		t.Fatal(err)
	}
	if inode(t, filepath.Join(mirror, "same")) != same {
		t.Error("an unchanged file was written again")
	}
	if b, _ := os.ReadFile(filepath.Join(mirror, "big")); !bytes.Equal(b, changed) {
		t.Errorf("big: %d bytes, not the changed content", len(b))
	}
	if sum := sha256.Sum256(changed); !bytes.Equal(bc.sums["big"], sum[:]) {
		t.Error("sum of big is stale")
	}
	if b, err := os.ReadFile(filepath.Join(mirror, "a/passwd")); err != nil || string(b) != "mine" {
		t.Errorf("a/passwd: %q %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(mirror, "gone")); err == nil {
		t.Error("a file the stream no longer holds stays")
	}
	if _, err := os.Stat(filepath.Join(outside, "passwd")); err == nil {
		t.Fatal("written through the link of the last build")
	}
	// Within one stream, a link stays a link: writing through it is refused.
	if _, err := extractOnce(t, mirror, testutil.Tar(t, testutil.TarEntry{Name: "l", Link: outside}, testutil.TarEntry{Name: "l/planted", Body: "x"})); err == nil {
		t.Fatal("a write through a symlink of the same stream was accepted")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); err == nil {
		t.Fatal("written through a link")
	}
	// The mirror of a refused stream has no index: the next build starts empty.
	m, err := OpenMirror(mirror)
	if err != nil || len(m.files) != 0 {
		t.Fatalf("mirror after a refused stream: %d entries, %v", len(m.files), err)
	}
}

// sameBytes finds a difference wherever it is (first byte, either side of
// a chunk boundary, last byte, a kept file cut short) and hands back the
// chunk of the stream where it is, so that equal part, chunk and the rest
// of the stream are the stream's bytes; equal bytes answer nil.
func TestSameBytesFindsEveryDifference(t *testing.T) {
	buf := [2][]byte{make([]byte, 32), make([]byte, 32)} // chunks of 32 bytes
	stream := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuv"), 5)
	stream = append(stream, "tail"...)
	for _, c := range []struct {
		name string
		at   int // index of the byte changed in the kept file; -1 none
		cut  int // bytes cut from the kept file's end
	}{{"equal", -1, 0}, {"first", 0, 0}, {"chunk end", 31, 0}, {"next chunk start", 32, 0}, {"middle", 70, 0}, {"last", len(stream) - 1, 0}, {"cut short", -1, 3}} {
		kept := append([]byte(nil), stream[:len(stream)-c.cut]...)
		if c.at >= 0 {
			kept[c.at] ^= 1
		}
		r := bytes.NewReader(stream)
		n, diff, err := sameBytes(bytes.NewReader(kept), r, int64(len(stream)), buf)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.at < 0 && c.cut == 0 {
			if diff != nil || n != int64(len(stream)) {
				t.Errorf("%s: %d equal, diff %q", c.name, n, diff)
			}
			continue
		}
		if diff == nil {
			t.Errorf("%s: no difference found", c.name)
			continue
		}
		if c.at >= 0 && (n > int64(c.at) || int64(c.at)-n >= 32) {
			t.Errorf("%s: %d bytes said equal, the difference is at %d", c.name, n, c.at)
		}
		rest, _ := io.ReadAll(r)
		got := append(append(append([]byte(nil), stream[:n]...), diff...), rest...)
		if !bytes.Equal(got, stream) {
			t.Errorf("%s: equal part, difference and rest are not the stream", c.name)
		}
	}
}

// A large kept file whose last byte changed is rewritten: the bytes and
// checksum in the mirror are the stream's, never the kept ones.
func TestExtractContextLastByte(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 3<<20+5)
	changed := append([]byte(nil), big...)
	changed[len(changed)-1] = 'y'
	mirror := filepath.Join(t.TempDir(), "m")
	if _, err := extractOnce(t, mirror, testutil.Tar(t, testutil.TarEntry{Name: "Dockerfile", Body: "FROM x\n"}, testutil.TarEntry{Name: "big", Body: string(big)})); err != nil {
		t.Fatal(err)
	}
	bc, err := extractOnce(t, mirror, testutil.Tar(t, testutil.TarEntry{Name: "Dockerfile", Body: "FROM x\n"}, testutil.TarEntry{Name: "big", Body: string(changed)}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(mirror, "big"))
	if !bytes.Equal(b, changed) {
		t.Errorf("big: the last byte's change was not written")
	}
	if sum := sha256.Sum256(changed); !bytes.Equal(bc.sums["big"], sum[:]) {
		t.Error("sum of big is stale")
	}
}
