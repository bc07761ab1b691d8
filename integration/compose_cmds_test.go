package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/berth/berth/internal/testutil"
)

// TestComposeMoreCommands drives berth compose's remaining commands and
// keys on one project: a missing external network or volume fails `up`
// with a clear error; existing external ones are used as they are and
// left by `down`; a service waits for a one-shot that must exit 0
// (service_completed_successfully) and a failing one-shot blocks its
// dependent; extends takes keys from a service of the same file and of
// another file; ls, images and top list the project, its images and a
// container's process; push puts a built image on the local registry;
// rm removes stopped containers only (-s stops them first); watch's
// rebuild action runs the rebuilt image after a file changes.
func TestComposeMoreCommands(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	reg := startRegistry(t, registryOpts{})
	berth := composeTools[0]
	p := "cm" + randHex(3)
	extNet, extVol := p+"-extnet", p+"-extvol"
	image := reg.host + "/" + p + "/app:1"
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "compose.yaml"), `networks:
  ext:
    external: true
    name: `+extNet+`
volumes:
  data:
    external: true
    name: `+extVol+`
services:
  base:
    image: busybox
    command: ["sleep", "1000"]
    init: true
    environment:
      FROM_BASE: "yes"
  init:
    image: busybox
    command: ["sh", "-c", "sleep 2; echo done > /v/done"]
    volumes: ["data:/v"]
  app:
    extends:
      service: base
    image: `+image+`
    build: ./app
    networks: [ext]
    volumes: ["data:/v"]
    depends_on:
      init:
        condition: service_completed_successfully
    develop:
      watch:
        - path: ./app/msg
          action: rebuild
  other:
    extends:
      file: common.yaml
      service: common
`)
	mustWrite(t, filepath.Join(dir, "common.yaml"), "services:\n  common:\n    image: busybox\n    command: [\"sleep\", \"999\"]\n    init: true\n    labels:\n      from: common\n")
	mustWrite(t, filepath.Join(dir, "app", "Dockerfile"), "FROM busybox\nCOPY msg /msg\n")
	mustWrite(t, filepath.Join(dir, "app", "msg"), "first")

	// A missing external network, then volume: a clear error.
	out, code := d.compose(berth, dir, p, nil, "up", "-d")
	if code == 0 || !strings.Contains(out, "network "+extNet+" declared as external, but could not be found") {
		t.Fatalf("up without the external network: exit %d:\n%s", code, out)
	}
	d.mustDocker("network", "create", extNet)
	out, code = d.compose(berth, dir, p, nil, "up", "-d")
	if code == 0 || !strings.Contains(out, `external volume "`+extVol+`" not found`) {
		t.Fatalf("up without the external volume: exit %d:\n%s", code, out)
	}
	d.mustDocker("volume", "create", extVol)
	netID := d.networkID(extNet)

	d.mustCompose(berth, dir, p, nil, "up", "-d", "--build")
	// service_completed_successfully: app started after init exited 0,
	// and sees what init wrote on the external volume.
	initC, appC := d.inspect(p+"-init-1"), d.inspect(p+"-app-1")
	if initC.State.Status != container.StateExited || initC.State.ExitCode != 0 || !stamp(t, initC.State.FinishedAt).Before(stamp(t, appC.State.StartedAt)) {
		t.Fatalf("init %s (exit %d) at %s, app started at %s", initC.State.Status, initC.State.ExitCode, initC.State.FinishedAt, appC.State.StartedAt)
	}
	if got := d.mustCompose(berth, dir, p, nil, "exec", "-T", "app", "cat", "/v/done", "/msg"); got != "done\nfirst" {
		t.Fatalf("app sees %q, want init's file and the built /msg", got)
	}
	// extends: app has base's command and environment, other common.yaml's keys.
	if !slices.Equal(appC.Config.Cmd, []string{"sleep", "1000"}) || !slices.Contains(appC.Config.Env, "FROM_BASE=yes") {
		t.Fatalf("app does not extend base: cmd %v env %v", appC.Config.Cmd, appC.Config.Env)
	}
	if o := d.inspect(p + "-other-1"); !slices.Equal(o.Config.Cmd, []string{"sleep", "999"}) || o.Config.Labels["from"] != "common" {
		t.Fatalf("other does not extend common.yaml's common: cmd %v labels %v", o.Config.Cmd, o.Config.Labels)
	}
	// external: used as is (same network, no project label), app on it.
	if d.networkID(extNet) != netID {
		t.Fatal("up recreated the external network")
	}
	if _, ok := appC.NetworkSettings.Networks[extNet]; !ok {
		t.Fatalf("app is not on %s: %v", extNet, appC.NetworkSettings.Networks)
	}

	// ls, images, top.
	ls := d.mustCompose(berth, dir, p, nil, "ls")
	if !containsLine(ls, p, "running(3)", filepath.Join(dir, "compose.yaml")) {
		t.Fatalf("ls lacks the project, running(3) and its file:\n%s", ls)
	}
	imgs := d.mustCompose(berth, dir, p, nil, "images")
	if !containsLine(imgs, p+"-app-1", reg.host+"/"+p+"/app", "1") || !containsLine(imgs, p+"-other-1", "busybox", "latest") {
		t.Fatalf("images:\n%s", imgs)
	}
	if top := d.mustCompose(berth, dir, p, nil, "top", "other"); !containsLine(top, "sleep 999") {
		t.Fatalf("top other:\n%s", top)
	}

	// push: the built image is on the registry.
	d.mustCompose(berth, dir, p, nil, "push", "app")
	if tags, err := fetch("http://" + reg.host + "/v2/" + p + "/app/tags/list"); err != nil || !strings.Contains(tags, `"1"`) {
		t.Fatalf("registry tags after push: %q, %v", tags, err)
	}

	// rm: a running container stays; a stopped one goes; -s stops first.
	d.mustCompose(berth, dir, p, nil, "rm", "-f", "base")
	if d.containerID(p+"-base-1") == "" {
		t.Fatal("rm -f removed a running container")
	}
	d.mustCompose(berth, dir, p, nil, "stop", "other")
	d.mustCompose(berth, dir, p, nil, "rm", "-f", "other")
	if d.containerID(p+"-other-1") != "" {
		t.Fatal("rm -f left the stopped other")
	}
	d.mustCompose(berth, dir, p, nil, "rm", "-s", "-f", "base")
	if d.containerID(p+"-base-1") != "" {
		t.Fatal("rm -s -f left base")
	}

	// watch: a change under a rebuild path runs the rebuilt image.
	testComposeWatchRebuild(t, d, dir, p)

	// down leaves the external network and volume.
	d.mustCompose(berth, dir, p, nil, "down", "-v")
	if d.networkID(extNet) != netID {
		t.Fatal("down removed the external network")
	}
	if _, err := d.client.VolumeInspect(t.Context(), extVol, client.VolumeInspectOptions{}); err != nil {
		t.Fatalf("down -v removed the external volume: %v", err)
	}

	// A failing one-shot blocks its dependent with a clear error.
	bad := t.TempDir()
	mustWrite(t, filepath.Join(bad, "compose.yaml"), `services:
  once:
    image: busybox
    command: ["sh", "-c", "exit 3"]
  after:
    image: busybox
    command: ["sleep", "1000"]
    depends_on:
      once:
        condition: service_completed_successfully
`)
	out, code = d.compose(berth, bad, p+"b", nil, "up", "-d")
	if code == 0 || !strings.Contains(out, `service "once" didn't complete successfully: exit 3`) {
		t.Fatalf("up with a failing one-shot: exit %d:\n%s", code, out)
	}
	if c := d.containerID(p + "b-after-1"); c != "" && !stamp(t, d.inspect(c).State.StartedAt).IsZero() {
		t.Fatal("after started although once failed")
	}
	d.mustCompose(berth, bad, p+"b", nil, "down")
}

