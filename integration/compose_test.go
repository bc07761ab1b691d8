package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// composeV2Path is where scripts/compose-v2.sh caches docker compose v2.
const composeV2Path = "/var/cache/berth-test/docker-compose"

// composeV2 returns docker compose v2's binary, building it first (a few
// minutes, once per machine) when it is missing; a failed build fails the
// test.
func composeV2(t testing.TB) string {
	t.Helper()
	return cachedTool(t, "compose-v2.sh", composeV2Path)
}

var cachedTools sync.Map // path → *sync.Once

// cachedTool returns the binary at path, which scripts/<script> builds
// when it is missing (once per machine; once per test run when it fails,
// which fails the test).
func cachedTool(t testing.TB, script, path string) string {
	t.Helper()
	once, _ := cachedTools.LoadOrStore(path, &sync.Once{})
	var out []byte
	var err error
	once.(*sync.Once).Do(func() {
		if _, statErr := os.Stat(path); statErr == nil {
			return
		}
		cmd := exec.Command("sh", filepath.Join("..", "scripts", script), path)
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		t.Fatalf("building %s: %v\n%s", path, err, out)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s (built by scripts/%s): %v", path, script, err)
	}
	return path
}

// composeTool is a compose implementation the tests drive: berth's own
// `berth compose` or docker compose v2.
type composeTool struct{ name string }

var composeTools = []composeTool{{"berth"}, {"v2"}}

// argv is the command before compose's own arguments.
func (tool composeTool) argv(t testing.TB) []string {
	if tool.name == "berth" {
		return []string{berthBinary, "compose"}
	}
	return []string{composeV2(t)}
}

// compose runs tool in dir against d with project p; env adds variables.
func (d *testDaemon) compose(tool composeTool, dir, p string, env []string, args ...string) (string, int) {
	d.t.Helper()
	argv := append(append(tool.argv(d.t), "-p", p), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "BERTH_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir,
		"DOCKER_BUILDKIT=0", "COMPOSE_BAKE=false", "COMPOSE_MENU=false", "NO_COLOR=1"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(err)
}

func (d *testDaemon) mustCompose(tool composeTool, dir, p string, env []string, args ...string) string {
	d.t.Helper()
	out, code := d.compose(tool, dir, p, env, args...)
	if code != 0 {
		d.t.Fatalf("%s compose %s: exit %d:\n%s\ndaemon log:\n%s", tool.name, strings.Join(args, " "), code, out, fileTail(d.logPath, 20))
	}
	return out
}

// containerID is the ID of a project's container by name ("" if none).
func (d *testDaemon) containerID(name string) string {
	res, err := d.client.ContainerInspect(context.Background(), name, client.ContainerInspectOptions{})
	if err != nil {
		return ""
	}
	return res.Container.ID
}

func composeDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("testdata", "compose2"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestComposeTwoTier drives the two-tier project through berth compose
// and docker compose v2 against berth's socket: up -d (web waits for db's
// health check), the published port answers with what web fetched from
// db by name, logs are prefixed per container, the other tool's ps sees
// the same project, stop, start, restart and kill act on one service, --scale adds and removes replicas, a profile's build
// service runs once enabled, down then up keeps the named volume's data,
// down -v removes it.
func TestComposeTwoTier(t *testing.T) {
	dir := composeDir(t)
	for i, tool := range composeTools {
		other := composeTools[1-i]
		t.Run(tool.name, func(t *testing.T) {
			d := startDaemon(t)
			d.importBusybox()
			p := "ct" + randHex(3)
			ctx := context.Background()
			d.mustCompose(tool, dir, p, nil, "up", "-d")
			if got := d.projectContainers(p, ""); strings.Join(got, ",") != p+"-db-1 running,"+p+"-web-1 running" {
				t.Fatalf("containers after up: %v", got)
			}
			addr := strings.TrimSpace(d.mustCompose(tool, dir, p, nil, "port", "web", "80"))
			if !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Fatalf("port web 80: %q", addr)
			}
			getUntil(t, "http://"+addr+"/cgi-bin/index", "by name: db says hello 1")

			out := d.mustCompose(tool, dir, p, nil, "logs", "--no-color")
			if !regexp.MustCompile(`(?m)^db-1\s+\| db ready`).MatchString(out) || !regexp.MustCompile(`(?m)^web-1\s+\| web up`).MatchString(out) {
				t.Fatalf("logs:\n%s", out)
			}
			for _, ps := range []string{d.mustCompose(tool, dir, p, nil, "ps"), d.mustCompose(other, dir, p, nil, "ps")} {
				for _, c := range []string{p + "-db-1", p + "-web-1"} {
					if !regexp.MustCompile(`(?m)^` + c + `\s.*\sUp\b`).MatchString(ps) {
						t.Fatalf("ps: %s is not up:\n%s", c, ps)
					}
				}
			}
			// The other tool sees the same configuration: its up changes nothing.
			dbID := d.containerID(p + "-db-1")
			d.mustCompose(other, dir, p, nil, "up", "-d")
			if d.containerID(p+"-db-1") != dbID {
				t.Fatalf("%s up recreated %s-db-1: the config hashes differ", other.name, p)
			}

			testComposeLifecycle(t, d, tool, dir, p)
			if tool.name == "berth" { // scale and run are docker compose's own features: tested for berth's
				testComposeScaleRun(t, d, tool, dir, p, dbID)
			}

			d.mustCompose(tool, dir, p, nil, "down")
			if got := d.projectContainers(p, ""); len(got) != 0 {
				t.Fatalf("containers after down: %v", got)
			}
			if _, err := d.client.VolumeInspect(ctx, p+"_dbdata", client.VolumeInspectOptions{}); err != nil {
				t.Fatalf("down removed the named volume: %v", err)
			}
			d.mustCompose(tool, dir, p, nil, "up", "-d")
			addr = strings.TrimSpace(d.mustCompose(tool, dir, p, nil, "port", "web", "80"))
			getUntil(t, "http://"+addr+"/cgi-bin/index", "by name: db says hello 2")

			d.mustCompose(tool, dir, p, nil, "down", "-v")
			if _, err := d.client.VolumeInspect(ctx, p+"_dbdata", client.VolumeInspectOptions{}); err == nil {
				t.Fatal("down -v left the named volume")
			}
			if _, err := d.client.NetworkInspect(ctx, p+"_default", client.NetworkInspectOptions{}); err == nil {
				t.Fatal("down left the default network")
			}
		})
	}
}

// testComposeLifecycle: stop, start, restart and kill act on the named
// service's container only, each reporting it by name.
func testComposeLifecycle(t *testing.T, d *testDaemon, tool composeTool, dir, p string) {
	for _, step := range []struct {
		args  []string
		state string
	}{
		{[]string{"stop", "-t", "1", "web"}, "exited"},
		{[]string{"start", "web"}, "running"},
		{[]string{"restart", "-t", "1", "web"}, "running"},
		{[]string{"kill", "web"}, "exited"},
		{[]string{"start", "web"}, "running"},
	} {
		out := d.mustCompose(tool, dir, p, nil, step.args...)
		if !strings.Contains(out, "Container "+p+"-web-1") {
			t.Fatalf("%s: no line for %s-web-1:\n%s", strings.Join(step.args, " "), p, out)
		}
		if got := d.projectContainers(p, ""); strings.Join(got, ",") != p+"-db-1 running,"+p+"-web-1 "+step.state {
			t.Fatalf("after %s: %v", strings.Join(step.args, " "), got)
		}
	}
}

// testComposeScaleRun: --scale adds and removes web replicas without
// touching db, and a profile's build service builds and runs once enabled.
func testComposeScaleRun(t *testing.T, d *testDaemon, tool composeTool, dir, p, dbID string) {
	d.mustCompose(tool, dir, p, nil, "up", "-d", "--scale", "web=2")
	if got := d.projectContainers(p, "web"); len(got) != 2 || got[1] != p+"-web-2 running" {
		t.Fatalf("web after --scale web=2: %v", got)
	}
	d.mustCompose(tool, dir, p, nil, "up", "-d", "--scale", "web=1")
	if got := d.projectContainers(p, "web"); len(got) != 1 {
		t.Fatalf("web after --scale web=1: %v", got)
	}
	if d.containerID(p+"-db-1") != dbID {
		t.Fatal("scaling web recreated db")
	}

	d.mustCompose(tool, dir, p, nil, "--profile", "tools", "build", "tool")
	if _, err := d.client.ImageInspect(context.Background(), p+"-tool"); err != nil {
		t.Fatalf("after build tool: %v", err)
	}
	out := d.mustCompose(tool, dir, p, nil, "--profile", "tools", "run", "--rm", "-T", "tool")
	if !strings.Contains(out, "built by compose") {
		t.Fatalf("run --rm tool:\n%s", out)
	}
}
