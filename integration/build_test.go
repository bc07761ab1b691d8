package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth/berth/internal/testutil"
)

// build runs `<cli> build ARGS` (DOCKER_BUILDKIT=0 for docker) against d.
func (d *testDaemon) build(timeout time.Duration, args ...string) (string, int) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cli := d.cli
	if cli == "" {
		cli = "docker"
	}
	cmd := exec.CommandContext(ctx, cli, append([]string{"build"}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "BERTH_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir, "DOCKER_BUILDKIT=0")
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(err)
}

// mustBuild builds and returns the output; a failure fails the test.
func (d *testDaemon) mustBuild(args ...string) string {
	d.t.Helper()
	out, code := d.build(2*time.Minute, args...)
	if code != 0 {
		d.t.Fatalf("build %v: exit %d\n%s", args, code, out)
	}
	return out
}

func (d *testDaemon) mustRun(args ...string) string {
	d.t.Helper()
	out, code := d.docker("", append([]string{"run", "--rm"}, args...)...)
	if code != 0 {
		d.t.Fatalf("run %v: exit %d\n%s", args, code, out)
	}
	return out
}

var builtRE = regexp.MustCompile(`Successfully built ([0-9a-f]{12})`)

func builtID(t *testing.T, out string) string {
	t.Helper()
	m := builtRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no 'Successfully built' in output:\n%s", out)
	}
	return m[1]
}

// noStrays checks that no container is left and that ref is not tagged.
func (d *testDaemon) noStrays(ref string) {
	d.t.Helper()
	out, _ := d.docker("", "ps", "-aq")
	if strings.TrimSpace(out) != "" {
		d.t.Errorf("failed build left containers: %q", out)
	}
	if ref != "" {
		if _, code := d.docker("", "image", "inspect", ref); code == 0 {
			d.t.Errorf("failed build tagged %s", ref)
		}
	}
}

func tarFiles(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: int64(len(data)), Typeflag: tar.TypeReg, Uid: 1234, Gid: 55, ModTime: time.Unix(1e9, 0)}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	tw.Close()
	return buf.Bytes()
}

func TestBuildInstructions(t *testing.T) { forEachCLI(t, testBuildInstructions) }

