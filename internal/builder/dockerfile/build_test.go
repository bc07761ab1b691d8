package dockerfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/testutil"
)

// fakeBackend records what the builder asks for; images are configs.
type fakeBackend struct {
	t      *testing.T
	images map[string]dockerspec.DockerOCIImageConfig
	runs   []RunRequest
	roots  map[string]string // image → a directory standing for its rootfs
	n      int
	tags   map[string]string
}

func newFake(t *testing.T) *fakeBackend {
	f := &fakeBackend{t: t, images: map[string]dockerspec.DockerOCIImageConfig{}, roots: map[string]string{}, tags: map[string]string{}}
	base := dockerspec.DockerOCIImageConfig{}
	base.Cmd = []string{"sh"}
	base.Env = []string{"PATH=/bin"}
	f.images["sha256:busybox"] = base
	f.tags["busybox"] = "sha256:busybox"
	f.roots["sha256:busybox"] = t.TempDir()
	return f
}

func (f *fakeBackend) newID(cfg dockerspec.DockerOCIImageConfig, root string) string {
	f.n++
	id := fmt.Sprintf("sha256:%064d", f.n)
	f.images[id] = cfg
	f.roots[id] = root
	return id
}

func (f *fakeBackend) GetImage(ctx context.Context, name string, pull bool, out io.Writer) (*Image, error) {
	if id, ok := f.tags[name]; ok {
		name = id
	}
	cfg, ok := f.images[name]
	if !ok {
		return nil, fmt.Errorf("No such image: %s", name)
	}
	return &Image{ID: name, Config: cfg}, nil
}

func (f *fakeBackend) Run(ctx context.Context, req RunRequest) (string, error) {
	f.runs = append(f.runs, req)
	if req.Started != nil {
		req.Started("c0ffee00c0ffee00")
	}
	if strings.Contains(strings.Join(req.Config.Cmd, " "), "exit 3") {
		return "", &ExitError{Cmd: req.Config.Cmd, Code: 3}
	}
	return f.newID(req.Commit, f.roots[req.Image]), nil
}

func (f *fakeBackend) Mutate(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string, fn func(string) error) (string, error) {
	root := f.t.TempDir()
	if err := fn(root); err != nil {
		return "", err
	}
	return f.newID(cfg, root), nil
}

func (f *fakeBackend) View(ctx context.Context, id string, fn func(string) error) error {
	return fn(f.roots[id])
}

func (f *fakeBackend) SetConfig(ctx context.Context, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string) (string, error) {
	return f.newID(cfg, f.roots[parent]), nil
}

func (f *fakeBackend) Tag(ctx context.Context, id, ref string) error {
	f.tags[ref] = id
	return nil
}

