package signame

import (
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/testutil"
)

// The daemon's cases (kill, stop signals).
func TestParse(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "term": syscall.SIGTERM, "9": syscall.SIGKILL, "HUP": syscall.SIGHUP, "SIGRTMIN+1": 35} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"BOGUS", "0", "99", ""} {
		if _, err := Parse(bad); !errdefs.IsInvalidParameter(err) {
			t.Errorf("Parse(%q) accepted: %v", bad, err)
		}
	}
}

// The runtime command line's cases (`berth runtime kill`).
func TestParseRuntimeKill(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"KILL": syscall.SIGKILL, "SIGTERM": syscall.SIGTERM, "9": syscall.SIGKILL, "hup": syscall.SIGHUP, "SIGRTMIN+1": 0} {
		got, err := Parse(in)
		if want == 0 {
			continue
		}
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"NOPE", "0", "65", "-1"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// TestForward relays a signal sent to this process, and passes SIGWINCH
// over; after stop, nothing more is relayed.
func TestForward(t *testing.T) {
	got := make(chan syscall.Signal, 4)
	stop := Forward(func(s syscall.Signal) { got <- s })
	_ = syscall.Kill(syscall.Getpid(), syscall.SIGWINCH)
	_ = syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	if s := testutil.Receive(t, got, 5*time.Second, "relayed SIGUSR1"); s != syscall.SIGUSR1 {
		t.Fatalf("relayed %v, want SIGUSR1 only", s)
	}
	stop()
	select {
	case s := <-got:
		t.Fatalf("relayed %v after SIGUSR1", s)
	case <-time.After(100 * time.Millisecond):
	}
}