func testBuildInstructions(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("remote content\n"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "a.txt"), "A\n")
	mustWrite(t, filepath.Join(dir, "b.txt"), "B\n")
	mustWrite(t, filepath.Join(dir, "tree/x/y.txt"), "Y\n")
	if err := os.WriteFile(filepath.Join(dir, "arch.tar"), tarFiles(t, map[string]string{"inner/f.txt": "from tar\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "Dockerfile"), `# escape=\
ARG BASE=busybox
FROM ${BASE} AS base
LABEL stage=one
ENV A=1 B="two words"
ENV C ${A}-c
ARG GREETING=hello
ARG FROMCLI
WORKDIR /work
WORKDIR sub
COPY a.txt .
COPY *.txt /multi/
COPY tree /tree/
COPY --chown=nobody:nogroup --chmod=0600 b.txt /owned/b.txt
ADD arch.tar /extracted/
ADD `+srv.URL+`/remote.txt /remote/
RUN echo "$GREETING $FROMCLI $A $B $C" > /run.txt && \
    pwd >> /run.txt
RUN ["/bin/sh", "-c", "echo exec-form >> /run.txt"]
RUN grep -q "10.1.2.3.*buildhost" /etc/hosts
SHELL ["/bin/sh", "-ec"]
RUN echo "shell changed" >> /run.txt
USER nobody
EXPOSE 80 53/udp 8000-8001
VOLUME /data
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD true
CMD ["cat", "/run.txt"]
`)
	out := d.mustBuild("-t", "instr:v1", "--build-arg", "FROMCLI=cli", "--label", "from=flag", "--add-host", "buildhost:10.1.2.3", dir)
	for _, want := range []string{"Step 1/27 : ARG BASE=busybox", "Step 2/27 : FROM ${BASE} AS base", "Step 26/27 : CMD", " ---> Running in ", "Successfully tagged instr:v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
	ctx := context.Background()
	ii, err := d.client.ImageInspect(ctx, "instr:v1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ii.Config
	env := strings.Join(cfg.Env, "|")
	for _, want := range []string{"A=1", "B=two words", "C=1-c"} {
		if !strings.Contains(env, want) {
			t.Errorf("env %v lacks %s", cfg.Env, want)
		}
	}
	if strings.Contains(env, "GREETING") {
		t.Errorf("ARG leaked into the image env: %v", cfg.Env)
	}
	if cfg.Labels["stage"] != "one" || cfg.Labels["from"] != "flag" {
		t.Errorf("labels %v", cfg.Labels)
	}
	if cfg.WorkingDir != "/work/sub" || cfg.User != "nobody" || cfg.StopSignal != "SIGUSR1" {
		t.Errorf("workdir %q user %q stopsignal %q", cfg.WorkingDir, cfg.User, cfg.StopSignal)
	}
	for _, p := range []string{"80/tcp", "53/udp", "8000/tcp", "8001/tcp"} {
		if _, ok := cfg.ExposedPorts[p]; !ok {
			t.Errorf("exposed ports %v lack %s", cfg.ExposedPorts, p)
		}
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("volumes %v", cfg.Volumes)
	}
	if cfg.Healthcheck == nil || cfg.Healthcheck.Interval != 5*time.Second || cfg.Healthcheck.Retries != 4 {
		t.Errorf("healthcheck %+v", cfg.Healthcheck)
	}
	if strings.Join(cfg.Shell, " ") != "/bin/sh -ec" {
		t.Errorf("shell %v", cfg.Shell)
	}
	if got := d.mustRun("instr:v1"); got != "hello cli 1 two words 1-c\n/work/sub\nexec-form\nshell changed\n" {
		t.Errorf("run output %q", got)
	}
	got := d.mustRun("--user", "root", "instr:v1", "sh", "-c",
		"cat /work/sub/a.txt /multi/a.txt /multi/b.txt /tree/x/y.txt /extracted/inner/f.txt /remote/remote.txt; "+
			"stat -c '%u:%g %a' /owned/b.txt /remote/remote.txt /extracted/inner/f.txt; ls /multi")
	want := "A\nA\nB\nY\nfrom tar\nremote content\n65534:65534 600\n0:0 600\n1234:55 640\na.txt\nb.txt\n"
	if got != want {
		t.Errorf("files:\n%s\nwant:\n%s", got, want)
	}
}

func TestBuildEntrypointCmd(t *testing.T) { forEachCLI(t, testBuildEntrypointCmd) }

func testBuildEntrypointCmd(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nENTRYPOINT [\"echo\", \"ep\"]\nCMD [\"default\"]\n")
	d.mustBuild("-t", "ep1", dir)
	if got := d.mustRun("ep1"); got != "ep default\n" {
		t.Errorf("ENTRYPOINT+CMD: %q", got)
	}
	if got := d.mustRun("ep1", "given", "args"); got != "ep given args\n" {
		t.Errorf("ENTRYPOINT + run args: %q", got)
	}
	// An ENTRYPOINT resets the CMD inherited from the base image.
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM ep1\nENTRYPOINT [\"echo\", \"child\"]\n")
	d.mustBuild("-t", "ep2", dir)
	if got := d.mustRun("ep2"); got != "child\n" {
		t.Errorf("inherited CMD not reset: %q", got)
	}
	// Shell form ENTRYPOINT ignores CMD and run arguments.
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nENV W=shell\nENTRYPOINT echo $W form\nCMD [\"ignored\"]\n")
	d.mustBuild("-t", "ep3", dir)
	if got := d.mustRun("ep3", "x"); got != "shell form\n" {
		t.Errorf("shell-form ENTRYPOINT: %q", got)
	}
	// CMD shell form.
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCMD echo cmd $HOME\n")
	d.mustBuild("-t", "ep4", dir)
	if got := d.mustRun("ep4"); got != "cmd /root\n" {
		t.Errorf("shell-form CMD: %q", got)
	}
	// ONBUILD triggers run in the child build.
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nONBUILD RUN echo triggered > /trig\n")
	d.mustBuild("-t", "onb", dir)
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM onb\nCMD [\"cat\", \"/trig\"]\n")
	out := d.mustBuild("-t", "onb-child", dir)
	if !strings.Contains(out, "# Executing 1 build trigger") {
		t.Errorf("no trigger line:\n%s", out)
	}
	if got := d.mustRun("onb-child"); got != "triggered\n" {
		t.Errorf("ONBUILD: %q", got)
	}
}

func TestBuildCache(t *testing.T) {
	d := startDaemonCLI(t, berthBinary)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "one.txt"), "1\n")
	mustWrite(t, filepath.Join(dir, "two.txt"), "2\n")
	mustWrite(t, filepath.Join(dir, "Dockerfile"), `FROM busybox
RUN echo first > /first
COPY one.txt /one.txt
RUN date +%s%N > /stamp1
COPY two.txt /two.txt
RUN date +%s%N > /stamp2
`)
	out1 := d.mustBuild("-t", "cache:1", dir)
	id1 := builtID(t, out1)
	if strings.Contains(out1, "Using cache") {
		t.Fatalf("first build used the cache:\n%s", out1)
	}
	out2 := d.mustBuild("-t", "cache:1", dir)
	if id2 := builtID(t, out2); id2 != id1 || strings.Count(out2, "Using cache") != 5 {
		t.Fatalf("unchanged rebuild: id %s vs %s, output:\n%s", id2, id1, out2)
	}
	// Changing two.txt invalidates from its COPY on only.
	mustWrite(t, filepath.Join(dir, "two.txt"), "2b\n")
	out3 := d.mustBuild("-t", "cache:1", dir)
	if strings.Count(out3, "Using cache") != 3 || builtID(t, out3) == id1 {
		t.Fatalf("after changing two.txt, want 3 cached steps:\n%s", out3)
	}
	// A mode change alone invalidates the COPY too.
	if err := os.Chmod(filepath.Join(dir, "two.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	out4 := d.mustBuild(dir)
	if strings.Count(out4, "Using cache") != 3 {
		t.Fatalf("after chmod of two.txt, want 3 cached steps:\n%s", out4)
	}
	id4 := builtID(t, out4)
	// --no-cache rebuilds everything.
	if out := d.mustBuild("--no-cache", dir); strings.Contains(out, "Using cache") || builtID(t, out) == id4 {
		t.Fatalf("--no-cache used the cache:\n%s", out)
	}
	// The cache survives a daemon restart.
	d.stop()
	d.start(nil)
	if out := d.mustBuild(dir); strings.Count(out, "Using cache") != 5 {
		t.Fatalf("after restart, want every step cached:\n%s", out)
	}
	// builder prune empties it; the tagged image stays.
	if out, code := d.docker("", "builder", "prune", "-f"); code != 0 || !strings.Contains(out, "Total reclaimed space") {
		t.Fatalf("builder prune: %d %s", code, out)
	}
	if _, code := d.docker("", "image", "inspect", "cache:1"); code != 0 {
		t.Fatal("builder prune removed a tagged image")
	}
	if out := d.mustBuild(dir); strings.Contains(out, "Using cache") {
		t.Fatalf("cache used after builder prune:\n%s", out)
	}
	// system prune empties it too.
	if out, code := d.docker("", "system", "prune", "-f"); code != 0 {
		t.Fatalf("system prune: %d %s", code, out)
	}
	if out := d.mustBuild(dir); strings.Contains(out, "Using cache") {
		t.Fatalf("cache used after system prune:\n%s", out)
	}
}

func TestBuildDockerignore(t *testing.T) { forEachCLI(t, testBuildDockerignore) }

func testBuildDockerignore(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, ".dockerignore"), "*.secret\nlogs/\n!logs/keep.log\n**/*.tmp\n")
	mustWrite(t, filepath.Join(dir, "app.txt"), "app\n")
	mustWrite(t, filepath.Join(dir, "key.secret"), "no\n")
	mustWrite(t, filepath.Join(dir, "logs/a.log"), "no\n")
	mustWrite(t, filepath.Join(dir, "logs/keep.log"), "keep\n")
	mustWrite(t, filepath.Join(dir, "deep/x/junk.tmp"), "no\n")
	mustWrite(t, filepath.Join(dir, "deep/x/ok.txt"), "ok\n")
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY . /ctx/\nCMD [\"find\", \"/ctx\", \"-type\", \"f\"]\n")
	d.mustBuild("-t", "ign", dir)
	got := strings.Fields(d.mustRun("ign"))
	want := map[string]bool{"/ctx/.dockerignore": true, "/ctx/Dockerfile": true, "/ctx/app.txt": true, "/ctx/logs/keep.log": true, "/ctx/deep/x/ok.txt": true}
	if len(got) != len(want) {
		t.Errorf("files in image %v, want %v", got, want)
	}
	for _, f := range got {
		if !want[f] {
			t.Errorf("unexpected file %s in image", f)
		}
	}
	// COPY of an ignored file fails as a missing source.
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY key.secret /\n")
	out, code := d.build(time.Minute, "-t", "ign2", dir)
	if code == 0 || !strings.Contains(out, "key.secret") {
		t.Errorf("COPY of ignored file: %d\n%s", code, out)
	}
}

// TestBuildDockerignoreServerSide sends a raw context holding ignored
// files through the API: the daemon applies .dockerignore itself.
func TestBuildDockerignoreServerSide(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	ctxTar := tarFiles(t, map[string]string{
		"Dockerfile":    "FROM busybox\nCOPY . /ctx/\n",
		".dockerignore": "secret\n",
		"secret":        "no\n",
		"public":        "yes\n",
	})
	res, err := d.client.ImageBuild(context.Background(), bytes.NewReader(ctxTar), client.ImageBuildOptions{Tags: []string{"raw"}, Remove: true})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	res.Body.Close()
	if !strings.Contains(body.String(), `"aux":{"ID":"sha256:`) || !strings.Contains(body.String(), `{"stream":"Step 1/2 : FROM busybox\n"}`) {
		t.Fatalf("progress stream: %s", body.String())
	}
	if got := d.mustRun("raw", "ls", "/ctx"); got != "Dockerfile\npublic\n" {
		t.Errorf("ls /ctx: %q", got)
	}
}

func TestBuildFailures(t *testing.T) { forEachCLI(t, testBuildFailures) }

func testBuildFailures(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "outside.txt"), "secret\n")
	dir := filepath.Join(root, "ctx")
	mustWrite(t, filepath.Join(dir, "in.txt"), "in\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "abs-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside.txt", filepath.Join(dir, "rel-link")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, dockerfile string
		args             []string
		code             int
		want             string
	}{
		{"unknown instruction", "FROM busybox\nFOO bar\n", nil, 1, "unknown instruction: FOO"},
		{"failing RUN", "FROM busybox\nRUN echo before; exit 7\n", nil, 7, "returned a non-zero code: 7"},
		{"missing COPY source", "FROM busybox\nCOPY nothere.txt /\n", nil, 1, "nothere.txt"},
		{"unknown target", "FROM busybox AS a\nRUN true\n", []string{"--target", "nope"}, 1, "failed to reach build target nope"},
		{"unknown stage", "FROM busybox\nCOPY --from=nostage /x /x\n", nil, 1, "nostage"},
		{"unknown base", "FROM 127.0.0.1:1/bt/nosuchbase\n", nil, 1, "nosuchbase"},
		{"COPY ../x", "FROM busybox\nCOPY ../outside.txt /\n", nil, 1, "forbidden path outside the build context"},
		{"absolute symlink out", "FROM busybox\nCOPY abs-link /\n", nil, 1, "forbidden path outside the build context"},
		{"relative symlink out", "FROM busybox\nCOPY rel-link /\n", nil, 1, "forbidden path outside the build context"},
	}
	for _, c := range cases {
		mustWrite(t, filepath.Join(dir, "Dockerfile"), c.dockerfile)
		out, code := d.build(time.Minute, append(append([]string{"-t", "fail:x"}, c.args...), dir)...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d (want %d), output lacks %q:\n%s", c.name, code, c.code, c.want, out)
		}
		if c.name == "failing RUN" && !strings.Contains(out, "before") {
			t.Errorf("failing RUN: its output is missing:\n%s", out)
		}
		d.noStrays("fail:x")
	}
}

