package image

import (
	"archive/tar"
	"bytes"
	"context"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/testutil"
)

// TestLoadLegacyDockerArchive loads the pre-25 docker save layout:
// <id>.json configs, <v1id>/layer.tar layers, and a layer.tar that is a
// symlink to another image's copy.
func TestLoadLegacyDockerArchive(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	layer := tarOf(t, map[string]string{"f": "legacy"})
	diffID := digest.FromBytes(layer)
	config := []byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["/f"]},"rootfs":{"type":"layers","diff_ids":["` + diffID.String() + `"]}}`)
	config2 := []byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["/g"]},"rootfs":{"type":"layers","diff_ids":["` + diffID.String() + `"]}}`)
	id1, id2 := digest.FromBytes(config), digest.FromBytes(config2)
	manifest := `[{"Config":"` + id1.Encoded() + `.json","RepoTags":["bt-im-legacy:1"],"Layers":["aaaa/layer.tar"]},` +
		`{"Config":"` + id2.Encoded() + `.json","RepoTags":["bt-im-legacy:2"],"Layers":["bbbb/layer.tar"]}]`
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.WriteHeader(&tar.Header{Name: "aaaa/", Mode: 0o755, Typeflag: tar.TypeDir})
	add("aaaa/layer.tar", layer)
	add("aaaa/VERSION", []byte("1.0"))
	tw.WriteHeader(&tar.Header{Name: "bbbb/", Mode: 0o755, Typeflag: tar.TypeDir})
	tw.WriteHeader(&tar.Header{Name: "bbbb/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../aaaa/layer.tar"})
	add(id1.Encoded()+".json", config)
	add(id2.Encoded()+".json", config2)
	add("manifest.json", []byte(manifest))
	add("repositories", []byte(`{"bt-im-legacy":{"1":"aaaa","2":"bbbb"}}`))
	tw.Close()

	s := openStore(t, t.TempDir(), "")
	var lines []string
	loaded, err := s.Load(ctx, &buf, func(l string) { lines = append(lines, l) })
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 2 || loaded[0].ID != id1 || loaded[1].ID != id2 {
		t.Fatalf("loaded %+v", loaded)
	}
	if len(lines) != 2 || lines[1] != "Loaded image: bt-im-legacy:2" {
		t.Fatalf("progress %q", lines)
	}
	if n := countSnapshots(t, s.sn); n != 1 {
		t.Fatalf("%d snapshots, want the one shared layer", n)
	}
}

// TestLoadSymlinkEscape rejects an archive whose layer path is a symlink
// pointing out of the archive.
func TestLoadSymlinkEscape(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	layer := tarOf(t, map[string]string{"f": "x"})
	config := []byte(`{"os":"linux","rootfs":{"type":"layers","diff_ids":["` + digest.FromBytes(layer).String() + `"]}}`)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "c.json", Mode: 0o644, Size: int64(len(config)), Typeflag: tar.TypeReg})
	tw.Write(config)
	tw.WriteHeader(&tar.Header{Name: "l.tar", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	m := []byte(`[{"Config":"c.json","RepoTags":["bt-im-esc:1"],"Layers":["l.tar"]}]`)
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o644, Size: int64(len(m)), Typeflag: tar.TypeReg})
	tw.Write(m)
	tw.Close()
	s := openStore(t, t.TempDir(), "")
	if _, err := s.Load(ctx, &buf, nil); err == nil {
		t.Fatal("an archive reading /etc/passwd as a layer loaded")
	}
	if imgs, _ := s.List(ctx); len(imgs) != 0 {
		t.Fatalf("%d images", len(imgs))
	}
}

// TestLoadDiffIDMismatch rejects a layer whose content does not hash to
// the diff ID its config lists, and keeps nothing of it.
func TestLoadDiffIDMismatch(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	layer := tarOf(t, map[string]string{"f": "x"})
	config := []byte(`{"os":"linux","rootfs":{"type":"layers","diff_ids":["` + digest.FromString("other").String() + `"]}}`)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string][]byte{
		"c.json":        config,
		"l.tar":         layer,
		"manifest.json": []byte(`[{"Config":"c.json","RepoTags":["bt-im-mismatch:1"],"Layers":["l.tar"]}]`),
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	s := openStore(t, t.TempDir(), "")
	if _, err := s.Load(ctx, &buf, nil); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("load of a mismatched layer: %v", err)
	}
	if n := countSnapshots(t, s.sn); n != 0 {
		t.Fatalf("%d snapshots", n)
	}
	if s.content.Has(ctx, digest.FromBytes(layer)) {
		t.Fatal("mismatched layer blob kept")
	}
}
