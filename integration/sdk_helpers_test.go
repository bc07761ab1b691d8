package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// sdkVersions are the API versions the Python SDK tests run at: the SDK's
// own default (it negotiates "auto" down from the daemon's) and an old one.
var sdkVersions = []string{"auto", "1.24"}

// python runs testdata/sdk/<script> with Debian's /usr/bin/python3 and its
// python3-docker against d, the SDK pinned at version ("auto" negotiates).
// The script connects with docker.DockerClient(base_url=os.environ
// ["DOCKER_HOST"], version=os.environ["SDK_VERSION"]) and asserts what it
// checks itself; a non-zero exit fails the test with the script's output.
// A missing python3-docker is a failure, never a skip.
func (d *testDaemon) python(t *testing.T, version, script string, args ...string) string {
	t.Helper()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/docker/__init__.py"); err != nil {
		t.Fatalf("python3-docker is required (apt-get install python3-docker): %v", err)
	}
	path, err := filepath.Abs(filepath.Join("testdata", "sdk", script))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "SDK_VERSION="+version, "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python SDK %s (version %s): %v\n%s", script, version, err, out)
	}
	return string(out)
}

// forEachSDKVersion runs fn once per API version of sdkVersions, each
// against its own daemon with busybox imported.
func forEachSDKVersion(t *testing.T, fn func(t *testing.T, d *testDaemon, version string)) {
	for _, v := range sdkVersions {
		t.Run("api"+v, func(t *testing.T) {
			d := startDaemon(t)
			d.importBusybox()
			fn(t, d, v)
		})
	}
}
