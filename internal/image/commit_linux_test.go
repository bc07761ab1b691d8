package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/testutil"
)

// TestCommitExclude commits a container layer without the engine's mount
// points, and with nothing changed (an empty layer marked in history).
func TestCommitExclude(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := s.importFiles(t, map[string]string{"etc/passwd": "p"}, ImportOptions{})
	ms := s.prepare(t, "bt-im-commit", base)
	err := mount.WithTempMount(ms, func(root string) error {
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
	names := testutil.TarNames(t, f)
	if _, hosts := names["etc/hosts"]; names["data"] != "d" || hosts {
		t.Fatalf("layer entries %v", names)
	}
	// A container that changed nothing commits to an empty layer.
	s.prepare(t, "bt-im-empty", base)
	id2, err := s.Commit(ctx, "bt-im-empty", base, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got2, _ := s.Get(ctx, id2.String())
	if len(got2.Config.RootFS.DiffIDs) != 1 || !got2.Config.History[1].EmptyLayer {
		t.Fatalf("empty commit %+v", got2.Config)
	}
}
