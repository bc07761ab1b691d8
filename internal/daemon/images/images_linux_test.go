package images

import (
	"archive/tar"
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/content"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/testutil"
)

func testService(t *testing.T) *Service {
	t.Helper()
	root := t.TempDir()
	sn, driver, err := snapshot.New(filepath.Join(root, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := content.New(filepath.Join(root, "content"))
	if err != nil {
		t.Fatal(err)
	}
	is, err := image.NewStore(filepath.Join(root, "image"), cs, sn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { is.Close(); sn.Close() })
	return &Service{store: is, snapshotter: sn, driver: driver}
}

func rootfsTar(files ...string) *bytes.Buffer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: int64(len(f)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f))
	}
	tw.Close()
	return &buf
}

// TestImageUseCases drives import, tag, list with filters, inspect,
// history, rmi (untag first, conflicts, delete) and prune through the
// service's Backend methods.
func TestImageUseCases(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	s := testService(t)
	id, err := s.ImageImport(ctx, "-", rootfsTar("a"), "bt-im-one", "", "", []string{"LABEL x=1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImageImport(ctx, "-", rootfsTar("b"), "bt-im-dangling", "", "", nil, ""); err != nil {
		t.Fatal(err)
	}
	// Re-importing the same tag leaves the first dangling.
	if _, err := s.ImageImport(ctx, "-", rootfsTar("c"), "bt-im-dangling", "", "", nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ImageTag(ctx, "bt-im-one", "bt-im-other", "v2"); err != nil {
		t.Fatal(err)
	}
	if err := s.ImageTag(ctx, "bt-im-nope", "x", ""); !errdefs.IsNotFound(err) || err.Error() != "No such image: bt-im-nope:latest" {
		t.Fatalf("tag of unknown image: %v", err)
	}
	if err := s.ImageTag(ctx, "bt-im-one", "Bad Name", ""); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("tag with malformed reference: %v", err)
	}
	list, err := s.ImageList(ctx, false, nil, false)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	list, _ = s.ImageList(ctx, false, map[string][]string{"dangling": {"true"}}, false)
	if len(list) != 1 || len(list[0].RepoTags) != 0 {
		t.Fatalf("dangling list %+v", list)
	}
	list, _ = s.ImageList(ctx, false, map[string][]string{"label": {"x=1"}}, false)
	if len(list) != 1 || list[0].ID != id || len(list[0].RepoTags) != 2 || list[0].RepoTags[0] != "bt-im-one:latest" {
		t.Fatalf("label list %+v", list)
	}
	if _, err := s.ImageList(ctx, false, map[string][]string{"bogus": {"1"}}, false); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("unknown filter: %v", err)
	}
	insp, err := s.ImageInspect(ctx, id[7:19])
	if err != nil || insp.ID != id || insp.RootFS.Type != "layers" || len(insp.RootFS.Layers) != 1 || insp.Config.Labels["x"] != "1" {
		t.Fatalf("inspect %+v %v", insp, err)
	}
	if insp.Size != 1 || insp.Os != "linux" || insp.Created == "" {
		t.Fatalf("inspect size/os/created %+v", insp)
	}
	hist, err := s.ImageHistory(ctx, "bt-im-one")
	if err != nil || len(hist) != 1 || hist[0].ID != id || !strings.HasPrefix(hist[0].Comment, "Imported from") {
		t.Fatalf("history %+v %v", hist, err)
	}
	// rmi by ID of an image in two repositories needs force.
	if _, err := s.ImageDelete(ctx, id, false, true); !errdefs.IsConflict(err) {
		t.Fatalf("rmi by ID with two repos: %v", err)
	}
	// rmi by tag untags only while another tag remains.
	resp, err := s.ImageDelete(ctx, "bt-im-other:v2", false, true)
	if err != nil || len(resp) != 1 || resp[0].Untagged != "bt-im-other:v2" {
		t.Fatalf("rmi tag: %+v %v", resp, err)
	}
	resp, err = s.ImageDelete(ctx, "bt-im-one", false, true)
	if err != nil || len(resp) < 2 || resp[0].Untagged != "bt-im-one:latest" || resp[1].Deleted != id {
		t.Fatalf("rmi last tag: %+v %v", resp, err)
	}
	if _, err := s.ImageInspect(ctx, "bt-im-one"); !errdefs.IsNotFound(err) {
		t.Fatalf("inspect deleted: %v", err)
	}
	if _, err := s.ImageDelete(ctx, "bt-im-one", false, true); !errdefs.IsNotFound(err) {
		t.Fatalf("rmi twice: %v", err)
	}
	// prune removes the dangling image only; prune -a removes the rest.
	rep, err := s.ImagesPrune(ctx, nil)
	if err != nil || len(rep.ImagesDeleted) < 1 || rep.SpaceReclaimed != 1 {
		t.Fatalf("prune: %+v %v", rep, err)
	}
	list, _ = s.ImageList(ctx, true, nil, false)
	if len(list) != 1 {
		t.Fatalf("%d images after prune", len(list))
	}
	rep, err = s.ImagesPrune(ctx, map[string][]string{"dangling": {"false"}})
	if err != nil || len(rep.ImagesDeleted) < 2 {
		t.Fatalf("prune -a: %+v %v", rep, err)
	}
	list, _ = s.ImageList(ctx, true, nil, false)
	if len(list) != 0 {
		t.Fatalf("%d images after prune -a", len(list))
	}
	var saved bytes.Buffer
	if err := s.ImageSave(ctx, []string{"bt-im-gone"}, &saved); !errdefs.IsNotFound(err) || saved.Len() != 0 {
		t.Fatalf("save unknown: %v (%d bytes)", err, saved.Len())
	}
}

