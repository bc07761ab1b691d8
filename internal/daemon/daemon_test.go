package daemon

import (
	"bytes"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend/filters"
	ctr "github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/netglue"
	"github.com/berth/berth/internal/errdefs"
	"github.com/moby/moby/api/types/events"
)

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "term": syscall.SIGTERM, "9": syscall.SIGKILL, "HUP": syscall.SIGHUP, "SIGRTMIN+1": 35} {
		got, err := parseSignal(in)
		if err != nil || got != want {
			t.Errorf("parseSignal(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"BOGUS", "0", "99", ""} {
		if _, err := parseSignal(bad); !errdefs.IsInvalidParameter(err) {
			t.Errorf("parseSignal(%q) accepted: %v", bad, err)
		}
	}
}

func TestStartErrorCode(t *testing.T) {
	cases := map[string]int{
		`exec: "x": executable file not found in $PATH`: 127,
		`exec: "/etc/passwd": permission denied`:        126,
		`something else`:                                128,
	}
	for msg, want := range cases {
		if got := startErrorCode(msg); got != want {
			t.Errorf("startErrorCode(%q) = %d, want %d", msg, got, want)
		}
	}
}

func TestDetachKeys(t *testing.T) {
	keys, err := parseDetachKeys("")
	if err != nil || !bytes.Equal(keys, []byte{16, 17}) {
		t.Fatalf("default keys %v %v", keys, err)
	}
	if k, err := parseDetachKeys("ctrl-a,x"); err != nil || !bytes.Equal(k, []byte{1, 'x'}) {
		t.Fatalf("ctrl-a,x: %v %v", k, err)
	}
	if _, err := parseDetachKeys("ctrl-1"); !errdefs.IsInvalidParameter(err) {
		t.Fatalf("bad keys accepted: %v", err)
	}
	detached := false
	r := &detachReader{r: strings.NewReader("ab\x10c\x10\x11rest"), keys: keys, onDetach: func() { detached = true }}
	out, err := io.ReadAll(r)
	if err != nil || string(out) != "ab\x10c" || !detached {
		t.Fatalf("detach reader: %q %v detached=%v", out, err, detached)
	}
}

func TestListMatch(t *testing.T) {
	d := &Daemon{net: &netglue.Service{}} // without networking
	c := ctr.New(strings.Repeat("a", 64), "/web")
	c.Config = &container.Config{Labels: map[string]string{"role": "web"}}
	c.HostConfig = &container.HostConfig{}
	c.Image = "sha256:" + strings.Repeat("b", 64)
	c.ImageName = "busybox"
	c.SetStopped(3, false, time.Now())
	match := func(f filters.Args, all bool, exited []int) bool {
		return d.listMatch(c, f, all, exited, time.Time{}, time.Time{}, f["ancestor"])
	}
	if match(filters.Args{}, false, nil) {
		t.Error("stopped container listed without all")
	}
	cases := []struct {
		f    filters.Args
		want bool
	}{
		{filters.Args{"name": {"we"}}, true},
		{filters.Args{"name": {"db"}}, false},
		{filters.Args{"id": {"aaa"}}, true},
		{filters.Args{"label": {"role=web"}}, true},
		{filters.Args{"label": {"role=db"}}, false},
		{filters.Args{"label": {"role"}}, true},
		{filters.Args{"status": {"exited"}}, true},
		{filters.Args{"status": {"running"}}, false},
		{filters.Args{"ancestor": {"busybox"}}, true},
		{filters.Args{"ancestor": {"bbbb"}}, true},
		{filters.Args{"ancestor": {"alpine"}}, false},
	}
	for _, tc := range cases {
		if got := match(tc.f, true, nil); got != tc.want {
			t.Errorf("filter %v = %v", tc.f, got)
		}
	}
	if !match(filters.Args{}, true, []int{3}) || match(filters.Args{}, true, []int{0}) {
		t.Error("exited filter")
	}
}

func TestEventMatches(t *testing.T) {
	m := events.Message{Type: "container", Action: "start", Actor: events.Actor{ID: "abc123", Attributes: map[string]string{"name": "web", "image": "busybox", "role": "x"}}}
	for f, want := range map[string]bool{
		`{"event":{"start":true}}`:     true,
		`{"event":{"die":true}}`:       false,
		`{"container":{"web":true}}`:   true,
		`{"container":{"abc":true}}`:   true,
		`{"container":{"other":true}}`: false,
		`{"label":{"role=x":true}}`:    true,
		`{"type":{"image":true}}`:      false,
	} {
		a, err := filters.Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := eventMatches(m, a); got != want {
			t.Errorf("eventMatches(%s) = %v", f, got)
		}
	}
}

func TestHideMountPoints(t *testing.T) {
	in := []snapshotChange{{"/etc", 0}, {"/etc/hosts", 1}, {"/etc/hostname", 1}, {"/tmp", 0}, {"/tmp/x", 1}}
	out := hideMountPoints(toChanges(in))
	if len(out) != 2 || out[0].Path != "/tmp" || out[1].Path != "/tmp/x" {
		t.Fatalf("%+v", out)
	}
}
