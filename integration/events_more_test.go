package integration

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
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
