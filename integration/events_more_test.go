package integration

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// TestEventsImagesFiltersRing: image events (tag, untag) as dockerd's,
// the network filter, --format json through both CLIs, and a replay ring
// bounded by daemon.json's events-ring-size.
func TestEventsImagesFiltersRing(t *testing.T) { forEachCLI(t, testEventsImagesFiltersRing) }

func testEventsImagesFiltersRing(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	d.restartWithConfig(`"events-ring-size": 6`)
	for _, args := range [][]string{{"tag", "busybox", "busybox:ev"}, {"rmi", "busybox:ev"}, {"network", "create", "bt-ev-net"}} {
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("%q: %d %q", args, code, out)
		}
	}
	time.Sleep(1100 * time.Millisecond) // --until has whole seconds
	out, code := d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "type=image", "--format", "json")
	if code != 0 {
		t.Fatalf("events: %d %q", code, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct {
			Type, Action string
			Actor        struct{ Attributes map[string]string }
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("json line %q: %v", l, err)
		}
		got = append(got, m.Type+" "+m.Action+" "+m.Actor.Attributes["name"])
	}
	if len(got) != 2 || got[0] != "image tag busybox:ev" || !strings.HasPrefix(got[1], "image untag sha256:") {
		t.Fatalf("image events %q", got)
	}
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "network=bt-ev-net", "--format", "{{.Type}} {{.Action}}")
	if strings.TrimSpace(out) != "network create" {
		t.Fatalf("network filter %q", out)
	}
	for range 4 {
		if out, code := d.docker("", "create", "busybox", "true"); code != 0 {
			t.Fatalf("create: %d %q", code, out)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--format", "{{.Action}}")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 6 || lines[5] != "create" {
		t.Fatalf("ring of 6: %q", lines)
	}
}

// TestEventsContainerActions: top, cp into and out of a container and a
// terminal resize emit dockerd's top, extract-to-dir, archive-path and
// resize (with height and width) events.
func TestEventsContainerActions(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	if out, code := d.docker("", "run", "-dt", "--name", "bt-ev-act", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	src := t.TempDir() + "/f"
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"top", "bt-ev-act"}, {"cp", src, "bt-ev-act:/tmp/"}, {"cp", "bt-ev-act:/tmp/f", t.TempDir()}} {
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("%q: %d %q", args, code, out)
		}
	}
	if code, _, body := d.raw("POST", "/containers/bt-ev-act/resize?h=30&w=100", ""); code != 200 {
		t.Fatalf("resize: %d %s", code, body)
	}
	time.Sleep(1100 * time.Millisecond)
	out, _ := d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "container=bt-ev-act",
		"--filter", "event=top", "--filter", "event=extract-to-dir", "--filter", "event=archive-path", "--filter", "event=resize",
		"--format", `{{.Action}} {{index .Actor.Attributes "height"}}`)
	if got := strings.Fields(strings.ReplaceAll(strings.TrimSpace(out), "\n", " ")); strings.Join(got, ",") != "top,extract-to-dir,archive-path,resize,30" {
		t.Fatalf("events %q", out)
	}
}

// TestEventsLabelsPruneDetach: an image event carries the image's labels
// with its name (dockerd's LogImageEvent); each prune (container, image,
// network, volume, builder) emits its type's "prune" event with the
// space reclaimed; a terminal exec left with the detach keys emits
// exec_detach with its execID and keeps running (bad detach keys are
// refused at create, with dockerd's words).
func TestEventsLabelsPruneDetach(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	for _, args := range [][]string{
		{"run", "--name", "bt-ev-lab", "busybox", "true"},
		{"commit", "--change", "LABEL tier=web", "bt-ev-lab", "bt-ev-img:1"},
		{"tag", "bt-ev-img:1", "bt-ev-img:2"},
		{"run", "--name", "bt-ev-vol", "-v", "/data", "busybox", "sh", "-c", "head -c 20000 /dev/zero > /data/f"},
		{"rm", "bt-ev-vol"},
		{"network", "create", "bt-ev-pnet"},
		{"container", "prune", "-f"}, {"image", "prune", "-f"}, {"network", "prune", "-f"}, {"volume", "prune", "-f"}, {"builder", "prune", "-f"},
	} {
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("%q: %d %q", args, code, out)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	out, _ := d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "type=image", "--filter", "event=tag",
		"--format", `{{.Actor.Attributes.name}} {{.Actor.Attributes.tier}}`)
	if strings.TrimSpace(out) != "bt-ev-img:1 web\nbt-ev-img:2 web" {
		t.Fatalf("tag events %q, want the image's label tier=web", out)
	}
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "event=commit",
		"--format", `{{.Actor.Attributes.imageRef}} {{.Actor.Attributes.imageID}}`)
	if !strings.HasPrefix(strings.TrimSpace(out), "bt-ev-img:1 sha256:") {
		t.Fatalf("commit event %q, want imageRef and imageID", out)
	}
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "event=prune",
		"--format", `{{.Type}} {{.Action}} {{.Actor.ID}}:{{.Actor.Attributes.reclaimed}}`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var types []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || f[1] != "prune" || !strings.HasPrefix(f[2], ":") {
			t.Fatalf("prune event %q", l)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(f[2], ":"))
		if err != nil {
			t.Fatalf("prune event %q: reclaimed not a number", l)
		}
		if f[0] == "volume" && n < 20000 {
			t.Fatalf("volume prune reclaimed %d, want the 20000 bytes written", n)
		}
		types = append(types, f[0])
	}
	if strings.Join(types, " ") != "container image network volume builder" {
		t.Fatalf("prune events %q", out)
	}

	if out, code := d.docker("", "run", "-d", "--name", "bt-ev-ex", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	ctx := context.Background()
	if _, err := d.client.ExecCreate(ctx, "bt-ev-ex", client.ExecCreateOptions{Cmd: []string{"sh"}, DetachKeys: "ctrl-"}); err == nil ||
		!strings.Contains(err.Error(), "Invalid escape keys (ctrl-) provided") {
		t.Fatalf("exec create with bad detach keys: %v", err)
	}
	ex, err := d.client.ExecCreate(ctx, "bt-ev-ex", client.ExecCreateOptions{Cmd: []string{"sh"}, TTY: true, AttachStdin: true, AttachStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	att, err := d.client.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{TTY: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := att.Conn.Write([]byte("echo hi\n\x10\x11")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, att.Reader); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the attach did not end at the detach keys")
	}
	att.Close()
	if r, err := d.client.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{}); err != nil || !r.Running {
		t.Fatalf("exec after detach: %+v %v, want still running", r, err)
	}
	time.Sleep(1100 * time.Millisecond)
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "container=bt-ev-ex", "--filter", "event=exec_detach",
		"--format", `{{.Action}} {{.Actor.Attributes.execID}}`)
	if strings.TrimSpace(out) != "exec_detach "+ex.ID {
		t.Fatalf("exec_detach event %q, want execID %s", out, ex.ID)
	}
}
