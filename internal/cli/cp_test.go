package cli

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/moby/moby/api/types/container"
)

func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n[len(n)-1] == '/' {
			tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		}
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n]))})
		io.WriteString(tw, files[n])
	}
	tw.Close()
	return b.Bytes()
}

func tarNames(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
}

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
	f := newFakeDaemon(t)
	dirTar := tarOf(t, map[string]string{"conf/": "", "conf/a.txt": "A", "conf/sub/": "", "conf/sub/b.txt": "B"})
	f.handle("GET /containers/web/archive", archiveHandler(container.PathStat{Name: "conf", Mode: os.ModeDir | 0o755}, dirTar))
	dst := t.TempDir()

	// Into an existing directory: dst/conf/...
	if _, errOut, code := f.run("", "cp", "web:/etc/conf", dst); code != 0 {
		t.Fatalf("cp: %d %s", code, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "conf", "sub", "b.txt")); err != nil || string(b) != "B" {
		t.Fatalf("copied file: %q %v", b, err)
	}
	// To a new name: the directory is renamed.
	if _, errOut, code := f.run("", "cp", "web:/etc/conf", filepath.Join(dst, "renamed")); code != 0 {
		t.Fatalf("cp rename: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "renamed", "a.txt")); string(b) != "A" {
		t.Fatalf("renamed copy: %q", b)
	}
	// To stdout: the tar stream as is.
	out, _, code := f.run("", "cp", "web:/etc/conf", "-")
	if code != 0 || tarNames(t, []byte(out))["conf/a.txt"] != "A" {
		t.Fatalf("cp to -: %d", code)
	}
	if q := f.find("GET", "/containers/web/archive")[0].Query; q != "path=%2Fetc%2Fconf" {
		t.Fatalf("archive query %q", q)
	}
	f.handle("GET /containers/nosuch/archive", notFound("No such container: nosuch"))
	if _, errOut, code := f.run("", "cp", "nosuch:/x", dst); code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("cp nosuch: %d %q", code, errOut)
	}
}

func TestCpToContainer(t *testing.T) {
	f := newFakeDaemon(t)
	var uploaded []byte
	var uploadPath string
	f.handle("PUT /containers/web/archive", func(w http.ResponseWriter, r *http.Request) {
		uploaded, _ = io.ReadAll(r.Body)
		uploadPath = r.URL.Query().Get("path")
		w.WriteHeader(http.StatusOK)
	})
	f.handle("HEAD /containers/web/archive", func(w http.ResponseWriter, r *http.Request) {
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

	if _, errOut, code := f.run("", "cp", src, "web:/tmp"); code != 0 {
		t.Fatalf("cp to dir: %d %s", code, errOut)
	}
	if got := tarNames(t, uploaded); uploadPath != "/tmp" || got["data/d/f.txt"] != "F" {
		t.Fatalf("upload to %q: %v", uploadPath, got)
	}
	if _, errOut, code := f.run("", "cp", src, "web:/opt/new"); code != 0 {
		t.Fatalf("cp to new path: %d %s", code, errOut)
	}
	if got := tarNames(t, uploaded); uploadPath != "/opt" || got["new/d/f.txt"] != "F" {
		t.Fatalf("upload to %q: %v", uploadPath, got)
	}
	stream := tarOf(t, map[string]string{"x.txt": "X"})
	if _, errOut, code := f.run(string(stream), "cp", "-", "web:/tmp"); code != 0 {
		t.Fatalf("cp from -: %d %s", code, errOut)
	}
	if got := tarNames(t, uploaded); got["x.txt"] != "X" {
		t.Fatalf("stdin upload %v", got)
	}
	if _, errOut, code := f.run("", "cp", "/a", "/b"); code != 1 || errOut != "must specify at least one container source\n" {
		t.Fatalf("local-only cp: %d %q", code, errOut)
	}
}

func TestExtractTarRejectsEscapes(t *testing.T) {
	data := tarOf(t, map[string]string{"../../evil": "x"})
	dir := t.TempDir()
	if _, err := extractTar(bytes.NewReader(data), dir, "x", "", false, false); err != nil {
		// Cleaned to "evil" inside dir is fine too; what matters is nothing outside.
		t.Logf("extract: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(dir)), "evil")); err == nil {
		t.Fatal("archive wrote outside the destination")
	}
}

// A source ending in "/." comes back from the daemon as "./", "./x": its
// contents go into an existing directory, or become a new one.
func TestCpDotSourceContents(t *testing.T) {
	f := newFakeDaemon(t)
	dotTar := tarOf(t, map[string]string{"./": "", "./sub/": "", "./sub/f": "F"})
	f.handle("GET /containers/web/archive", archiveHandler(container.PathStat{Name: "data", Mode: os.ModeDir | 0o755}, dotTar))
	dst := t.TempDir()
	if _, errOut, code := f.run("", "cp", "web:/data/.", dst); code != 0 {
		t.Fatalf("cp into existing dir: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "sub", "f")); string(b) != "F" {
		t.Fatalf("contents not copied into %s", dst)
	}
	newDir := filepath.Join(dst, "fresh")
	if _, errOut, code := f.run("", "cp", "web:/data/.", newDir); code != 0 {
		t.Fatalf("cp into new dir: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(newDir, "sub", "f")); string(b) != "F" {
		t.Fatalf("contents not copied into new %s", newDir)
	}
	// The same source without "/." into an existing directory nests it.
	nested := t.TempDir()
	if _, _, code := f.run("", "cp", "web:/data", nested); code != 0 {
		t.Fatal("cp /data failed")
	}
	if b, _ := os.ReadFile(filepath.Join(nested, "data", "sub", "f")); string(b) != "F" {
		t.Fatalf("dir not nested under %s", nested)
	}
}

func TestExtractTarRefusesSymlinkParents(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	outside := t.TempDir()
	tw.WriteHeader(&tar.Header{Name: "x/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "x/link", Typeflag: tar.TypeSymlink, Linkname: outside})
	tw.WriteHeader(&tar.Header{Name: "x/link/evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	tw.Write([]byte("!"))
	tw.Close()
	dir := t.TempDir()
	if _, err := extractTar(&b, dir, "x", "", false, false); err == nil {
		t.Fatal("extraction through a symlink succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil")); err == nil {
		t.Fatal("file written outside the destination")
	}
}
