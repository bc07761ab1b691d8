package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/testutil"
)

type entry struct {
	name, body, link string
	typ              byte
}

func mkTar(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Linkname: e.link}
		if e.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeDir {
			h.Mode = 0o755
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	return &buf
}

func TestCleanEntryName(t *testing.T) {
	ok := map[string]string{"a/b": "a/b", "./a/": "a", "a//b/./c": "a/b/c", ".": "", "./": ""}
	for in, want := range ok {
		got, err := CleanEntryName(in)
		if err != nil || got != want {
			t.Errorf("CleanEntryName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"/etc/passwd", "../x", "a/../../x", "a/..", "", ".wh.", ".wh..", ".wh...", "a/.wh...", "./.wh../", "a/.wh.b/c", "x\x00y"} {
		if _, err := CleanEntryName(in); !errdefs.IsInvalidParameter(err) {
			t.Errorf("CleanEntryName(%q) = %v, want InvalidParameter", in, err)
		}
	}
}

func TestApplyRejectsEscapes(t *testing.T) {
	cases := map[string][]entry{
		"dotdot":   {{name: "../escape", body: "x"}},
		"nested":   {{name: "a/../../escape", body: "x"}},
		"absolute": {{name: "/escape", body: "x"}},
		"symlink write-through": {
			{name: "link", typ: tar.TypeSymlink, link: "OUTSIDE"},
			{name: "link/escape", body: "x"},
		},
		"symlink relative write-through": {
			{name: "link", typ: tar.TypeSymlink, link: "../.."},
			{name: "link/escape", body: "x"},
		},
		"hardlink out": {{name: "h", typ: tar.TypeLink, link: "../../etc/passwd"}},
	}
	for name, ents := range cases {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			os.Mkdir(outside, 0o755)
			root := filepath.Join(base, "root")
			os.Mkdir(root, 0o755)
			for i := range ents {
				if ents[i].link == "OUTSIDE" {
					ents[i].link = outside
				}
			}
			_, err := Apply(context.Background(), root, mkTar(t, ents...), ApplyOptions{Whiteouts: WhiteoutDelete})
			if !errdefs.IsInvalidParameter(err) {
				t.Fatalf("Apply = %v, want InvalidParameter", err)
			}
			for _, p := range []string{filepath.Join(base, "escape"), filepath.Join(outside, "escape"), filepath.Join(filepath.Dir(base), "escape")} {
				if _, err := os.Stat(p); err == nil {
					t.Fatalf("%s written outside the root", p)
				}
			}
		})
	}
}

func TestApplyWhiteoutsDelete(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	_, err := Apply(ctx, root, mkTar(t,
		entry{name: "a/", typ: tar.TypeDir},
		entry{name: "a/keep", body: "1"},
		entry{name: "a/gone", body: "2"},
		entry{name: "o/", typ: tar.TypeDir},
		entry{name: "o/old", body: "3"},
	), ApplyOptions{Whiteouts: WhiteoutDelete})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(ctx, root, mkTar(t,
		entry{name: "a/.wh.gone"},
		entry{name: "o/", typ: tar.TypeDir},
		entry{name: "o/new", body: "4"},
		entry{name: "o/.wh..wh..opq"},
		entry{name: ".wh..wh.plnk"},
	), ApplyOptions{Whiteouts: WhiteoutDelete})
	if err != nil {
		t.Fatal(err)
	}
	mustExist(t, root, "a/keep", "o/new")
	mustNotExist(t, root, "a/gone", "a/.wh.gone", "o/old", "o/.wh..wh..opq", ".wh..wh.plnk")
}

func TestApplyWhiteoutNoneKeepsFiles(t *testing.T) {
	root := t.TempDir()
	if err := Untar(context.Background(), mkTar(t, entry{name: ".wh.x", body: "y"}), root); err != nil {
		t.Fatal(err)
	}
	mustExist(t, root, ".wh.x")
}

func TestApplyTruncated(t *testing.T) {
	buf := mkTar(t, entry{name: "big", body: string(bytes.Repeat([]byte("x"), 10000))})
	trunc := bytes.NewReader(buf.Bytes()[:3000])
	_, err := Apply(context.Background(), t.TempDir(), trunc, ApplyOptions{})
	if err == nil {
		t.Fatal("truncated tar applied without error")
	}
}

func TestTarPathRebaseAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "d/sub"), 0o755)
	os.WriteFile(filepath.Join(src, "d/sub/f"), []byte("hello"), 0o640)
	os.Symlink("sub/f", filepath.Join(src, "d/l"))
	os.Link(filepath.Join(src, "d/sub/f"), filepath.Join(src, "d/hard"))
	var buf bytes.Buffer
	if err := TarPath(ctx, &buf, filepath.Join(src, "d"), "renamed"); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := Untar(ctx, &buf, dst); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dst, "renamed/sub/f"))
	if err != nil || string(b) != "hello" {
		t.Fatalf("read back %q %v", b, err)
	}
	if l, _ := os.Readlink(filepath.Join(dst, "renamed/l")); l != "sub/f" {
		t.Fatalf("symlink target %q", l)
	}
	fi, _ := os.Stat(filepath.Join(dst, "renamed/sub/f"))
	if fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode())
	}
	a, _ := os.Stat(filepath.Join(dst, "renamed/hard"))
	if !os.SameFile(a, fi) {
		t.Fatal("hard link not preserved")
	}
}

