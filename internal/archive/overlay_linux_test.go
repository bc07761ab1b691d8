package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestOverlayWhiteoutConversion converts tar whiteouts to overlayfs form and
// back: .wh.<name> ⇄ 0/0 char device, .wh..wh..opq ⇄ trusted.overlay.opaque.
func TestOverlayWhiteoutConversion(t *testing.T) {
	ctx := context.Background()
	upper := testutil.RootTempDir(t)
	_, err := Apply(ctx, upper, mkTar(t,
		entry{name: "d/", typ: tar.TypeDir},
		entry{name: "d/.wh.gone"},
		entry{name: "o/", typ: tar.TypeDir},
		entry{name: "o/.wh..wh..opq"},
		entry{name: "o/f", body: "x"},
	), ApplyOptions{Whiteouts: WhiteoutOverlay})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(upper, "d/gone"))
	if err != nil || !IsOverlayWhiteout(fi) {
		t.Fatalf("d/gone is not a whiteout device: %v %v", fi, err)
	}
	if !IsOverlayOpaque(filepath.Join(upper, "o")) {
		t.Fatal("o is not opaque")
	}
	mustNotExist(t, upper, "d/.wh.gone", "o/.wh..wh..opq")

	var buf bytes.Buffer
	if err := TarOverlayUpper(ctx, &buf, upper); err != nil {
		t.Fatal(err)
	}
	names := tarNames(t, bytes.NewReader(buf.Bytes()))
	for _, n := range []string{"d/", "d/.wh.gone", "o/", "o/.wh..wh..opq", "o/f"} {
		if !names[n] {
			t.Errorf("entry %s missing from %v", n, names)
		}
	}
	if names["d/gone"] {
		t.Error("whiteout device archived as a device")
	}
	ents, err := ReadTree(upper)
	if err != nil {
		t.Fatal(err)
	}
	changes := ChangesOverlay(ents, []string{t.TempDir()})
	kinds := map[string]ChangeKind{}
	for _, c := range changes {
		kinds[c.Path] = c.Kind
	}
	if kinds["/d/gone"] != ChangeDelete || kinds["/o/f"] != ChangeAdd {
		t.Fatalf("changes %v", changes)
	}
}
