package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCleanEntryName: whatever the name, an accepted one is relative,
// clean, below the root, free of NUL, and a whiteout it holds targets a
// path strictly inside the layer.
func FuzzCleanEntryName(f *testing.F) {
	for _, s := range []string{"a/b", "./", ".wh.a", ".wh.", ".wh..", ".wh...", "a/.wh..wh..opq", ".wh..wh.plnk/1", "../x", "a/../..", "/etc", "a/.wh.b/c", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		c, err := CleanEntryName(name)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid layer entry") {
				t.Fatalf("CleanEntryName(%q): error without the entry: %v", name, err)
			}
			return
		}
		if c == "" {
			return
		}
		if c != path.Clean(c) || strings.HasPrefix(c, "/") || c == ".." || strings.HasPrefix(c, "../") || strings.IndexByte(c, 0) >= 0 {
			t.Fatalf("CleanEntryName(%q) = %q: not a clean path below the root", name, c)
		}
		kind, p := ParseWhiteout(c)
		switch kind {
		case Whiteout:
			if p == "" || p == "." || p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
				t.Fatalf("ParseWhiteout(%q) targets %q, not a path inside the layer", c, p)
			}
		case OpaqueWhiteout:
			if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
				t.Fatalf("ParseWhiteout(%q) makes %q opaque, outside the layer", c, p)
			}
		}
	})
}

// fuzzTar builds a seed tar stream.
func fuzzTar(hs ...*tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		if h.Typeflag == tar.TypeReg {
			h.Size = 1
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		_ = tw.WriteHeader(h)
		if h.Size > 0 {
			_, _ = tw.Write([]byte("x"))
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

// FuzzApply applies an arbitrary tar stream in each whiteout mode into a
// layer directory beside a sentinel: whatever Apply answers, the parent
// still holds exactly the layer directory (a directory) and the unchanged
// sentinel.
func FuzzApply(f *testing.F) {
	seeds := [][]*tar.Header{
		{{Name: "a/", Typeflag: tar.TypeDir}, {Name: "a/f", Typeflag: tar.TypeReg}, {Name: "a/.wh.f", Typeflag: tar.TypeReg}},
		{{Name: ".wh...", Typeflag: tar.TypeReg}},
		{{Name: ".wh..", Typeflag: tar.TypeReg}},
		{{Name: ".wh.", Typeflag: tar.TypeReg}},
		{{Name: "a/.wh..wh..opq", Typeflag: tar.TypeReg}},
		{{Name: "l", Typeflag: tar.TypeSymlink, Linkname: ".."}, {Name: "l/x", Typeflag: tar.TypeReg}},
		{{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/"}, {Name: "l/.wh.x", Typeflag: tar.TypeReg}},
		{{Name: "f", Typeflag: tar.TypeReg}, {Name: "h", Typeflag: tar.TypeLink, Linkname: "f"}},
		{{Name: "../x", Typeflag: tar.TypeReg}},
		{{Name: "./", Typeflag: tar.TypeReg}},
		{{Name: "d", Typeflag: tar.TypeDir}, {Name: "d", Typeflag: tar.TypeReg}},
		{{Name: "p", Typeflag: tar.TypeFifo}},
	}
	for i, s := range seeds {
		f.Add(fuzzTar(s...), uint8(i%3))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		base := t.TempDir()
		root := filepath.Join(base, "layer")
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		sentinel := filepath.Join(base, "sentinel")
		if err := os.WriteFile(sentinel, []byte("s"), 0o600); err != nil {
			t.Fatal(err)
		}
		opts := ApplyOptions{Whiteouts: WhiteoutMode(mode % 3), NoChown: true}
		_, _ = Apply(context.Background(), root, bytes.NewReader(data), opts)
		ents, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 2 {
			t.Fatalf("the layer's parent now holds %d entries", len(ents))
		}
		if fi, err := os.Lstat(root); err != nil || !fi.IsDir() {
			t.Fatalf("the layer directory changed: %v %v", fi, err)
		}
		if b, err := os.ReadFile(sentinel); err != nil || string(b) != "s" {
			t.Fatalf("sentinel changed: %q %v", b, err)
		}
	})
}