func TestChangesDirsAndTarChanges(t *testing.T) {
	ctx := context.Background()
	lower, upper := t.TempDir(), t.TempDir()
	for _, d := range []string{lower, upper} {
		os.MkdirAll(filepath.Join(d, "etc/deep"), 0o755)
		os.WriteFile(filepath.Join(d, "etc/same"), []byte("s"), 0o644)
		os.WriteFile(filepath.Join(d, "etc/deep/x"), []byte("x"), 0o644)
	}
	os.WriteFile(filepath.Join(lower, "etc/gone"), []byte("g"), 0o644)
	// Align times of identical content so that only real changes show.
	sync := func(rel string) {
		fi, _ := os.Stat(filepath.Join(lower, rel))
		os.Chtimes(filepath.Join(upper, rel), fi.ModTime(), fi.ModTime())
	}
	os.WriteFile(filepath.Join(upper, "etc/new"), []byte("n"), 0o644)
	sync("etc/same")
	sync("etc/deep/x")
	sync("etc/deep")
	ents, err := ReadTree(upper)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := ChangesDirs(lower, ents)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ChangeKind{}
	for _, c := range changes {
		got[c.Path] = c.Kind
	}
	want := map[string]ChangeKind{"/etc/new": ChangeAdd, "/etc/gone": ChangeDelete}
	for p, k := range want {
		if g, ok := got[p]; !ok || g != k {
			t.Errorf("change %s = %v (present %v), want %v; all %v", p, g, ok, k, changes)
		}
	}
	for _, p := range []string{"/etc/same", "/etc/deep/x", "/etc/deep"} {
		if _, ok := got[p]; ok {
			t.Errorf("unchanged %s reported", p)
		}
	}
	var buf bytes.Buffer
	if err := TarChanges(ctx, &buf, upper, changes); err != nil {
		t.Fatal(err)
	}
	names := tarNames(t, &buf)
	if !names["etc/new"] || !names["etc/.wh.gone"] {
		t.Fatalf("diff tar entries %v", names)
	}
}

func TestDecompressStream(t *testing.T) {
	payload := mkTar(t, entry{name: "f", body: "x"}).Bytes()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(payload)
	zw.Close()
	for name, in := range map[string][]byte{"plain": payload, "gzip": gz.Bytes()} {
		rc, c, err := DecompressStream(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(rc)
		if !bytes.Equal(out, payload) {
			t.Errorf("%s (%v): content differs", name, c)
		}
	}
	if DetectCompression([]byte("BZh91AY")) != Bzip2 || DetectCompression([]byte{0xfd, '7', 'z', 'X', 'Z', 0}) != Xz {
		t.Error("magic detection")
	}
}

func TestParseWhiteout(t *testing.T) {
	cases := []struct {
		in   string
		kind WhiteoutKind
		p    string
	}{
		{"a/.wh.b", Whiteout, "a/b"},
		{".wh.b", Whiteout, "b"},
		{"a/.wh..wh..opq", OpaqueWhiteout, "a"},
		{".wh..wh..opq", OpaqueWhiteout, ""},
		{".wh..wh.plnk/1", NotWhiteout, ".wh..wh.plnk/1"},
		{".wh..wh.aufs", MetaWhiteout, ""},
		{"a/b", NotWhiteout, "a/b"},
	}
	for _, c := range cases {
		k, p := ParseWhiteout(c.in)
		if k != c.kind || p != c.p {
			t.Errorf("ParseWhiteout(%q) = %v %q, want %v %q", c.in, k, p, c.kind, c.p)
		}
	}
	if WhiteoutName("a/b") != "a/.wh.b" || OpaqueName("a") != "a/.wh..wh..opq" {
		t.Error("name builders")
	}
}

// tarNames reads the set of entry names of a tar stream.
func tarNames(t *testing.T, r io.Reader) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for name := range testutil.TarNames(t, r) {
		set[name] = true
	}
	return set
}

func mustExist(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(root, n)); err != nil {
			t.Errorf("%s missing: %v", n, err)
		}
	}
}

func mustNotExist(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(root, n)); err == nil {
			t.Errorf("%s exists", n)
		}
	}
}

func TestUntarNoOverwriteDirNonDir(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "d"), 0o755)
	err := Untar(context.Background(), mkTar(t, entry{name: "d", body: "x"}), root)
	if !errdefs.IsInvalidParameter(err) {
		t.Fatalf("file over dir: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, "d")); err != nil || !fi.IsDir() {
		t.Fatal("directory replaced")
	}
}

func TestFilterTar(t *testing.T) {
	in := mkTar(t,
		entry{name: "etc/", typ: tar.TypeDir},
		entry{name: "etc/hosts", body: "h"},
		entry{name: "etc/.wh.hostname"},
		entry{name: "etc/keep", body: "k"},
	)
	rc := FilterTar(in, func(p string) bool { return p == "/etc/hosts" || p == "/etc/hostname" })
	names := tarNames(t, rc)
	if !names["etc/"] || !names["etc/keep"] || names["etc/hosts"] || names["etc/.wh.hostname"] {
		t.Fatalf("filtered entries %v", names)
	}
}
