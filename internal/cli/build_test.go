package cli

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildContextAndRequest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nCOPY . /app\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("secret*\nlogs/\n!logs/keep.log\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "app.txt"), []byte("app"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.key"), []byte("no"), 0o644)
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	os.WriteFile(filepath.Join(dir, "logs", "a.log"), []byte("no"), 0o644)
	os.WriteFile(filepath.Join(dir, "logs", "keep.log"), []byte("yes"), 0o644)

	f := newFakeDaemon(t)
	var sent []byte
	f.handle("POST /build", func(w http.ResponseWriter, r *http.Request) {
		sent, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"Step 1/2 : FROM busybox\n"}`+"\n"+`{"aux":{"ID":"sha256:feed"}}`+"\n"+`{"stream":"Successfully built feed\n"}`+"\n")
	})
	out, errOut, code := f.run("", "build", "-t", "app:1", "--build-arg", "V=2", "--no-cache", dir)
	if code != 0 || out != "Step 1/2 : FROM busybox\nSuccessfully built feed\n" {
		t.Fatalf("build: %d %q %q", code, out, errOut)
	}
	names := tarNames(t, sent)
	for _, want := range []string{"Dockerfile", ".dockerignore", "app.txt", "logs/keep.log"} {
		if _, ok := names[want]; !ok {
			t.Errorf("context lacks %s: %v", want, names)
		}
	}
	for _, no := range []string{"secret.key", "logs/a.log"} {
		if _, ok := names[no]; ok {
			t.Errorf("context has ignored %s", no)
		}
	}
	q := f.find("POST", "/build")[0].Query
	for _, s := range []string{"t=app%3A1", "nocache=1", "dockerfile=Dockerfile", "buildargs="} {
		if !strings.Contains(q, s) {
			t.Errorf("build query %q lacks %s", q, s)
		}
	}
	iid := filepath.Join(t.TempDir(), "iid")
	out, _, code = f.run("", "build", "-q", "--iidfile", iid, dir)
	if b, _ := os.ReadFile(iid); code != 0 || out != "sha256:feed\n" || string(b) != "sha256:feed" {
		t.Fatalf("build -q: %d %q iid %q", code, out, b)
	}
	// A Dockerfile alone on stdin.
	f.run("FROM busybox\n", "build", "-")
	if got := tarNames(t, sent)["Dockerfile"]; got != "FROM busybox\n" {
		t.Fatalf("stdin Dockerfile context %q", got)
	}
	// A failing step ends with the error and exit 1.
	f.handle("POST /build", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"errorDetail":{"message":"RUN failed"},"error":"RUN failed"}`+"\n")
	})
	if _, errOut, code := f.run("", "build", dir); code != 1 || errOut != "RUN failed\n" {
		t.Fatalf("failed build: %d %q", code, errOut)
	}
}
