package image

import (
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
	ctx := context.Background()
	layer := testutil.TarFiles(t, map[string]string{"f": "legacy"})
	diffID := digest.FromBytes(layer)
	config := []byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["/f"]},"rootfs":{"type":"layers","diff_ids":["` + diffID.String() + `"]}}`)
	config2 := []byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["/g"]},"rootfs":{"type":"layers","diff_ids":["` + diffID.String() + `"]}}`)
	id1, id2 := digest.FromBytes(config), digest.FromBytes(config2)
	manifest := `[{"Config":"` + id1.Encoded() + `.json","RepoTags":["bt-im-legacy:1"],"Layers":["aaaa/layer.tar"]},` +
		`{"Config":"` + id2.Encoded() + `.json","RepoTags":["bt-im-legacy:2"],"Layers":["bbbb/layer.tar"]}]`
	archive := testutil.Tar(t,
		testutil.TarEntry{Name: "aaaa/"},
		testutil.TarEntry{Name: "aaaa/layer.tar", Body: string(layer)},
		testutil.TarEntry{Name: "aaaa/VERSION", Body: "1.0"},
		testutil.TarEntry{Name: "bbbb/"},
		testutil.TarEntry{Name: "bbbb/layer.tar", Link: "../aaaa/layer.tar"},
		testutil.TarEntry{Name: id1.Encoded() + ".json", Body: string(config)},
		testutil.TarEntry{Name: id2.Encoded() + ".json", Body: string(config2)},
		testutil.TarEntry{Name: "manifest.json", Body: manifest},
		testutil.TarEntry{Name: "repositories", Body: `{"bt-im-legacy":{"1":"aaaa","2":"bbbb"}}`})

	s := newStore(t)
	var lines []string
	loaded, err := s.Load(ctx, bytes.NewReader(archive), func(l string) { lines = append(lines, l) })
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
	ctx := context.Background()
	layer := testutil.TarFiles(t, map[string]string{"f": "x"})
	config := `{"os":"linux","rootfs":{"type":"layers","diff_ids":["` + digest.FromBytes(layer).String() + `"]}}`
	archive := testutil.Tar(t,
		testutil.TarEntry{Name: "c.json", Body: config},
		testutil.TarEntry{Name: "l.tar", Link: "/etc/passwd"},
		testutil.TarEntry{Name: "manifest.json", Body: `[{"Config":"c.json","RepoTags":["bt-im-esc:1"],"Layers":["l.tar"]}]`})
	s := newStore(t)
	if _, err := s.Load(ctx, bytes.NewReader(archive), nil); err == nil {
		t.Fatal("an archive reading /etc/passwd as a layer loaded")
	}
	if imgs, _ := s.List(ctx); len(imgs) != 0 {
		t.Fatalf("%d images", len(imgs))
	}
}

// TestLoadDiffIDMismatch rejects a layer whose content does not hash to
// the diff ID its config lists, and keeps nothing of it.
func TestLoadDiffIDMismatch(t *testing.T) {
	ctx := context.Background()
	layer := testutil.TarFiles(t, map[string]string{"f": "x"})
	archive := testutil.TarFiles(t, map[string]string{
		"c.json":        `{"os":"linux","rootfs":{"type":"layers","diff_ids":["` + digest.FromString("other").String() + `"]}}`,
		"l.tar":         string(layer),
		"manifest.json": `[{"Config":"c.json","RepoTags":["bt-im-mismatch:1"],"Layers":["l.tar"]}]`,
	})
	s := newStore(t)
	if _, err := s.Load(ctx, bytes.NewReader(archive), nil); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("load of a mismatched layer: %v", err)
	}
	if n := countSnapshots(t, s.sn); n != 0 {
		t.Fatalf("%d snapshots", n)
	}
	if s.content.Has(ctx, digest.FromBytes(layer)) {
		t.Fatal("mismatched layer blob kept")
	}
}
