package shim

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
	select {
	case ws := <-r.wait(pid):
		if ws.ExitStatus() != 7 {
			t.Fatalf("status %d", ws.ExitStatus())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("exit never delivered")
	}
	pid, err = syscall.ForkExec("/bin/sh", []string{"sh", "-c", "kill -TERM $$"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ws := <-r.wait(pid):
		if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Fatalf("status %v", ws)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("exit never delivered")
	}
}
