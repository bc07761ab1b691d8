package runtime_test

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/testutil"
)

func TestConsoleSocketGetsPtyMaster(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "[ -t 0 ] && [ -t 1 ] && echo tty-ok; sleep 1", func(s *specs.Spec) { s.Process.Terminal = true })
	sock := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r.cleanup("bt-rt-tty")
	r.must("create", "--console-socket", sock, "--bundle", b, "bt-rt-tty")
	master := recvMaster(t, ln)
	defer master.Close()
	r.must("start", "bt-rt-tty")
	expectFromPty(t, master, "tty-ok")
}

func TestErrorsGoToJSONLog(t *testing.T) {
	r := newRT(t)
	logPath := filepath.Join(t.TempDir(), "log.json")
	_, errs, code := r.run("--log", logPath, "--log-format", "json", "state", "bt-rt-missing")
	if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "bt-rt-missing") {
		t.Fatalf("want one error line, got exit %d %q", code, errs)
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	var entry struct{ Level, Msg, Time string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(data))), &entry); err != nil || entry.Level != "error" || !strings.Contains(entry.Msg, "bt-rt-missing") || entry.Time == "" {
		t.Fatalf("bad log entry %q: %v", data, err)
	}
}

func TestKillAllAndForceDelete(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100 & sleep 100", nil)
	r.runDetached(b, "bt-rt-killall")
	var pids []int
	deadline := time.Now().Add(5 * time.Second)
	for len(pids) < 2 && time.Now().Before(deadline) {
		_ = json.Unmarshal([]byte(r.must("ps", "--format", "json", "bt-rt-killall")), &pids)
		time.Sleep(10 * time.Millisecond)
	}
	if len(pids) < 2 {
		t.Fatalf("want 2 processes, got %v", pids)
	}
	r.must("kill", "--all", "bt-rt-killall", "9")
	waitStatus(t, r, "bt-rt-killall", "stopped")
	r.must("delete", "bt-rt-killall")

	r.must("run", "-d", "--bundle", b, "bt-rt-force")
	st := r.state("bt-rt-force")
	r.must("delete", "--force", "bt-rt-force")
	if err := unix.Kill(st.Pid, 0); err == nil {
		if data, _ := os.ReadFile("/proc/" + itoa(st.Pid) + "/stat"); !strings.Contains(string(data), ") Z") {
			t.Fatalf("process %d still alive after delete --force", st.Pid)
		}
	}
	if _, _, code := r.run("state", "bt-rt-force"); code == 0 {
		t.Fatal("state still present after delete --force")
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSpecWritesDefaultConfig(t *testing.T) {
	r := newRT(t)
	dir := t.TempDir()
	r.must("spec", "--bundle", dir)
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil || s.Root.Path != "rootfs" || len(s.Process.Args) == 0 || s.Linux == nil {
		t.Fatalf("bad default config: %v %s", err, data)
	}
	if _, _, code := r.run("spec", "--bundle", dir); code == 0 {
		t.Fatal("spec must refuse to overwrite config.json")
	}
}

func TestListFormats(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100", nil)
	r.cleanup("bt-rt-list")
	r.must("create", "--bundle", b, "bt-rt-list")
	out := r.must("list")
	if !strings.HasPrefix(out, "ID") || !strings.Contains(out, "bt-rt-list") || !strings.Contains(out, "created") {
		t.Fatalf("table: %q", out)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(r.must("list", "--format", "json")), &entries); err != nil || len(entries) != 1 || entries[0]["id"] != "bt-rt-list" || entries[0]["status"] != "created" {
		t.Fatalf("json: %v %v", err, entries)
	}
}

func TestUpdatePidsLimit(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100", nil)
	r.runDetached(b, "bt-rt-update")
	r.must("update", "--pids-limit", "7", "bt-rt-update")
	out := r.must("exec", "bt-rt-update", "sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max")
	if strings.TrimSpace(out) != "7" {
		t.Fatalf("want pids.max 7 inside the container, got %q", out)
	}
	res := filepath.Join(t.TempDir(), "res.json")
	if err := os.WriteFile(res, []byte(`{"pids":{"limit":9}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r.must("update", "--resources", res, "bt-rt-update")
	out = r.must("exec", "bt-rt-update", "sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max")
	if strings.TrimSpace(out) != "9" {
		t.Fatalf("want pids.max 9 after --resources, got %q", out)
	}
}

// recvMaster accepts one connection on ln and returns the pty master sent
// over it.
func recvMaster(t *testing.T, ln *net.UnixListener) *os.File {
	t.Helper()
	conn, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := conn.ReadMsgUnix(make([]byte, 64), oob)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("no control message: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("no fd: %v", err)
	}
	return os.NewFile(uintptr(fds[0]), "master")
}

// expectFromPty reads the pty master until want comes, for 5 seconds.
func expectFromPty(t *testing.T, master *os.File, want string) {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		var sb strings.Builder
		buf := make([]byte, 256)
		for !strings.Contains(sb.String(), want) {
			n, err := master.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- sb.String()
	}()
	if out := testutil.Receive(t, got, 5*time.Second, "output from the pty master"); !strings.Contains(out, want) {
		t.Fatalf("want %s from the pty, got %q", want, out)
	}
}

func TestExecWithTerminal(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100", nil)
	r.runDetached(b, "bt-rt-exectty")
	sock := filepath.Join(t.TempDir(), "c.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r.must("exec", "-t", "-d", "--console-socket", sock, "bt-rt-exectty", "sh", "-c", "[ -t 0 ] && echo exec-tty-ok; sleep 1")
	master := recvMaster(t, ln)
	defer master.Close()
	expectFromPty(t, master, "exec-tty-ok")
	// the container's /dev/console was not taken over by the exec.
	out := r.must("exec", "bt-rt-exectty", "sh", "-c", "grep -c ' /dev/console ' /proc/self/mountinfo || true")
	if strings.TrimSpace(out) != "0" {
		t.Fatalf("exec rebound /dev/console: %q", out)
	}
	// a detached exec with a terminal has no terminal of ours to relay.
	if _, errs, code := r.run("exec", "-t", "-d", "bt-rt-exectty", "true"); code == 0 || !strings.Contains(errs, "exec: a detached process with a terminal needs --console-socket") {
		t.Fatalf("detached tty exec without a console socket: exit %d, %q", code, errs)
	}
}

func TestEventsStats(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100", nil)
	r.runDetached(b, "bt-rt-events")
	var ev struct {
		Type string
		ID   string
		Data struct {
			PidsStats struct {
				Current uint64 `json:"current"`
			} `json:"pids_stats"`
		}
	}
	if err := json.Unmarshal([]byte(r.must("events", "--stats", "bt-rt-events")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "stats" || ev.ID != "bt-rt-events" || ev.Data.PidsStats.Current < 1 {
		t.Fatalf("bad stats event %+v", ev)
	}
}
