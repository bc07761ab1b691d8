package cli

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
)

func TestImportLoadSaveTag(t *testing.T) {
	f := newFakeDaemon(t)
	var imported, loaded []byte
	f.handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		imported, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"sha256:1234abcd"}`+"\n")
	})
	f.handle("POST /images/load", func(w http.ResponseWriter, r *http.Request) {
		loaded, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"Loaded image: busybox:latest\n"}`+"\n")
	})
	f.handle("GET /images/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "TARBYTES") })
	f.handle("POST /images/busybox/tag", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })

	out, errOut, code := f.run("rootfs-tar", "import", "-c", "CMD [\"sh\"]", "-m", "hello", "-", "mybox:1")
	if code != 0 || out != "sha256:1234abcd\n" || string(imported) != "rootfs-tar" {
		t.Fatalf("import: %d %q %q body %q", code, out, errOut, imported)
	}
	q := f.find("POST", "/images/create")[0].Query
	for _, s := range []string{"fromSrc=-", "repo=mybox%3A1", "message=hello", "changes="} {
		if !strings.Contains(q, s) {
			t.Errorf("import query %q lacks %s", q, s)
		}
	}
	file := filepath.Join(t.TempDir(), "img.tar")
	os.WriteFile(file, []byte("image-archive"), 0o600)
	out, _, code = f.run("", "load", "-i", file)
	if code != 0 || out != "Loaded image: busybox:latest\n" || string(loaded) != "image-archive" {
		t.Fatalf("load: %d %q %q", code, out, loaded)
	}
	saved := filepath.Join(t.TempDir(), "out.tar")
	if _, errOut, code := f.run("", "save", "-o", saved, "busybox"); code != 0 {
		t.Fatalf("save: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(saved); string(b) != "TARBYTES" {
		t.Fatalf("saved %q", b)
	}
	if q := f.find("GET", "/images/get")[0].Query; q != "names=busybox" {
		t.Fatalf("save query %q", q)
	}
	if _, _, code := f.run("", "tag", "busybox", "reg.local/box:v2"); code != 0 {
		t.Fatalf("tag exit %d", code)
	}
	if q := f.find("POST", "/images/busybox/tag")[0].Query; !strings.Contains(q, "repo=reg.local%2Fbox") || !strings.Contains(q, "tag=v2") {
		t.Fatalf("tag query %q", q)
	}
}

func TestPrunes(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("POST /containers/prune", jsonHandler(container.PruneReport{ContainersDeleted: []string{"aaa", "bbb"}, SpaceReclaimed: 2048}))
	f.handle("POST /images/prune", jsonHandler(image.PruneReport{ImagesDeleted: []image.DeleteResponse{{Untagged: "x:1"}, {Deleted: "sha256:ccc"}}, SpaceReclaimed: 1000}))
	out, _, code := f.run("", "container", "prune", "-f")
	if code != 0 || out != "Deleted Containers:\naaa\nbbb\n\nTotal reclaimed space: 2.048kB\n" {
		t.Fatalf("container prune: %d %q", code, out)
	}
	out, _, _ = f.run("", "image", "prune", "-a", "-f")
	if out != "Deleted Images:\nuntagged: x:1\ndeleted: sha256:ccc\n\nTotal reclaimed space: 1kB\n" {
		t.Fatalf("image prune: %q", out)
	}
	if q := f.find("POST", "/images/prune")[0].Query; !strings.Contains(q, "dangling") || !strings.Contains(q, "false") {
		t.Fatalf("image prune -a query %q", q)
	}
	// Without -f the user is asked; "n" aborts without calling the API.
	out, _, code = f.run("n\n", "container", "prune")
	if code != 0 || out != "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] " || len(f.find("POST", "/containers/prune")) != 1 {
		t.Fatalf("prune declined: %d %q", code, out)
	}
	out, _, _ = f.run("y\n", "system", "prune")
	if !strings.Contains(out, "Deleted Containers:\naaa\nbbb\n") || !strings.Contains(out, "Deleted Images:\n") || !strings.HasSuffix(out, "Total reclaimed space: 3.048kB\n") {
		t.Fatalf("system prune: %q", out)
	}
}

func TestSystemDfVersionInfo(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /system/df", jsonHandler(map[string]any{
		"Images":     []image.Summary{{ID: "sha256:a", Size: 4_000_000, Containers: 1}, {ID: "sha256:b", Size: 1_000_000, Containers: 0}},
		"Containers": []container.Summary{{ID: "c1", SizeRw: 100, State: container.StateRunning}},
		"Volumes":    []any{},
		"BuildCache": []any{},
	}))
	out, errOut, code := f.run("", "system", "df")
	if code != 0 {
		t.Fatalf("df: %d %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if lines[0] != "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" || !strings.HasPrefix(lines[1], "Images          2         1") {
		t.Fatalf("df output:\n%s", out)
	}
	f.handle("GET /version", jsonHandler(map[string]any{"Version": "0.9.0", "ApiVersion": "1.51", "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64"}))
	out, _, _ = f.run("", "version", "--format", "{{.Server.Version}} {{.Client.Os}}")
	if out != "0.9.0 linux\n" {
		t.Fatalf("version format %q", out)
	}
	out, _, _ = f.run("", "version")
	if !strings.Contains(out, "Server: \n") && !strings.Contains(out, "Server:\n") || !strings.Contains(out, "  Version:          0.9.0") {
		t.Fatalf("version output %q", out)
	}
	f.handle("GET /info", jsonHandler(map[string]any{"ServerVersion": "0.9.0", "Driver": "overlay2", "Containers": 3, "ContainersRunning": 1}))
	out, _, _ = f.run("", "info", "--format", "{{.Driver}} {{.Containers}}")
	if out != "overlay2 3\n" {
		t.Fatalf("info format %q", out)
	}
	out, _, _ = f.run("", "info")
	if !strings.Contains(out, " Containers: 3\n  Running: 1\n") || !strings.Contains(out, " Storage Driver: overlay2\n") {
		t.Fatalf("info output %q", out)
	}
}