func TestBuildMultiStage(t *testing.T) { forEachCLI(t, testBuildMultiStage) }

func testBuildMultiStage(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "Dockerfile"), `FROM busybox AS build
RUN mkdir /out && head -c 3000000 /dev/urandom > /big.bin && echo artifact > /out/app
FROM busybox AS unused
RUN echo this stage must not run && exit 9
FROM busybox
RUN echo second > /second
FROM build AS derived
RUN echo derived >> /out/app
FROM busybox
COPY --from=derived /out/app /app
COPY --from=2 /second /second
COPY --from=busybox /etc/passwd /from-image
CMD ["cat", "/app", "/second"]
`)
	out := d.mustBuild("-t", "multi", dir)
	if strings.Contains(out, "must not run") {
		t.Errorf("unneeded stage was built:\n%s", out)
	}
	if !strings.Contains(out, "Step 1/11 : FROM busybox AS build") || !strings.Contains(out, "Step 11/11 : CMD") {
		t.Errorf("step numbering:\n%s", out)
	}
	if got := d.mustRun("multi"); got != "artifact\nderived\nsecond\n" {
		t.Errorf("final image: %q", got)
	}
	if got, _ := d.docker("", "run", "--rm", "multi", "ls", "/big.bin"); !strings.Contains(got, "No such file") {
		t.Errorf("build-stage file in final image: %q", got)
	}
	if got := d.mustRun("multi", "sh", "-c", "cmp /from-image /etc/passwd && echo same"); got != "same\n" {
		t.Errorf("COPY --from=<image>: %q", got)
	}
	d.mustBuild("-t", "stage1", "--target", "build", dir)
	ctx := context.Background()
	fin, err := d.client.ImageInspect(ctx, "multi")
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.client.ImageInspect(ctx, "stage1")
	if err != nil {
		t.Fatal(err)
	}
	if fin.Size >= st.Size || st.Size-fin.Size < 2500000 {
		t.Errorf("final image %d bytes, build stage %d: want the final one ~3 MB smaller", fin.Size, st.Size)
	}
}

