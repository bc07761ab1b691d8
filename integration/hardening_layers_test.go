package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// evilLayer is a layer tar that writes a directory and a file, then holds
// the entry name: a whiteout of the layer root or its parent, or a name
// climbing out of it.
func evilLayer(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hs := []*tar.Header{
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "etc/bt-layer", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1},
		{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: 1},
	}
	if strings.HasSuffix(name, "/") {
		hs[2].Typeflag, hs[2].Size = tar.TypeDir, 0
	}
	for _, h := range hs {
		h.ModTime = time.Unix(1700000000, 0)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("x"))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// evilImageConfig is an image config whose only layer is layer.
func evilImageConfig(layer []byte) []byte {
	cfg, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Cmd": []string{"sh"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + sha256Hex(layer)}},
	})
	return cfg
}

// evilImageArchive is a docker-archive (docker save format) of one image
// tagged ref whose layer is layer.
func evilImageArchive(t *testing.T, ref string, layer []byte) []byte {
	t.Helper()
	cfg := evilImageConfig(layer)
	manifest, _ := json.Marshal([]map[string]any{{
		"Config": sha256Hex(cfg) + ".json", "RepoTags": []string{ref}, "Layers": []string{"layer/layer.tar"},
	}})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{sha256Hex(cfg) + ".json", cfg}, {"layer/layer.tar", layer}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pushBlob uploads data to repo on the registry in one request.
func pushBlob(t *testing.T, host, repo string, data []byte) string {
	t.Helper()
	dg := "sha256:" + sha256Hex(data)
	resp, err := http.Post(fmt.Sprintf("http://%s/v2/%s/blobs/uploads/", host, repo), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		t.Fatalf("start upload: %s", resp.Status)
	}
	if !strings.HasPrefix(loc, "http") {
		loc = "http://" + host + loc
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	req, _ := http.NewRequest(http.MethodPut, loc+sep+"digest="+dg, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put blob: %s", resp.Status)
	}
	return dg
}

// pushEvilImage puts on the registry an image repo:tag whose gzipped layer
// is layer.
func pushEvilImage(t *testing.T, host, repo, tag string, layer []byte) {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	cfg := evilImageConfig(layer)
	cfgDg := pushBlob(t, host, repo, cfg)
	layerDg := pushBlob(t, host, repo, gz.Bytes())
	m, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.docker.distribution.manifest.v2+json",
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(cfg), "digest": cfgDg},
		"layers":        []map[string]any{{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": gz.Len(), "digest": layerDg}},
	})
	putManifest(t, host, repo, tag, "application/vnd.docker.distribution.manifest.v2+json", m)
}

// layerState describes what an escape could change: the images, every
// snapshot directory with its type and mode and its fs directory, the
// sentinels beside the snapshot directories and the container's files.
func layerState(t *testing.T, d *testDaemon, ctrDir string) string {
	t.Helper()
	out, code := d.docker("", "images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")
	if code != 0 {
		t.Fatalf("images: %d %q", code, out)
	}
	imgs := strings.Split(strings.TrimSpace(out), "\n")
	sort.Strings(imgs)
	var b strings.Builder
	fmt.Fprintf(&b, "images: %q\n", imgs)
	snaps := filepath.Join(d.root, "snapshots", "snapshots")
	for _, n := range dirEntries(snaps) {
		fi, err := os.Lstat(filepath.Join(snaps, n))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "snapshot %s %v", n, fi.Mode())
		if fi, err := os.Lstat(filepath.Join(snaps, n, "fs")); err == nil {
			fmt.Fprintf(&b, " fs %v", fi.Mode())
		}
		b.WriteString("\n")
	}
	for _, p := range []string{filepath.Join(snaps, "bt-sentinel", "keep"), filepath.Join(d.root, "snapshots", "bt-sentinel")} {
		data, err := os.ReadFile(p)
		fmt.Fprintf(&b, "sentinel %s %q %v\n", p, data, err)
	}
	fmt.Fprintf(&b, "container dir %q\n", dirEntries(ctrDir))
	return b.String()
}

