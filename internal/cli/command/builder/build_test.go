package builder_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/berth/berth/internal/testutil"
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

	f := clitest.New(t)
	var sent []byte
	f.Handle("POST /build", func(w http.ResponseWriter, r *http.Request) {
		sent, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"stream":"Step 1/2 : FROM busybox\n"}`+"\n"+`{"aux":{"ID":"sha256:feed"}}`+"\n"+`{"stream":"Successfully built feed\n"}`+"\n")
	})
	out, errOut, code := f.Run("", "build", "-t", "app:1", "--build-arg", "V=2", "--no-cache", dir)
	if code != 0 || out != "Step 1/2 : FROM busybox\nSuccessfully built feed\n" {
		t.Fatalf("build: %d %q %q", code, out, errOut)
	}
	names := clitest.TarNames(t, sent)
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
	q := f.Find("POST", "/build")[0].Query
	for _, s := range []string{"t=app%3A1", "nocache=1", "dockerfile=Dockerfile", "buildargs="} {
		if !strings.Contains(q, s) {
			t.Errorf("build query %q lacks %s", q, s)
		}
	}
	iid := filepath.Join(t.TempDir(), "iid")
	out, _, code = f.Run("", "build", "-q", "--iidfile", iid, dir)
	if b, _ := os.ReadFile(iid); code != 0 || out != "sha256:feed\n" || string(b) != "sha256:feed" {
		t.Fatalf("build -q: %d %q iid %q", code, out, b)
	}
	// A Dockerfile alone on stdin.
	f.Run("FROM busybox\n", "build", "-")
	if got := clitest.TarNames(t, sent)["Dockerfile"]; got != "FROM busybox\n" {
		t.Fatalf("stdin Dockerfile context %q", got)
	}
	// A failing step ends with the error and exit 1.
	f.Handle("POST /build", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"errorDetail":{"message":"RUN failed"},"error":"RUN failed"}`+"\n")
	})
	if _, errOut, code := f.Run("", "build", dir); code != 1 || errOut != "RUN failed\n" {
		t.Fatalf("failed build: %d %q", code, errOut)
	}
}

func TestBuildLocalContext(t *testing.T) {
	dir := testutil.RootTempDir(t)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("f"), 0o644)
	outside := filepath.Join(t.TempDir(), "Dockerfile.other")
	os.WriteFile(outside, []byte("FROM busybox\n"), 0o644)
	f := clitest.NewUnix(t)
	refuse := false
	f.Handle("POST /build", func(w http.ResponseWriter, r *http.Request) {
		if refuse && r.FormValue("remote") != "" {
			clitest.WriteJSON(w, http.StatusForbidden, map[string]string{"message": "local build context refused: the client is in another mount namespace"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"aux":{"ID":"sha256:feed"}}`+"\n")
	})
	// builds runs the CLI and returns the requests it made: "local" for a
	// named directory with an empty body, else the tar's file names.
	builds := func(args ...string) []string {
		t.Helper()
		n := len(f.Find("POST", "/build"))
		if out, errOut, code := f.Run("", append([]string{"build", "-q"}, args...)...); code != 0 || out != "sha256:feed\n" {
			t.Fatalf("build %v: %d %q %q", args, code, out, errOut)
		}
		var got []string
		for _, r := range f.Find("POST", "/build")[n:] {
			q, _ := url.ParseQuery(r.Query)
			if rem := q.Get("remote"); rem != "" {
				if rem != "berth-local://"+dir || q.Get("dockerfile") != "Dockerfile" || len(r.Body) != 0 {
					t.Errorf("local request: remote %q dockerfile %q, %d bytes of body", rem, q.Get("dockerfile"), len(r.Body))
				}
				got = append(got, "local")
				continue
			}
			names := clitest.TarNames(t, r.Body)
			got = append(got, fmt.Sprintf("tar:%d", len(names)))
		}
		return got
	}
	if got := builds(dir); strings.Join(got, " ") != "local" {
		t.Errorf("root on a unix socket: requests %v, want the directory named", got)
	}
	refuse = true
	if got := builds(dir); strings.Join(got, " ") != "local tar:2" {
		t.Errorf("refused: requests %v, want the tar after the refusal", got)
	}
	refuse = false
	if got := builds("-f", outside, dir); strings.Join(got, " ") != "tar:3" {
		t.Errorf("Dockerfile outside the context: requests %v, want a tar", got)
	}
	f.Env = map[string]string{"BERTH_BUILD_SEND_CONTEXT": "1"}
	if got := builds(dir); strings.Join(got, " ") != "tar:2" {
		t.Errorf("BERTH_BUILD_SEND_CONTEXT: requests %v, want a tar", got)
	}
}