// TestImageDeleteParents checks rmi on a chain of committed images: a
// parent with children is only untagged; deleting the child prunes the
// untagged parent unless noprune.
func TestImageDeleteParents(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	s := testService(t)
	commit := func(parent, ref string) string {
		t.Helper()
		p, err := s.store.Get(ctx, parent)
		if err != nil {
			t.Fatal(err)
		}
		key := "bt-im-ctr-" + ref
		if _, err := s.snapshotter.Prepare(ctx, key, p.ChainID()); err != nil {
			t.Fatal(err)
		}
		defer s.snapshotter.Remove(ctx, key)
		id, err := s.store.Commit(ctx, key, p.ID, image.CommitOptions{Ref: ref})
		if err != nil {
			t.Fatal(err)
		}
		return id.String()
	}
	for _, prune := range []bool{true, false} {
		base, err := s.ImageImport(ctx, "-", rootfsTar("a"), "bt-im-base", "", "", nil, "")
		if err != nil {
			t.Fatal(err)
		}
		child := commit("bt-im-base", "bt-im-child")
		// By tag: the parent is untagged but stays for its child.
		resp, err := s.ImageDelete(ctx, "bt-im-base", false, prune)
		if err != nil || len(resp) != 1 || resp[0].Untagged == "" {
			t.Fatalf("rmi parent: %+v %v", resp, err)
		}
		if _, err := s.ImageInspect(ctx, base); err != nil {
			t.Fatalf("parent with a child deleted: %v", err)
		}
		// By ID: a parent with children cannot be deleted at all.
		if _, err := s.ImageDelete(ctx, base, true, prune); !errdefs.IsConflict(err) {
			t.Fatalf("rmi -f parent by ID: %v", err)
		}
		// Hidden from the default list as an intermediate image.
		list, _ := s.ImageList(ctx, false, nil, false)
		if len(list) != 1 || list[0].ID != child || list[0].ParentID != base {
			t.Fatalf("list %+v", list)
		}
		resp, err = s.ImageDelete(ctx, "bt-im-child", false, prune)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ImageInspect(ctx, base)
		if prune && !errdefs.IsNotFound(err) {
			t.Fatalf("untagged parent not pruned: %v (%+v)", err, resp)
		}
		if !prune {
			if err != nil {
				t.Fatalf("noprune deleted the parent: %v", err)
			}
			if _, err := s.ImageDelete(ctx, base, false, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	n := 0
	s.snapshotter.Walk(ctx, func(snapshot.Info) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d snapshots left", n)
	}
}
