package container

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/store"
	"github.com/berth/berth/internal/testutil"
)

func TestWordLists(t *testing.T) {
	if len(adjectives) < 100 || len(surnames) < 100 {
		t.Fatalf("want ~100 words each, have %d adjectives, %d surnames", len(adjectives), len(surnames))
	}
	seen := map[string]bool{}
	for _, w := range append(append([]string{}, adjectives...), surnames...) {
		if seen[w] {
			t.Errorf("duplicate word %q", w)
		}
		seen[w] = true
	}
}

func TestGenerateName(t *testing.T) {
	taken := map[string]bool{}
	for i := 0; i < 200; i++ {
		n := GenerateName(func(s string) bool { return taken[s] })
		if taken[n] {
			t.Fatalf("name %q generated twice", n)
		}
		parts := strings.SplitN(n, "_", 2)
		if len(parts) != 2 || !ValidName(n) {
			t.Fatalf("bad name %q", n)
		}
		taken[n] = true
	}
}

func TestGenerateID(t *testing.T) {
	id := GenerateID()
	if len(id) != 64 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("bad id %q", id)
	}
	if ShortID(id) != id[:12] {
		t.Fatal("short id")
	}
}

func TestValidName(t *testing.T) {
	for n, want := range map[string]bool{"web": true, "a": false, "_x": false, "a.b-c_d": true, "a/b": false, "x y": false} {
		if ValidName(n) != want {
			t.Errorf("ValidName(%q) = %v", n, !want)
		}
	}
}

func TestRegistryLookupAndPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := store.Open(path, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRegistry(db)
	if err != nil {
		t.Fatal(err)
	}
	a := New("abc123"+strings.Repeat("0", 58), "/web")
	b := New("abd456"+strings.Repeat("1", 58), "/db")
	for _, c := range []*Container{a, b} {
		if err := r.Reserve(c.Name, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Reserve("/web", "other"); !errdefs.IsConflict(err) || !strings.Contains(err.Error(), `The container name "/web" is already in use`) {
		t.Fatalf("reserve taken name: %v", err)
	}
	for ref, want := range map[string]*Container{"web": a, "/db": b, "abc": a, a.ID: a, "abd4": b} {
		got, err := r.Get(ref)
		if err != nil || got != want {
			t.Errorf("Get(%q) = %v, %v", ref, got, err)
		}
	}
	if _, err := r.Get("ab"); !errdefs.IsInvalidParameter(err) {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if _, err := r.Get("nope"); !errdefs.IsNotFound(err) || err.Error() != "No such container: nope" {
		t.Errorf("missing: %v", err)
	}
	if err := r.Rename(a, "front"); err != nil {
		t.Fatal(err)
	}
	if r.NameTaken("web") || !r.NameTaken("front") {
		t.Fatal("rename did not move the name")
	}
	if err := r.Delete(b); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = store.Open(path, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err = NewRegistry(db)
	if err != nil {
		t.Fatal(err)
	}
	if l := r.List(); len(l) != 1 || l[0].Name != "/front" {
		t.Fatalf("after reopen: %+v", l)
	}
}

func TestStateMachineWait(t *testing.T) {
	c := New(GenerateID(), "/x")
	c.Lock()
	c.SetRunning(42, "/tmp/s")
	c.Unlock()
	done := make(chan int)
	go func() {
		code, _ := c.WaitStopped(context.Background())
		done <- code
	}()
	select {
	case <-done:
		t.Fatal("wait returned while running")
	case <-time.After(20 * time.Millisecond):
	}
	c.Lock()
	c.SetStopped(3, false, time.Now())
	c.Unlock()
	if code := <-done; code != 3 {
		t.Fatalf("exit code %d", code)
	}
	if c.State.Running() || c.State.Status != StatusExited {
		t.Fatalf("state %+v", c.State)
	}
	if s := c.StatusString(time.Now()); !strings.HasPrefix(s, "Exited (3)") {
		t.Fatalf("status %q", s)
	}
	if err := c.SetRemoving(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRemoving(); !errdefs.IsConflict(err) {
		t.Fatalf("double removal: %v", err)
	}
}

func TestStartErrorCode(t *testing.T) {
	cases := map[string]int{
		`exec: "x": executable file not found in $PATH`: 127,
		`exec: "/etc/passwd": permission denied`:        126,
		`something else`:                                128,
	}
	for msg, want := range cases {
		if got := StartErrorCode(msg); got != want {
			t.Errorf("StartErrorCode(%q) = %d, want %d", msg, got, want)
		}
	}
}

func TestNextRestartDelay(t *testing.T) {
	c := New(GenerateID(), "/r")
	var got []time.Duration
	for _, ran := range []time.Duration{time.Second, time.Second, time.Second, 11 * time.Second, 0} {
		got = append(got, c.NextRestartDelay(ran))
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}
	if !slices.Equal(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
	for range 20 {
		c.NextRestartDelay(0)
	}
	if d := c.NextRestartDelay(0); d != time.Minute {
		t.Fatalf("capped delay %v", d)
	}
}

// TestRestartsWithDaemon: a starting daemon brings back a stopped
// container as dockerd: "always" even after the user's stop,
// "unless-stopped" unless the user stopped it, "on-failure" after a
// failure; never one that never ran.
func TestRestartsWithDaemon(t *testing.T) {
	for _, tc := range []struct {
		policy      string
		manual, ran bool
		code        int
		want        bool
	}{
		{"always", false, true, 0, true}, {"always", true, true, 0, true}, {"always", false, false, 0, false},
		{"unless-stopped", false, true, 137, true}, {"unless-stopped", true, true, 137, false},
		{"on-failure", false, true, 1, true}, {"on-failure", false, true, 0, false},
		{"no", false, true, 1, false}, {"", false, true, 1, false},
	} {
		c := New(GenerateID(), "/x")
		c.HostConfig = &containertypes.HostConfig{RestartPolicy: containertypes.RestartPolicy{Name: containertypes.RestartPolicyMode(tc.policy)}}
		if tc.ran {
			c.State.Status, c.State.StartedAt, c.State.ExitCode = StatusExited, time.Now(), tc.code
		}
		c.ManualStop = tc.manual
		if got := c.RestartsWithDaemon(); got != tc.want {
			t.Errorf("%+v: %v", tc, got)
		}
	}
}

// TestReadDoesNotWaitForBusy: while a long change holds a container (a
// start, a create's last save), Read answers at once with the record as
// last saved; without Busy, it waits for the lock and then sees the change.
func TestReadDoesNotWaitForBusy(t *testing.T) {
	r, err := NewRegistry(testutil.OpenStore(t, Bucket))
	if err != nil {
		t.Fatal(err)
	}
	c := New("busy"+strings.Repeat("0", 60), "/busy")
	c.Incomplete = true
	if err := r.Add(c); err != nil {
		t.Fatal(err)
	}
	read := func() <-chan bool {
		got := make(chan bool, 1)
		go c.Read(func(c *Container) { got <- c.Incomplete })
		return got
	}
	c.Lock()
	c.Busy(true)
	c.Incomplete = false // the change in progress, not saved yet
	if !testutil.Receive(t, read(), 30*time.Second, "Read during a busy change (it waited for the change)") {
		t.Fatal("Read during a busy change saw the unsaved change")
	}
	if err := r.Save(c); err != nil {
		t.Fatal(err)
	}
	c.Busy(false)
	got := read() // a plain holder: Read waits for the lock
	select {
	case <-got:
		t.Fatal("Read did not wait for a change not marked busy")
	case <-time.After(50 * time.Millisecond):
	}
	c.Unlock()
	if incomplete := <-got; incomplete {
		t.Fatal("Read after the change saw the container incomplete")
	}
}