// testComposeWatchRebuild runs `berth compose watch app` and edits the
// file under its rebuild trigger: app is recreated from the new image.
func testComposeWatchRebuild(t *testing.T, d *testDaemon, dir, p string) {
	t.Helper()
	defer d.startComposeWatch(dir, p, "app")()
	old := d.containerID(p + "-app-1")
	mustWrite(t, filepath.Join(dir, "app", "msg"), "second")
	waitFor(t, 60*time.Second, "app rebuilt with the new msg", func() bool {
		o, code := d.compose(composeTools[0], dir, p, nil, "exec", "-T", "app", "cat", "/msg")
		return code == 0 && o == "second"
	})
	if d.containerID(p+"-app-1") == old {
		t.Fatal("app's container was not recreated by the rebuild")
	}
}

// startComposeWatch runs `berth compose -p p watch services…` in dir until
// stop is called (which logs its output if the test failed) and waits for
// its "Watch enabled".
func (d *testDaemon) startComposeWatch(dir, p string, services ...string) (stop func()) {
	t := d.t
	t.Helper()
	cmd := exec.Command(berthBinary, append([]string{"compose", "-p", p, "watch"}, services...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "DOCKER_BUILDKIT=0")
	out := &testutil.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("watch output:\n%s", out.String())
		}
	}
	ok := false
	defer func() {
		if !ok {
			stop()
		}
	}()
	waitFor(t, 60*time.Second, "watch enabled", func() bool { return strings.Contains(out.String(), "Watch enabled") })
	ok = true
	return stop
}

// inspect returns a container's inspect answer; a failure fails the test.
func (d *testDaemon) inspect(name string) container.InspectResponse {
	d.t.Helper()
	res, err := d.client.ContainerInspect(d.t.Context(), name, client.ContainerInspectOptions{})
	if err != nil {
		d.t.Fatal(err)
	}
	return res.Container
}

// stamp parses an inspect answer's time.
func stamp(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// networkID is a network's ID ("" if none).
func (d *testDaemon) networkID(name string) string {
	res, err := d.client.NetworkInspect(d.t.Context(), name, client.NetworkInspectOptions{})
	if err != nil {
		return ""
	}
	return res.Network.ID
}

// containsLine tells whether a line of out holds every field.
func containsLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		ok := true
		for _, f := range fields {
			ok = ok && strings.Contains(line, f)
		}
		if ok {
			return true
		}
	}
	return false
}
