package image

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/testutil"
)

// DockerHostEnv names a real Docker daemon (e.g. unix:///run/docker.sock)
// for TestDockerInterop; without it the test starts Debian's dockerd with
// private roots (testutil.StartDocker).
const DockerHostEnv = "BERTH_TEST_DOCKER_HOST"

// TestDockerInterop checks the archive formats against a real Docker: an
// archive berth saves is loaded by docker load with the same image ID and
// tags, and an archive docker saves loads into berth with the same ID.
func TestDockerInterop(t *testing.T) {
	testutil.RequireRoot(t)
	host := os.Getenv(DockerHostEnv)
	if host == "" {
		host = testutil.StartDocker(t)
	}
	docker := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+host)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	ctx := context.Background()
	s := newStore(t)
	base, err := s.Import(ctx, bytes.NewReader(busyboxTar(t)), ImportOptions{Ref: "bt-im-docker:base", Changes: []string{`CMD ["/bin/sh"]`}})
	if err != nil {
		t.Fatal(err)
	}
	ms := s.prepare(t, "bt-im-docker-ctr", base)
	// A layer with a whiteout (etc/group), an opaque directory (etc, made
	// anew) and an added file.
	err = mount.WithTempMount(ms, func(root string) error {
		os.RemoveAll(filepath.Join(root, "etc"))
		os.Mkdir(filepath.Join(root, "etc"), 0o755)
		os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("root:x:0:0::/:/bin/sh\n"), 0o644)
		os.Remove(filepath.Join(root, "bin", "ls"))
		return os.WriteFile(filepath.Join(root, "added"), []byte("from berth\n"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	top, err := s.Commit(ctx, "bt-im-docker-ctr", base, CommitOptions{Ref: "bt-im-docker:top", Comment: "changes"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "berth.tar")
	f, _ := os.Create(archive)
	if err := s.Save(ctx, []string{"bt-im-docker:base", "bt-im-docker:top"}, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer exec.Command("docker", "-H", host, "rmi", "-f", "bt-im-docker:base", "bt-im-docker:top", "bt-im-docker:back").Run()
	out := docker("load", "-i", archive)
	if !strings.Contains(out, "Loaded image: bt-im-docker:base") || !strings.Contains(out, "Loaded image: bt-im-docker:top") {
		t.Fatalf("docker load said %q", out)
	}
	if got := docker("image", "inspect", "-f", "{{.Id}}", "bt-im-docker:base"); got != base.String() {
		t.Fatalf("docker sees base as %s, want %s", got, base)
	}
	if got := docker("image", "inspect", "-f", "{{.Id}}", "bt-im-docker:top"); got != top.String() {
		t.Fatalf("docker sees top as %s, want %s", got, top)
	}
	// Docker applies the whiteouts and the opaque directory as berth did.
	out = docker("run", "--rm", "--network", "none", "bt-im-docker:top", "/bin/busybox", "sh", "-c",
		"cat /added; /bin/busybox ls /etc; test -e /bin/ls || echo no-ls")
	// Docker's init layer adds hostname, hosts, mtab and resolv.conf.
	if !strings.HasPrefix(out, "from berth\n") || !strings.Contains(out, "\npasswd\n") ||
		strings.Contains(out, "group") || !strings.HasSuffix(out, "\nno-ls") {
		t.Fatalf("container on the loaded image sees %q", out)
	}
	// And back: a layer Docker made (a whiteout and an added file) →
	// docker save → berth load.
	defer exec.Command("docker", "-H", host, "rm", "-f", "bt-im-docker-c").Run()
	docker("run", "--name", "bt-im-docker-c", "--network", "none", "bt-im-docker:top", "/bin/busybox", "sh", "-c", "rm /added; echo d > /bin/fromdocker")
	docker("commit", "bt-im-docker-c", "bt-im-docker:back")
	backID := docker("image", "inspect", "-f", "{{.Id}}", "bt-im-docker:back")
	back := filepath.Join(dir, "docker.tar")
	docker("save", "-o", back, "bt-im-docker:back")
	o := newStore(t)
	rf, err := os.Open(back)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	loaded, err := o.Load(ctx, rf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 1 || loaded[0].ID.String() != backID || len(loaded[0].Tags) != 1 {
		t.Fatalf("berth loaded %+v from docker save, want %s", loaded, backID)
	}
	bimg, _ := o.Get(ctx, backID)
	vms, err := o.sn.View(ctx, "bt-im-docker-view", bimg.ChainID())
	if err != nil {
		t.Fatal(err)
	}
	defer o.sn.Remove(ctx, "bt-im-docker-view")
	err = mount.WithTempMount(vms, func(root string) error {
		if _, err := os.Lstat(filepath.Join(root, "added")); err == nil {
			t.Error("/added is visible through Docker's whiteout")
		}
		if b, err := os.ReadFile(filepath.Join(root, "bin/fromdocker")); err != nil || string(b) != "d\n" {
			t.Errorf("/bin/fromdocker: %q %v", b, err)
		}
		if _, err := os.Stat(filepath.Join(root, "etc/passwd")); err != nil {
			t.Errorf("/etc/passwd: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
