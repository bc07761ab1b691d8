package image

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/content"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/testutil"
)

type testStore struct {
	*Store
	root string
}

func openStore(t *testing.T, root, driver string) *testStore {
	t.Helper()
	cs, err := content.New(filepath.Join(root, "content"))
	if err != nil {
		t.Fatal(err)
	}
	sn, _, err := snapshot.NewDriver(filepath.Join(root, "snapshots"), driver)
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStore(filepath.Join(root, "image"), cs, sn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); sn.Close() })
	return &testStore{st, root}
}

// newStore opens a store on a fresh temporary directory; the test needs root
// (the snapshotter mounts).
func newStore(t *testing.T) *testStore {
	t.Helper()
	return openStore(t, testutil.RootTempDir(t), "")
}

func (s *testStore) close() { s.Store.Close(); s.sn.Close() }

func busyboxTar(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	testutil.BusyboxRootfs(t, dir)
	var buf bytes.Buffer
	if err := archive.TarDir(context.Background(), &buf, dir); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importFiles imports a one-layer image of files.
func (s *testStore) importFiles(t *testing.T, files map[string]string, opts ImportOptions) digest.Digest {
	t.Helper()
	id, err := s.Import(context.Background(), bytes.NewReader(testutil.TarFiles(t, files)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// save returns the archive Save writes of refs.
func (s *testStore) save(t *testing.T, refs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Save(context.Background(), refs, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// prepare makes the container snapshot key on image id, removed when the
// test ends.
func (s *testStore) prepare(t *testing.T, key string, id digest.Digest) []mount.Mount {
	t.Helper()
	ctx := context.Background()
	img, err := s.Get(ctx, id.String())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.sn.Prepare(ctx, key, img.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.sn.Remove(ctx, key) })
	return ms
}

func countSnapshots(t *testing.T, sn snapshot.Snapshotter) int {
	n := 0
	sn.Walk(context.Background(), func(snapshot.Info) error { n++; return nil })
	return n
}

// TestImportSaveLoadRoundTrip imports busybox, saves it, loads the archive
// into a fresh store (plain and gzip) and gets the same image ID and tags.
func TestImportSaveLoadRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := newStore(t)
	id, err := a.Import(ctx, bytes.NewReader(busyboxTar(t)), ImportOptions{Ref: "bt-im-busybox:1", Changes: []string{`CMD ["/bin/sh"]`, "ENV A=1"}, Message: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := a.Get(ctx, "bt-im-busybox:1")
	if err != nil || img.ID != id {
		t.Fatalf("Get: %v %v", img, err)
	}
	if img.Config.Config.Cmd[0] != "/bin/sh" || img.Config.Config.Env[0] != "A=1" || img.Config.History[0].Comment != "hello" {
		t.Fatalf("config %+v", img.Config)
	}
	if img.Size <= 0 {
		t.Fatalf("size %d", img.Size)
	}
	short, err := a.Get(ctx, id.Encoded()[:12])
	if err != nil || short.ID != id {
		t.Fatalf("short ID: %v", err)
	}
	saved := a.save(t, "bt-im-busybox:1")
	// manifest.json as Docker writes it.
	files := testutil.TarNames(t, bytes.NewReader(saved))
	m, err := ParseManifest([]byte(files["manifest.json"]))
	if err != nil {
		t.Fatal(err)
	}
	if m[0].Config != "blobs/sha256/"+id.Encoded() || m[0].RepoTags[0] != "bt-im-busybox:1" || len(m[0].Layers) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	for _, f := range []string{"index.json", "oci-layout", "repositories", m[0].Layers[0]} {
		if _, ok := files[f]; !ok {
			t.Errorf("%s missing from save", f)
		}
	}
	if digest.FromString(files[m[0].Config]) != id {
		t.Error("config blob does not hash to the image ID")
	}
	for _, compress := range []string{"", "gzip", "xz", "bzip2"} {
		t.Run("load"+compress, func(t *testing.T) {
			in := saved
			if compress != "" {
				if _, err := exec.LookPath(compress); err != nil {
					t.Fatalf("%s is required (apt-get install xz-utils bzip2 gzip): %v", compress, err)
				}
				cmd := exec.Command(compress, "-c")
				cmd.Stdin = bytes.NewReader(in)
				out, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				in = out
			}
			b := newStore(t)
			var lines []string
			loaded, err := b.Load(ctx, bytes.NewReader(in), func(s string) { lines = append(lines, s) })
			if err != nil {
				t.Fatal(err)
			}
			if len(loaded) != 1 || loaded[0].ID != id {
				t.Fatalf("loaded %+v, want %s", loaded, id)
			}
			if len(lines) != 1 || lines[0] != "Loaded image: bt-im-busybox:1" {
				t.Fatalf("progress %q", lines)
			}
			got, err := b.Get(ctx, "bt-im-busybox:1")
			if err != nil || got.ID != id {
				t.Fatalf("Get after load: %v", err)
			}
			// Saving again gives the same archive, byte for byte.
			if !bytes.Equal(b.save(t, "bt-im-busybox:1"), saved) {
				t.Fatal("save after load differs from the original save")
			}
		})
	}
	// The OCI layout alone (no manifest.json) loads as well.
	oci := map[string]string{}
	for name, b := range files {
		if name != "manifest.json" && name != "repositories" && !strings.HasSuffix(name, "/") {
			oci[name] = b
		}
	}
	c := newStore(t)
	loaded, err := c.Load(ctx, bytes.NewReader(testutil.TarFiles(t, oci)), nil)
	if err != nil || len(loaded) != 1 || loaded[0].ID != id || len(loaded[0].Tags) != 1 {
		t.Fatalf("OCI load: %+v %v", loaded, err)
	}
}

// TestSharedLayerUnpackedOnce loads two images sharing a base layer and
// checks that the base is one snapshot, then deletes them in turn.
func TestSharedLayerUnpackedOnce(t *testing.T) {
	testutil.RequireRoot(t)
	for _, driver := range []string{snapshot.DriverOverlay, snapshot.DriverVFS} {
		t.Run(driver, func(t *testing.T) { sharedLayer(t, driver) })
	}
}

func sharedLayer(t *testing.T, driver string) {
	ctx := context.Background()
	s := openStore(t, t.TempDir(), driver)
	base := s.importFiles(t, map[string]string{"base": "b"}, ImportOptions{Ref: "bt-im-base"})
	baseImg, _ := s.Get(ctx, base.String())
	ids := []digest.Digest{}
	for i, name := range []string{"one", "two"} {
		key := "bt-im-ctr-" + name
		ms, err := s.sn.Prepare(ctx, key, baseImg.ChainID())
		if err != nil {
			t.Fatal(err)
		}
		err = mount.WithTempMount(ms, func(root string) error {
			return os.WriteFile(filepath.Join(root, name), []byte{byte(i)}, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.Commit(ctx, key, base, CommitOptions{Ref: "bt-im-" + name, Comment: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.sn.Remove(ctx, key); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if n := countSnapshots(t, s.sn); n != 3 {
		t.Fatalf("%d snapshots, want 3 (one shared base)", n)
	}
	img, _ := s.Get(ctx, "bt-im-one")
	if img.Parent != base || len(img.Config.RootFS.DiffIDs) != 2 || len(img.Config.History) != 2 {
		t.Fatalf("committed image %+v", img)
	}
	// Save both, load into a fresh store: the base is unpacked once there too.
	archive := s.save(t, "bt-im-one", "bt-im-two")
	o := openStore(t, t.TempDir(), driver)
	loaded, err := o.Load(ctx, bytes.NewReader(archive), nil)
	if err != nil || len(loaded) != 2 {
		t.Fatalf("load: %v %v", loaded, err)
	}
	if n := countSnapshots(t, o.sn); n != 3 {
		t.Fatalf("%d snapshots after load, want 3", n)
	}
	usage, _, err := o.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u := usage[ids[0]]; u.SharedSize != 1 || u.Size != 2 {
		t.Fatalf("usage %+v", u)
	}
	// Deleting one keeps the shared layer; deleting both frees everything.
	if _, err := o.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if n := countSnapshots(t, o.sn); n != 2 {
		t.Fatalf("%d snapshots after first delete, want 2", n)
	}
	if _, err := o.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if n := countSnapshots(t, o.sn); n != 0 {
		t.Fatalf("%d snapshots after deleting all, want 0", n)
	}
	if _, err := o.Get(ctx, "bt-im-one"); !errdefs.IsNotFound(err) || err.Error() != "No such image: bt-im-one:latest" {
		t.Fatalf("deleted image: %v", err)
	}
}

// TestBadInputLeavesNothing feeds truncated and corrupt archives to load and
// import and checks that no image, layer, snapshot or scratch file remains.
func TestBadInputLeavesNothing(t *testing.T) {
	ctx := context.Background()
	root := testutil.RootTempDir(t)
	s := openStore(t, root, "")
	good := busyboxTar(t)
	id, err := s.Import(ctx, bytes.NewReader(good), ImportOptions{Ref: "bt-im-src"})
	if err != nil {
		t.Fatal(err)
	}
	saved := s.save(t, "bt-im-src")
	if _, err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"truncated save":   saved[:len(saved)/2],
		"garbage":          []byte("this is not a tar archive at all, not even close............"),
		"truncated import": good[:len(good)/3],
		"empty tar":        make([]byte, 1024),
	}
	for name, in := range inputs {
		var err error
		if strings.Contains(name, "import") {
			_, err = s.Import(ctx, bytes.NewReader(in), ImportOptions{Ref: "bt-im-bad"})
		} else {
			_, err = s.Load(ctx, bytes.NewReader(in), nil)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errdefs.IsInvalidParameter(err) {
			t.Errorf("%s: %v is not InvalidParameter", name, err)
		}
	}
	imgs, _ := s.List(ctx)
	if len(imgs) != 0 {
		t.Errorf("%d images after bad input", len(imgs))
	}
	if n := countSnapshots(t, s.sn); n != 0 {
		t.Errorf("%d snapshots after bad input", n)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "image", "tmp"))
	if len(ents) != 0 {
		t.Errorf("scratch leftovers %v", ents)
	}
	blobs, _ := os.ReadDir(filepath.Join(root, "content", "blobs", "sha256"))
	if len(blobs) != 0 {
		t.Errorf("%d blobs left", len(blobs))
	}
}

// TestReopenReconciles simulates a daemon killed mid-load: a scratch
// snapshot, an unpacked layer no image refers to, a scratch dir and an
// ingest file are all gone after reopening; complete images survive.
func TestReopenReconciles(t *testing.T) {
	ctx := context.Background()
	root := testutil.RootTempDir(t)
	s := openStore(t, root, "")
	id := s.importFiles(t, map[string]string{"keep": "k"}, ImportOptions{Ref: "bt-im-keep"})
	// A layer unpacked and committed, but the image never recorded.
	if _, _, err := s.ApplyLayer(ctx, "", "", bytes.NewReader(testutil.TarFiles(t, map[string]string{"orphan": "o"}))); err != nil {
		t.Fatal(err)
	}
	// A scratch snapshot mid-extraction.
	if _, err := s.sn.Prepare(ctx, snapshot.TempPrefix+"layer-dead", ""); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "image", "tmp", "load-dead"), 0o700)
	os.WriteFile(filepath.Join(root, "content", "ingest", "blob-dead"), []byte("half"), 0o600)
	s.close()

	s = openStore(t, root, "")
	if n := countSnapshots(t, s.sn); n != 1 {
		t.Errorf("%d snapshots after reopen, want 1", n)
	}
	if got, err := s.Get(ctx, "bt-im-keep"); err != nil || got.ID != id {
		t.Errorf("complete image lost: %v", err)
	}
	for _, p := range []string{"image/tmp/load-dead", "content/ingest/blob-dead"} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s survived reopen", p)
		}
	}
	blobs, _ := os.ReadDir(filepath.Join(root, "content", "blobs", "sha256"))
	if len(blobs) != 2 { // config + layer of the kept image
		t.Errorf("%d blobs after reopen, want 2", len(blobs))
	}
}

// TestImportEmptyBody imports an empty body as Docker does: an image with
// one empty layer.
func TestImportEmptyBody(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id, err := s.Import(ctx, bytes.NewReader(nil), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := s.Get(ctx, id.String())
	if d := img.Config.RootFS.DiffIDs; len(d) != 1 || d[0] != EmptyLayerDiffID {
		t.Fatalf("diff IDs %v", d)
	}
}