// TestBuildCowsay is the course's example on a debootstrap Debian image:
// RUN steps run on the default bridge and reach Debian's mirror through
// its NAT.
func TestBuildCowsay(t *testing.T) {
	tarball := testutil.DebianTarball(t)
	d := startDaemonCLI(t, berthBinary)
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := d.client.ImageImport(context.Background(), client.ImageImportSource{Source: f, SourceName: "-"}, "debian:latest",
		client.ImageImportOptions{Changes: []string{`CMD ["bash"]`, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Close()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "Dockerfile"), `FROM debian
RUN apt-get update
RUN apt-get install -y cowsay
CMD ["/usr/games/cowsay","Salut","!"]
`)
	out, code := d.build(10*time.Minute, "-t", "cowsay", dir)
	if code != 0 {
		t.Fatalf("build: %d\n%s", code, out)
	}
	if got := d.mustRun("cowsay"); !strings.Contains(got, "< Salut ! >") || !strings.Contains(got, "(oo)") {
		t.Errorf("cowsay output:\n%s", got)
	}
	mustWrite(t, filepath.Join(dir, "Dockerfile"), `FROM debian
RUN apt-get update
RUN apt-get install -y cowsay
ENTRYPOINT ["/usr/games/cowsay"]
`)
	out, code = d.build(10*time.Minute, "-t", "cowsay2", dir)
	if code != 0 || strings.Count(out, "Using cache") != 2 {
		t.Fatalf("ENTRYPOINT variant (want apt steps from cache): %d\n%s", code, out)
	}
	if got := d.mustRun("cowsay2", "Cool", "!"); !strings.Contains(got, "< Cool ! >") {
		t.Errorf("cowsay ENTRYPOINT output:\n%s", got)
	}
}

// TestBuildPullsBase: a FROM image that is not here is pulled from its
// registry (the local docker-registry), as the classic builder does, and
// --pull pulls again an image that is here.
func TestBuildPullsBase(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, "docker")
	ref := reg.host + "/bt/base:v1"
	d.makeLayeredImage(ref, 64)
	d.mustCLI("push", ref)
	d.removeAllImages()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM "+ref+"\nRUN cat /l0 > /copied\n")
	out, code := d.build(2*time.Minute, "--network", "none", "-t", "bt-pulled", dir)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, out)
	}
	for _, want := range []string{"v1: Pulling from bt/base", "Status: Downloaded newer image for " + ref, "Successfully tagged bt-pulled:latest"} {
		if !strings.Contains(out, want) {
			t.Fatalf("build output lacks %q:\n%s", want, out)
		}
	}
	if out := d.mustCLI("run", "--rm", "--network", "none", "bt-pulled", "cat", "/copied"); out != "layer0\n" {
		t.Fatalf("run: %q", out)
	}
	out, code = d.build(2*time.Minute, "--pull", "--network", "none", "-t", "bt-pulled", dir)
	if code != 0 || !strings.Contains(out, "Status: Image is up to date for "+ref) {
		t.Fatalf("build --pull: exit %d\n%s", code, out)
	}
}