// contextOf writes files into a fresh context directory.
func contextOf(t *testing.T, files map[string]string) *BuildContext {
	t.Helper()
	m, err := OpenMirror(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bc, err := ExtractContext(bytes.NewReader(testutil.TarFiles(t, files)), m, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	return bc
}

func runBuild(t *testing.T, f *fakeBackend, cache *Cache, bc *BuildContext, opts Options) (string, string, error) {
	t.Helper()
	var out bytes.Buffer
	id, err := New(f, cache).Build(context.Background(), bc, opts, &out)
	return id, out.String(), err
}

// mustBuild builds a context of files without options and returns the
// image ID.
func mustBuild(t *testing.T, f *fakeBackend, files map[string]string) string {
	t.Helper()
	id, _, err := runBuild(t, f, nil, contextOf(t, files), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEntrypointResetsInheritedCmd(t *testing.T) {
	f := newFake(t)
	id := mustBuild(t, f, map[string]string{"Dockerfile": "FROM busybox\nENTRYPOINT [\"echo\"]\n"})
	if cfg := f.images[id]; cfg.Cmd != nil || strings.Join(cfg.Entrypoint, " ") != "echo" {
		t.Errorf("config %+v: ENTRYPOINT must reset the base CMD", cfg)
	}
	id = mustBuild(t, f, map[string]string{"Dockerfile": "FROM busybox\nCMD x\nENTRYPOINT [\"echo\"]\n"})
	if cfg := f.images[id]; strings.Join(cfg.Cmd, "|") != "/bin/sh|-c|x" {
		t.Errorf("CMD set in the stage must stay: %v", cfg.Cmd)
	}
}

func TestArgsAndEnv(t *testing.T) {
	f := newFake(t)
	v := "cli"
	bc := contextOf(t, map[string]string{"Dockerfile": `ARG IMG=busybox
ARG UNUSEDMETA=1
FROM ${IMG}
ARG A=default
ARG B
ARG IMG
ENV E=${A}-${IMG} F=${B:-none} G=${B:+set}
RUN echo $A
`})
	id, out, err := runBuild(t, f, nil, bc, Options{BuildOptions: backend.BuildOptions{BuildArgs: map[string]*string{"B": &v, "NOPE": &v}}})
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Join(f.images[id].Env, " ")
	if env != "PATH=/bin E=default-busybox F=cli G=set" {
		t.Errorf("env %q", env)
	}
	run := f.runs[0]
	if got := strings.Join(run.Config.Env, " "); got != "PATH=/bin E=default-busybox F=cli G=set A=default B=cli IMG=busybox" {
		t.Errorf("RUN env %q", got)
	}
	if run.CreatedBy != "|3 A=default B=cli IMG=busybox /bin/sh -c echo $A" {
		t.Errorf("RUN history %q", run.CreatedBy)
	}
	if !strings.Contains(out, "[Warning] One or more build-args [NOPE] were not consumed") {
		t.Errorf("no unused build-arg warning:\n%s", out)
	}
}

func TestArgScopeIsPerStage(t *testing.T) {
	f := newFake(t)
	id := mustBuild(t, f, map[string]string{"Dockerfile": "FROM busybox\nARG A=one\nENV X=${A}\nFROM busybox\nENV Y=[${A}]\nARG A\nENV Z=[${A}]\n"})
	if env := strings.Join(f.images[id].Env, " "); env != "PATH=/bin Y=[] Z=[]" {
		t.Errorf("second stage env %q: an ARG belongs to its stage", env)
	}
}

func TestCacheHitsAndTarget(t *testing.T) {
	f := newFake(t)
	cache, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	files := map[string]string{"a": "1", "Dockerfile": "FROM busybox AS one\nRUN false-in-unused\nFROM busybox AS two\nCOPY a /a\nRUN echo\nLABEL x=y\n"}
	id1, out1, err := runBuild(t, f, cache, contextOf(t, files), Options{BuildOptions: backend.BuildOptions{Target: "two"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out1, "false-in-unused") || len(f.runs) != 1 {
		t.Errorf("stage one built for target two:\n%s", out1)
	}
	id2, out2, err := runBuild(t, f, cache, contextOf(t, files), Options{BuildOptions: backend.BuildOptions{Target: "two"}})
	if err != nil || id2 != id1 || strings.Count(out2, "Using cache") != 3 || len(f.runs) != 1 {
		t.Errorf("rebuild: %v, %s vs %s, runs %d\n%s", err, id2, id1, len(f.runs), out2)
	}
	files["a"] = "2"
	_, out3, err := runBuild(t, f, cache, contextOf(t, files), Options{BuildOptions: backend.BuildOptions{Target: "two"}})
	if err != nil || strings.Count(out3, "Using cache") != 0 || len(f.runs) != 2 {
		t.Errorf("changed source: %v\n%s", err, out3)
	}
	if _, _, err := runBuild(t, f, cache, contextOf(t, files), Options{BuildOptions: backend.BuildOptions{Target: "three"}}); err == nil || !strings.Contains(err.Error(), "failed to reach build target three") {
		t.Errorf("unknown target: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	f := newFake(t)
	cases := map[string]string{
		"FROM busybox\nFOO x\n":                                 "unknown instruction: FOO",
		"FROM busybox\nRUN exit 3\n":                            "returned a non-zero code: 3",
		"FROM busybox\nCOPY missing /\n":                        "file not found in build context",
		"FROM busybox\nCOPY ../x /\n":                           "forbidden path outside the build context",
		"FROM busybox\nCOPY a b /notdir\n":                      "must be a directory and end with a /",
		"FROM busybox\nCOPY --from=1 a /\n":                     "refers to current or future build stage",
		"FROM nothere\n":                                        "No such image: nothere",
		"FROM busybox\nEXPOSE 80/bogus\n":                       "invalid proto",
		"FROM busybox\nCOPY --chown=ghost a /\n":                "no such user",
		"FROM busybox\nRUN --mount=type=cache,target=/c true\n": "requires BuildKit",
	}
	for df, want := range cases {
		bc := contextOf(t, map[string]string{"Dockerfile": df, "a": "a", "b": "b"})
		_, _, err := runBuild(t, f, nil, bc, Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", df, err, want)
		}
	}
	var ee *ExitError
	_, _, err := runBuild(t, f, nil, contextOf(t, map[string]string{"Dockerfile": "FROM busybox\nRUN exit 3\n"}), Options{})
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exit error %v", err)
	}
}

func TestResolveRefusesEscapes(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "d"), 0o755)
	os.Symlink("/etc", filepath.Join(root, "abs"))
	os.Symlink("../../x", filepath.Join(root, "d", "up"))
	os.Symlink("d", filepath.Join(root, "in"))
	for _, p := range []string{"../x", "abs/passwd", "d/up", "d/../../x"} {
		if _, err := resolve(root, p, false); err == nil || !strings.Contains(err.Error(), "outside the build context") {
			t.Errorf("resolve %q: %v", p, err)
		}
	}
	if got, err := resolve(root, "in/f", false); err != nil || got != filepath.Join(root, "d/f") {
		t.Errorf("resolve in/f = %s, %v", got, err)
	}
	// Scoped (image roots): links resolve inside the root.
	if got, err := resolve(root, "abs/passwd", true); err != nil || got != filepath.Join(root, "etc/passwd") {
		t.Errorf("scoped abs/passwd = %s, %v", got, err)
	}
	if got, err := resolve(root, "d/up", true); err != nil || got != filepath.Join(root, "x") {
		t.Errorf("scoped d/up = %s, %v", got, err)
	}
}

func TestExtractContextRefusesWritesThroughLinks(t *testing.T) {
	m, err := OpenMirror(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	evil := testutil.Tar(t, testutil.TarEntry{Name: "evil", Link: "/tmp"}, testutil.TarEntry{Name: "evil/planted", Body: "x"})
	if _, err := ExtractContext(bytes.NewReader(evil), m, "Dockerfile"); err == nil {
		t.Fatal("a write through a symlink in the context was accepted")
	}
	if _, err := os.Stat("/tmp/planted"); err == nil {
		t.Fatal("file planted outside the context")
	}
}

func TestDockerignoreOnExtract(t *testing.T) {
	bc := contextOf(t, map[string]string{
		"Dockerfile": "x", ".dockerignore": "*.log\nDockerfile\nsub\n!sub/keep\n", "a.log": "", "b.txt": "", "sub/x": "", "sub/keep": "",
	})
	for name, want := range map[string]bool{"Dockerfile": false, ".dockerignore": true, "a.log": false, "b.txt": true, "sub/x": false, "sub/keep": true} {
		_, err := os.Stat(filepath.Join(bc.Dir, name))
		if (err == nil) != want {
			t.Errorf("%s present=%v, want %v", name, err == nil, want)
		}
	}
}

func TestExposeExpandsVariables(t *testing.T) {
	f := newFake(t)
	id := mustBuild(t, f, map[string]string{"Dockerfile": "FROM busybox\nARG P=8080\nENV Q=\"9/udp 10\"\nEXPOSE $P $Q\n"})
	got := f.images[id].ExposedPorts
	for _, p := range []string{"8080/tcp", "9/udp", "10/tcp"} {
		if _, ok := got[p]; !ok {
			t.Errorf("exposed %v lacks %s", got, p)
		}
	}
}

func TestSingleWildcardMatchNeedsNoSlash(t *testing.T) {
	f := newFake(t)
	id := mustBuild(t, f, map[string]string{"Dockerfile": "FROM busybox\nCOPY on* /renamed\n", "only.txt": "x"})
	if b, err := os.ReadFile(filepath.Join(f.roots[id], "renamed")); err != nil || string(b) != "x" {
		t.Errorf("renamed: %q %v", b, err)
	}
}

func TestExposedPorts(t *testing.T) {
	got, err := exposedPorts([]string{"80", "53/udp", "7000-7002/tcp"})
	if err != nil || strings.Join(got, " ") != "80/tcp 53/udp 7000/tcp 7001/tcp 7002/tcp" {
		t.Errorf("%v %v", got, err)
	}
}
