package container_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
)

func archiveHandler(stat container.PathStat, data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		js, _ := json.Marshal(stat)
		w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(js))
		w.Header().Set("Content-Type", "application/x-tar")
		if r.Method == http.MethodHead {
			return
		}
		w.Write(data)
	}
}

func TestCpFromContainer(t *testing.T) {
	f := clitest.New(t)
	dirTar := clitest.TarOf(t, map[string]string{"conf/": "", "conf/a.txt": "A", "conf/sub/": "", "conf/sub/b.txt": "B"})
	f.Handle("GET /containers/web/archive", archiveHandler(container.PathStat{Name: "conf", Mode: os.ModeDir | 0o755}, dirTar))
	dst := t.TempDir()

	// Into an existing directory: dst/conf/...
	if _, errOut, code := f.Run("", "cp", "web:/etc/conf", dst); code != 0 {
		t.Fatalf("cp: %d %s", code, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "conf", "sub", "b.txt")); err != nil || string(b) != "B" {
		t.Fatalf("copied file: %q %v", b, err)
	}
	// To a new name: the directory is renamed.
	if _, errOut, code := f.Run("", "cp", "web:/etc/conf", filepath.Join(dst, "renamed")); code != 0 {
		t.Fatalf("cp rename: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "renamed", "a.txt")); string(b) != "A" {
		t.Fatalf("renamed copy: %q", b)
	}
	// To stdout: the tar stream as is.
	out, _, code := f.Run("", "cp", "web:/etc/conf", "-")
	if code != 0 || clitest.TarNames(t, []byte(out))["conf/a.txt"] != "A" {
		t.Fatalf("cp to -: %d", code)
	}
	if q := f.Find("GET", "/containers/web/archive")[0].Query; q != "path=%2Fetc%2Fconf" {
		t.Fatalf("archive query %q", q)
	}
	f.Handle("GET /containers/nosuch/archive", clitest.NotFound("No such container: nosuch"))
	if _, errOut, code := f.Run("", "cp", "nosuch:/x", dst); code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("cp nosuch: %d %q", code, errOut)
	}
}

func TestCpToContainer(t *testing.T) {
	f := clitest.New(t)
	var uploaded []byte
	var uploadPath string
	f.Handle("PUT /containers/web/archive", func(w http.ResponseWriter, r *http.Request) {
		uploaded, _ = io.ReadAll(r.Body)
		uploadPath = r.URL.Query().Get("path")
		w.WriteHeader(http.StatusOK)
	})
	f.Handle("HEAD /containers/web/archive", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("path") {
		case "/tmp":
			archiveHandler(container.PathStat{Name: "tmp", Mode: os.ModeDir | 0o1777}, nil)(w, r)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
	src := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(filepath.Join(src, "d"), 0o755)
	os.WriteFile(filepath.Join(src, "d", "f.txt"), []byte("F"), 0o644)

	if _, errOut, code := f.Run("", "cp", src, "web:/tmp"); code != 0 {
		t.Fatalf("cp to dir: %d %s", code, errOut)
	}
	if got := clitest.TarNames(t, uploaded); uploadPath != "/tmp" || got["data/d/f.txt"] != "F" {
		t.Fatalf("upload to %q: %v", uploadPath, got)
	}
	if _, errOut, code := f.Run("", "cp", src, "web:/opt/new"); code != 0 {
		t.Fatalf("cp to new path: %d %s", code, errOut)
	}
	if got := clitest.TarNames(t, uploaded); uploadPath != "/opt" || got["new/d/f.txt"] != "F" {
		t.Fatalf("upload to %q: %v", uploadPath, got)
	}
	stream := clitest.TarOf(t, map[string]string{"x.txt": "X"})
	if _, errOut, code := f.Run(string(stream), "cp", "-", "web:/tmp"); code != 0 {
		t.Fatalf("cp from -: %d %s", code, errOut)
	}
	if got := clitest.TarNames(t, uploaded); got["x.txt"] != "X" {
		t.Fatalf("stdin upload %v", got)
	}
	if _, errOut, code := f.Run("", "cp", "/a", "/b"); code != 1 || errOut != "must specify at least one container source\n" {
		t.Fatalf("local-only cp: %d %q", code, errOut)
	}
}

// A source ending in "/." comes back from the daemon as "./", "./x": its
// contents go into an existing directory, or become a new one.
func TestCpDotSourceContents(t *testing.T) {
	f := clitest.New(t)
	dotTar := clitest.TarOf(t, map[string]string{"./": "", "./sub/": "", "./sub/f": "F"})
	f.Handle("GET /containers/web/archive", archiveHandler(container.PathStat{Name: "data", Mode: os.ModeDir | 0o755}, dotTar))
	dst := t.TempDir()
	if _, errOut, code := f.Run("", "cp", "web:/data/.", dst); code != 0 {
		t.Fatalf("cp into existing dir: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "sub", "f")); string(b) != "F" {
		t.Fatalf("contents not copied into %s", dst)
	}
	newDir := filepath.Join(dst, "fresh")
	if _, errOut, code := f.Run("", "cp", "web:/data/.", newDir); code != 0 {
		t.Fatalf("cp into new dir: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(newDir, "sub", "f")); string(b) != "F" {
		t.Fatalf("contents not copied into new %s", newDir)
	}
	// The same source without "/." into an existing directory nests it.
	nested := t.TempDir()
	if _, _, code := f.Run("", "cp", "web:/data", nested); code != 0 {
		t.Fatal("cp /data failed")
	}
	if b, _ := os.ReadFile(filepath.Join(nested, "data", "sub", "f")); string(b) != "F" {
		t.Fatalf("dir not nested under %s", nested)
	}
}
