package archive

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/errdefs"
)

// TestApplyRefusesRootWhiteouts applies, in every whiteout mode, entries
// whose name or whiteout target is the layer root or above: each is
// refused with an error naming the entry, and neither the layer directory
// nor its parent changes.
func TestApplyRefusesRootWhiteouts(t *testing.T) {
	names := []string{".wh..", ".wh...", ".wh.", "a/.wh...", "./.wh..", "a/.wh.b/c", "a/../../b", "../.wh.x"}
	for _, mode := range []WhiteoutMode{WhiteoutNone, WhiteoutDelete, WhiteoutOverlay} {
		for _, n := range names {
			base := t.TempDir()
			root := filepath.Join(base, "layer")
			if err := os.Mkdir(root, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(base, "sentinel"), []byte("s"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Apply(context.Background(), root, mkTar(t, entry{name: "a/", typ: tar.TypeDir}, entry{name: n, body: "x"}), ApplyOptions{Whiteouts: mode, NoChown: true})
			if !errdefs.IsInvalidParameter(err) || !strings.Contains(err.Error(), "invalid layer entry") {
				t.Errorf("mode %d, entry %q: err = %v, want invalid layer entry", mode, n, err)
			}
			fi, err := os.Lstat(root)
			if err != nil || !fi.IsDir() {
				t.Errorf("mode %d, entry %q: layer dir is now %v (%v)", mode, n, fi.Mode(), err)
			}
			ents, _ := os.ReadDir(base)
			if len(ents) != 2 {
				t.Errorf("mode %d, entry %q: parent holds %v", mode, n, ents)
			}
			if b, err := os.ReadFile(filepath.Join(base, "sentinel")); err != nil || string(b) != "s" {
				t.Errorf("mode %d, entry %q: sentinel changed: %q %v", mode, n, b, err)
			}
		}
	}
}

func TestCheckEntry(t *testing.T) {
	ok := []*tar.Header{
		{Name: "./", Typeflag: tar.TypeDir},
		{Name: ".wh.a", Typeflag: tar.TypeReg},
		{Name: "d/.wh..wh..opq", Typeflag: tar.TypeReg},
		{Name: ".wh..wh.plnk/1", Typeflag: tar.TypeReg},
		{Name: "h", Typeflag: tar.TypeLink, Linkname: "/a/b"},
	}
	for _, h := range ok {
		if _, err := CheckEntry(h); err != nil {
			t.Errorf("CheckEntry(%q) = %v", h.Name, err)
		}
	}
	bad := []*tar.Header{
		{Name: "./", Typeflag: tar.TypeReg},
		{Name: ".", Typeflag: tar.TypeSymlink, Linkname: "/"},
		{Name: "h", Typeflag: tar.TypeLink, Linkname: "."},
		{Name: "h", Typeflag: tar.TypeLink, Linkname: "../x"},
	}
	for _, h := range bad {
		if _, err := CheckEntry(h); !errdefs.IsInvalidParameter(err) {
			t.Errorf("CheckEntry(%q -> %q) = %v, want InvalidParameter", h.Name, h.Linkname, err)
		}
	}
}

func TestCheckEntryGlobalHeader(t *testing.T) {
	for _, n := range []string{"", "pax_global_header"} {
		if name, err := CheckEntry(&tar.Header{Name: n, Typeflag: tar.TypeXGlobalHeader}); err != nil || name != "" {
			t.Errorf("global header %q: %q, %v; want skipped", n, name, err)
		}
	}
}
