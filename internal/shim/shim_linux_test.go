package shim

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
)

func TestLastMessage(t *testing.T) {
	cases := map[string]string{
		"": "",
		"runc create failed: unable to start container process: exec: \"x\": executable file not found in $PATH\n":                                                                                  "runc create failed: unable to start container process: exec: \"x\": executable file not found in $PATH",
		"time=\"2024\" level=warning msg=\"w\"\ntime=\"2024\" level=error msg=\"container_linux.go:380: starting container process caused: exec: \\\"x\\\": executable file not found in $PATH\"\n": "container_linux.go:380: starting container process caused: exec: \"x\": executable file not found in $PATH",
		"line one\nline two\n": "line one; line two",
	}
	for in, want := range cases {
		if got := lastMessage(in); got != want {
			t.Errorf("lastMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOOMKills(t *testing.T) {
	dir := t.TempDir()
	v1 := filepath.Join(dir, "memory.oom_control")
	os.WriteFile(v1, []byte("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 0o644)
	v2 := filepath.Join(dir, "memory.events")
	os.WriteFile(v2, []byte("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n"), 0o644)
	if n := oomKills(v1); n != 2 {
		t.Fatalf("v1 oom_kill %d", n)
	}
	if n := oomKills(v2); n != 1 {
		t.Fatalf("v2 oom_kill %d", n)
	}
	if n := oomKills(""); n != 0 {
		t.Fatalf("no counter: %d", n)
	}
	if p := oomCounter(os.Getpid()); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("counter %s does not exist", p)
		}
	}
}

// The reaper hands each exit to the one who registered the pid, also when
// the process was reaped before the registration.
func TestReaper(t *testing.T) {
	r := newReaper()
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // likely reaped before we ask
	if ws := testutil.Receive(t, r.wait(pid), 5*time.Second, "exit delivered"); ws.ExitStatus() != 7 {
		t.Fatalf("status %d", ws.ExitStatus())
	}
	pid, err = syscall.ForkExec("/bin/sh", []string{"sh", "-c", "kill -TERM $$"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if ws := testutil.Receive(t, r.wait(pid), 5*time.Second, "exit delivered"); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("status %v", ws)
	}
}

// lineCounter is a log driver that checks the lines it gets are 0, 1, 2…
type lineCounter struct {
	mu   sync.Mutex
	next int
	bad  string
}

func (l *lineCounter) Append(m logger.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if want := strconv.Itoa(l.next) + "\n"; string(m.Line) != want && l.bad == "" {
		l.bad = fmt.Sprintf("line %q, want %q", m.Line, want)
	}
	l.next++
	return nil
}
func (l *lineCounter) Flush() error { return nil }
func (l *lineCounter) Close() error { return nil }

// The init's output held until Start is never dropped: past heldMax the
// process waits (its pipe fills) until release, then every line reaches
// the log in order (a slow machine lost 5,000 lines between run and start).
func TestHeldInitOutputWaits(t *testing.T) {
	p := newProc("")
	p.holding, p.waitFull = true, true
	lc := &lineCounter{}
	sink := func(m logger.Message) { _ = lc.Append(m) }
	p.logFile = lc
	p.log = map[int]*logger.LineWriter{shimclient.StreamStdout: logger.NewLineWriter(logger.Stdout, sink)}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdout = r
	p.pumps.Store(1)
	p.pump(shimclient.StreamStdout, r)
	const lines = 400_000 // about 2.6 MB, more than heldMax and a pipe
	var written atomic.Int64
	go func() {
		bw := bufio.NewWriter(w)
		for i := range lines {
			n, _ := fmt.Fprintf(bw, "%d\n", i)
			written.Add(int64(n))
		}
		bw.Flush()
		w.Close()
	}()
	time.Sleep(300 * time.Millisecond)
	stalled := written.Load()
	time.Sleep(200 * time.Millisecond)
	if now := written.Load(); now != stalled || now >= 2_500_000 {
		t.Fatalf("the writer did not wait while output was held: %d then %d bytes", stalled, now)
	}
	p.release()
	select {
	case <-p.outDone:
	case <-time.After(20 * time.Second):
		t.Fatal("output did not end after release")
	}
	if lc.bad != "" || lc.next != lines {
		t.Fatalf("log got %d lines (%s), want %d in order", lc.next, lc.bad, lines)
	}
}
