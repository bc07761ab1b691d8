package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestExportRootfs exports the merged root filesystem of a container
// snapshot on a two-layer image.
func TestExportRootfs(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	s := openStore(t, t.TempDir(), "")
	id, err := s.Import(ctx, bytes.NewReader(tarOf(t, map[string]string{"lower": "l"})), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := s.Get(ctx, id.String())
	ms, err := s.sn.Prepare(ctx, "bt-im-export", img.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	defer s.sn.Remove(ctx, "bt-im-export")
	var buf bytes.Buffer
	if err := ExportRootfs(ctx, ms, &buf); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "lower" {
			b, _ := io.ReadAll(tr)
			found = string(b) == "l"
		}
	}
	if !found {
		t.Fatal("exported rootfs lacks the image's file")
	}
}