// TestLayerWhiteoutEscape feeds load, import, pull, build (ADD of a local
// tar) and cp (PUT /containers/{id}/archive) an archive holding an entry
// whose name or whiteout target is the layer root or above: each is
// refused with an error naming the entry, and nothing changes: no image,
// no snapshot directory, no sentinel beside them, no file in the container.
// So is the commit of a container that created /.wh... itself.
func TestLayerWhiteoutEscape(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	reg := startRegistry(t, registryOpts{})
	snaps := filepath.Join(d.root, "snapshots", "snapshots")
	if err := os.MkdirAll(filepath.Join(snaps, "bt-sentinel"), 0o700); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(snaps, "bt-sentinel", "keep"), "keep")
	mustWrite(t, filepath.Join(d.root, "snapshots", "bt-sentinel"), "keep")
	id := strings.TrimSpace(d.mustCLI("create", "busybox", "sleep", "60"))
	ctrDir := filepath.Join(d.root, "containers", id)
	if _, err := os.Stat(ctrDir); err != nil {
		t.Fatalf("container dir: %v", err)
	}

	names := []string{".wh...", ".wh..", ".wh.", "etc/.wh...", "./.wh../", "etc/../../bt-escape"}
	for i, name := range names {
		layer := evilLayer(t, name)
		ops := map[string]func() (string, int){
			"load": func() (string, int) {
				return d.docker(string(evilImageArchive(t, fmt.Sprintf("bt-evil-load:%d", i), layer)), "load")
			},
			"import": func() (string, int) {
				return d.docker(string(layer), "import", "-", fmt.Sprintf("bt-evil-import:%d", i))
			},
			"pull": func() (string, int) {
				pushEvilImage(t, reg.host, "bt/evil", fmt.Sprint(i), layer)
				return d.docker("", "pull", fmt.Sprintf("%s/bt/evil:%d", reg.host, i))
			},
			"build": func() (string, int) {
				dir := t.TempDir()
				mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nADD evil.tar /\n")
				if err := os.WriteFile(filepath.Join(dir, "evil.tar"), layer, 0o644); err != nil {
					t.Fatal(err)
				}
				return d.build(2*time.Minute, "-t", fmt.Sprintf("bt-evil-build:%d", i), dir)
			},
			"cp": func() (string, int) {
				return d.docker(string(layer), "cp", "-", id+":/tmp")
			},
		}
		for _, op := range []string{"load", "import", "pull", "build", "cp"} {
			before := layerState(t, d, ctrDir)
			out, code := ops[op]()
			want := fmt.Sprintf("invalid layer entry %q", name)
			if code == 0 || !strings.Contains(out, want) {
				t.Errorf("%s of an entry %q: exit %d, output %q; want a failure naming it (%s)", op, name, code, out, want)
			}
			if after := layerState(t, d, ctrDir); after != before {
				t.Errorf("%s of an entry %q changed the engine's state:\nbefore:\n%s\nafter:\n%s", op, name, before, after)
			}
		}
	}
	// A container that makes such a name itself cannot commit it as a
	// whiteout of its layer's root: the commit is refused, naming it.
	d.mustCLI("run", "--name", "bt-evil-commit", "busybox", "touch", "/.wh...")
	before := layerState(t, d, ctrDir)
	if out, code := d.docker("", "commit", "bt-evil-commit", "bt-evil-committed"); code == 0 || !strings.Contains(out, `invalid layer entry ".wh..."`) {
		t.Errorf("commit of a container holding /.wh...: exit %d, output %q", code, out)
	}
	if after := layerState(t, d, ctrDir); after != before {
		t.Errorf("commit of /.wh... changed the engine's state:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The container got none of the refused entries, and nothing beside
	// /tmp where they were copied (cp extracts as a stream, as dockerd's
	// does: the entries before the refused one stay in /tmp).
	code, _, body := d.raw(http.MethodGet, "/containers/"+id+"/export", "")
	if code != http.StatusOK {
		t.Fatalf("export: %d", code)
	}
	tr := tar.NewReader(strings.NewReader(body))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if strings.Contains(h.Name, ".wh.") || strings.Contains(h.Name, "bt-escape") || !strings.HasPrefix(h.Name, "tmp/") && strings.Contains(h.Name, "bt-layer") {
			t.Errorf("the container holds %q after the refused copies", h.Name)
		}
	}
	if _, err := os.Lstat(filepath.Join(d.root, "bt-escape")); err == nil {
		t.Errorf("an entry escaped into the data root")
	}
}
