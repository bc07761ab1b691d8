package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/testutil"
)

// TestCommitExclude commits a container layer without the engine's mount
// points, and with nothing changed (an empty layer marked in history).
func TestCommitExclude(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	s := openStore(t, t.TempDir(), "")
	base, err := s.Import(ctx, bytes.NewReader(tarOf(t, map[string]string{"etc/passwd": "p"})), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := s.Get(ctx, base.String())
	ms, err := s.sn.Prepare(ctx, "bt-im-commit", img.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	defer s.sn.Remove(ctx, "bt-im-commit")
	err = mount.WithTempMount(ms, func(root string) error {
		os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("127.0.0.1 x"), 0o644)
		return os.WriteFile(filepath.Join(root, "data"), []byte("d"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Commit(ctx, "bt-im-commit", base, CommitOptions{Exclude: []string{"/etc/hosts"}, CreatedBy: "sh"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, id.String())
	diffs := got.Config.RootFS.DiffIDs
	if len(diffs) != 2 || got.Config.History[1].CreatedBy != "sh" {
		t.Fatalf("committed %+v", got.Config)
	}
	f, err := s.content.Open(ctx, diffs[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	if !names["data"] || names["etc/hosts"] {
		t.Fatalf("layer entries %v", names)
	}
	// A container that changed nothing commits to an empty layer.
	if _, err := s.sn.Prepare(ctx, "bt-im-empty", img.ChainID()); err != nil {
		t.Fatal(err)
	}
	defer s.sn.Remove(ctx, "bt-im-empty")
	id2, err := s.Commit(ctx, "bt-im-empty", base, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got2, _ := s.Get(ctx, id2.String())
	if len(got2.Config.RootFS.DiffIDs) != 1 || !got2.Config.History[1].EmptyLayer {
		t.Fatalf("empty commit %+v", got2.Config)
	}
}
