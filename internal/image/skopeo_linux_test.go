package image

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestSaveInteropSkopeo checks the save format with an independent reader
// and writer: skopeo (containers/image) reads berth's archive both as a
// docker-archive and as an OCI layout, and the docker-archive and OCI
// archive skopeo writes load back into berth with the same image ID.
func TestSaveInteropSkopeo(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Fatalf("skopeo is required: %v", err)
	}
	ctx := context.Background()
	s := newStore(t)
	id, err := s.Import(ctx, bytes.NewReader(busyboxTar(t)), ImportOptions{Ref: "bt-im-interop:1", Changes: []string{`CMD ["/bin/sh"]`}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	saved := filepath.Join(dir, "saved.tar")
	f, _ := os.Create(saved)
	if err := s.Save(ctx, []string{"bt-im-interop:1"}, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command("skopeo", "inspect", "--config", "docker-archive:"+saved).Output()
	if err != nil {
		t.Fatalf("skopeo inspect docker-archive: %v", err)
	}
	var cfg struct {
		Config struct{ Cmd []string }
	}
	if err := json.Unmarshal(out, &cfg); err != nil || len(cfg.Config.Cmd) != 1 {
		t.Fatalf("skopeo read config %s: %v", out, err)
	}
	ociDir := filepath.Join(dir, "oci")
	os.Mkdir(ociDir, 0o755)
	if err := exec.Command("tar", "-xf", saved, "-C", ociDir).Run(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("skopeo", "inspect", "oci:"+ociDir+":1").CombinedOutput(); err != nil {
		t.Fatalf("skopeo inspect oci layout: %v %s", err, out)
	}
	copies := map[string][]string{
		"sk.tar":          {"docker-archive:" + filepath.Join(dir, "sk.tar") + ":bt-im-sk:2"},
		"sk-oci.tar":      {"oci-archive:" + filepath.Join(dir, "sk-oci.tar") + ":docker.io/library/bt-im-sk:2"},
		"sk-oci-gzip.tar": {"--dest-compress", "--dest-compress-format", "gzip", "oci-archive:" + filepath.Join(dir, "sk-oci-gzip.tar") + ":docker.io/library/bt-im-sk:2"},
		"sk-oci-zstd.tar": {"--dest-compress", "--dest-compress-format", "zstd", "oci-archive:" + filepath.Join(dir, "sk-oci-zstd.tar") + ":docker.io/library/bt-im-sk:2"},
	}
	for _, args := range copies {
		dst := args[len(args)-1]
		args = append(append([]string{"copy", "-q"}, args[:len(args)-1]...), "docker-archive:"+saved, dst)
		if out, err := exec.Command("skopeo", args...).CombinedOutput(); err != nil {
			t.Fatalf("skopeo %v: %v %s", args, err, out)
		}
	}
	for p := range copies {
		o := newStore(t)
		f, err := os.Open(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := o.Load(ctx, f, nil)
		f.Close()
		if err != nil {
			t.Fatalf("load %s: %v", p, err)
		}
		if len(loaded) != 1 {
			t.Fatalf("load %s: %+v", p, loaded)
		}
		img, err := o.Get(ctx, "bt-im-sk:2")
		if err != nil {
			t.Fatalf("%s: tag not loaded: %v (%+v)", p, err, loaded)
		}
		if len(img.Config.RootFS.DiffIDs) != 1 || img.Config.Config.Cmd[0] != "/bin/sh" {
			t.Fatalf("%s: config %+v", p, img.Config)
		}
		// skopeo rewrites the config when converting to OCI, which changes
		// the ID; a docker-archive copy keeps it.
		if p == "sk.tar" && loaded[0].ID != id {
			t.Errorf("%s: loaded ID %s, want %s", p, loaded[0].ID, id)
		}
	}
}
