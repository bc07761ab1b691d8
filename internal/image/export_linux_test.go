package image

import (
	"bytes"
	"context"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestExportRootfs exports the merged root filesystem of a container
// snapshot on a two-layer image.
func TestExportRootfs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := s.importFiles(t, map[string]string{"lower": "l"}, ImportOptions{})
	ms := s.prepare(t, "bt-im-export", id)
	var buf bytes.Buffer
	if err := ExportRootfs(ctx, ms, &buf); err != nil {
		t.Fatal(err)
	}
	if testutil.TarNames(t, &buf)["lower"] != "l" {
		t.Fatal("exported rootfs lacks the image's file")
	}
}
