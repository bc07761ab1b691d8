package image_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
)

func TestImportLoadSaveTag(t *testing.T) {
	f := clitest.New(t)
	var imported, loaded []byte
	f.Handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		imported, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"sha256:1234abcd"}`+"\n")
	})
	f.Handle("POST /images/load", func(w http.ResponseWriter, r *http.Request) {
		loaded, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"Loaded image: busybox:latest\n"}`+"\n")
	})
	f.Handle("GET /images/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "TARBYTES") })
	f.Handle("POST /images/busybox/tag", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })

	out, errOut, code := f.Run("rootfs-tar", "import", "-c", "CMD [\"sh\"]", "-m", "hello", "-", "mybox:1")
	if code != 0 || out != "sha256:1234abcd\n" || string(imported) != "rootfs-tar" {
		t.Fatalf("import: %d %q %q body %q", code, out, errOut, imported)
	}
	q := f.Find("POST", "/images/create")[0].Query
	for _, s := range []string{"fromSrc=-", "repo=mybox%3A1", "message=hello", "changes="} {
		if !strings.Contains(q, s) {
			t.Errorf("import query %q lacks %s", q, s)
		}
	}
	file := filepath.Join(t.TempDir(), "img.tar")
	os.WriteFile(file, []byte("image-archive"), 0o600)
	out, _, code = f.Run("", "load", "-i", file)
	if code != 0 || out != "Loaded image: busybox:latest\n" || string(loaded) != "image-archive" {
		t.Fatalf("load: %d %q %q", code, out, loaded)
	}
	saved := filepath.Join(t.TempDir(), "out.tar")
	if _, errOut, code := f.Run("", "save", "-o", saved, "busybox"); code != 0 {
		t.Fatalf("save: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(saved); string(b) != "TARBYTES" {
		t.Fatalf("saved %q", b)
	}
	if q := f.Find("GET", "/images/get")[0].Query; q != "names=busybox" {
		t.Fatalf("save query %q", q)
	}
	if _, _, code := f.Run("", "tag", "busybox", "reg.local/box:v2"); code != 0 {
		t.Fatalf("tag exit %d", code)
	}
	if q := f.Find("POST", "/images/busybox/tag")[0].Query; !strings.Contains(q, "repo=reg.local%2Fbox") || !strings.Contains(q, "tag=v2") {
		t.Fatalf("tag query %q", q)
	}
}