// TestBuildLocalContext: berth's CLI, as root on the daemon's host, has
// the daemon read the context directory in place (a mirror kept under
// builder/contexts copies only what changed). It must build exactly what
// the tar stream builds.
func TestBuildLocalContext(t *testing.T) {
	d := startDaemonCLI(t, berthBinary)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, ".dockerignore"), "*.secret\n")
	mustWrite(t, filepath.Join(dir, "a.txt"), "a\n")
	mustWrite(t, filepath.Join(dir, "sub/b.txt"), "b\n")
	mustWrite(t, filepath.Join(dir, "gone.txt"), "gone\n")
	mustWrite(t, filepath.Join(dir, "key.secret"), "no\n")
	mustWrite(t, filepath.Join(dir, "pad.bin"), strings.Repeat("p", 100000))
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY . /ctx/\nRUN find /ctx | sort > /list\n")
	local := builtID(t, d.mustBuild("-t", "loc", dir))
	mirrors, _ := filepath.Glob(filepath.Join(d.root, "builder", "contexts", "*.json"))
	if len(mirrors) != 1 {
		t.Fatalf("mirrors after a local build: %v", mirrors)
	}
	// The same context sent as a tar hits every cached step: same
	// checksums, same image.
	t.Setenv("BERTH_BUILD_SEND_CONTEXT", "1")
	out := d.mustBuild("-t", "loc", dir)
	if builtID(t, out) != local || strings.Count(out, "Using cache") != 2 {
		t.Fatalf("tar build of the same context: want %s from cache:\n%s", local, out)
	}
	os.Unsetenv("BERTH_BUILD_SEND_CONTEXT")
	if got, want := d.mustRun("loc", "cat", "/list"), "/ctx\n/ctx/.dockerignore\n/ctx/Dockerfile\n/ctx/a.txt\n/ctx/gone.txt\n/ctx/link\n/ctx/pad.bin\n/ctx/sub\n/ctx/sub/b.txt\n"; got != want {
		t.Errorf("context in the image:\n%s\nwant:\n%s", got, want)
	}
	// Changes reach the next build: an edit of the same size, a removal.
	mustWrite(t, filepath.Join(dir, "sub/b.txt"), "B\n")
	os.Remove(filepath.Join(dir, "gone.txt"))
	out = d.mustBuild("-t", "loc", dir)
	if strings.Contains(out, "Using cache") {
		t.Fatalf("rebuild after changes used the cache:\n%s", out)
	}
	if got := d.mustRun("loc", "sh", "-c", "cat /ctx/sub/b.txt; ls /ctx"); got != "B\nDockerfile\na.txt\nlink\npad.bin\nsub\n" {
		t.Errorf("after changes: %q", got)
	}
	// A link out of the context is still refused.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "Dockerfile"), "FROM busybox\nCOPY out /x\n")
	if out, code := d.build(time.Minute, dir); code == 0 || !strings.Contains(out, "outside the build context") {
		t.Errorf("COPY through a link out of the context: exit %d\n%s", code, out)
	}
	// system df counts the mirrors as build cache; builder prune removes
	// them. Two mirrors: the directory's and the tar's.
	du, err := d.client.DiskUsage(context.Background(), client.DiskUsageOptions{BuildCache: true, Images: true, Verbose: true})
	if err != nil || du.BuildCache.TotalCount != 2 || du.BuildCache.TotalSize < 200000 || du.BuildCache.Reclaimable != du.BuildCache.TotalSize {
		t.Errorf("build cache in system df: %+v %v", du.BuildCache, err)
	}
	// No container: every image byte is reclaimable, shared layers too.
	if du.Images.TotalSize < 100000 || du.Images.Reclaimable != du.Images.TotalSize {
		t.Errorf("images in system df: total %d, reclaimable %d", du.Images.TotalSize, du.Images.Reclaimable)
	}
	pr, err := d.client.BuildCachePrune(context.Background(), client.BuildCachePruneOptions{})
	if err != nil || len(pr.Report.CachesDeleted) < 2 || pr.Report.SpaceReclaimed < 200000 {
		t.Fatalf("builder prune: %+v %v", pr.Report, err)
	}
	if left, _ := filepath.Glob(filepath.Join(d.root, "builder", "contexts", "*")); len(left) != 0 {
		t.Errorf("builder prune left %v", left)
	}
}
