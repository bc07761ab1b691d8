package initproc_test

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/berth/berth/internal/testutil"
)

var berthBinary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// Static, as `make build` makes it: the container test runs it in a
	// busybox rootfs without a libc.
	var err error
	if berthBinary, err = testutil.Berth(); err != nil {
		panic(err)
	}
	defer testutil.RemoveBuiltBerth()
	return m.Run()
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if !errors.As(err, &ee) {
		t.Fatalf("run berth init: %v", err)
	}
	return ee.ExitCode()
}

func TestExitStatus(t *testing.T) {
	if code := exitCode(t, exec.Command(berthBinary, "init", "--", "sh", "-c", "exit 3").Run()); code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	if code := exitCode(t, exec.Command(berthBinary, "init", "sh", "-c", "kill -9 $$").Run()); code != 137 {
		t.Fatalf("exit code %d, want 137 for SIGKILL", code)
	}
	if code := exitCode(t, exec.Command(berthBinary, "init", "--", "bt-init-nosuchcmd").Run()); code != 127 {
		t.Fatalf("exit code %d, want 127 for a missing command", code)
	}
}

func TestReapsZombies(t *testing.T) {
	// The inner shell leaves an orphan (sleep) that is reparented to init
	// (subreaper here, PID 1 in a container); when it exits, init must reap it.
	cmd := exec.Command(berthBinary, "init", "--", "sh", "-c", `sh -c 'sleep 0.1 & echo $!'; exec sleep 5`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(orphan) + "/stat")
		if err != nil {
			break // reaped
		}
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if ppid := fields[1]; ppid != strconv.Itoa(cmd.Process.Pid) && fields[0] != "Z" {
			// not ours any more (pid reused): done
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orphan %d not reaped by init: state %s", orphan, fields[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestForwardsSignals(t *testing.T) {
	cmd := exec.Command(berthBinary, "init", "--", "sh", "-c", `trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if line, _ := r.ReadString('\n'); line != "ready\n" {
		t.Fatalf("first line %q", line)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	line, _ := r.ReadString('\n')
	code := exitCode(t, cmd.Wait())
	if line != "got-term\n" || code != 42 {
		t.Fatalf("after SIGTERM: output %q, exit %d; want got-term and 42", line, code)
	}
}

// With a terminal, the child's group is the foreground one: it can read the
// terminal (a background group would be stopped by SIGTTIN), and ^C typed on
// the terminal reaches it.
func TestTerminalForeground(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := exec.Command(berthBinary, "init", "--", "sh", "-c", `trap 'echo got-int; exit 5' INT; read x; echo "ready-$x"; while :; do sleep 0.05; done`)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	ptmx.Write([]byte("abc\n"))
	r := bufio.NewReader(ptmx)
	readyc := make(chan error, 1)
	go func() {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				readyc <- err
				return
			}
			if strings.Contains(line, "ready-abc") {
				readyc <- nil
				return
			}
		}
	}()
	select {
	case err := <-readyc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child could not read the terminal (not in the foreground group?)")
	}
	ptmx.Write([]byte{3}) // ^C: SIGINT to the terminal's foreground group
	got := make(chan string, 1)
	go func() {
		var all string
		for {
			line, err := r.ReadString('\n')
			all += line
			if err != nil || strings.Contains(all, "got-int") {
				got <- all
				return
			}
		}
	}()
	code := exitCode(t, cmd.Wait())
	if out := testutil.Receive(t, got, 5*time.Second, "output after ^C"); !strings.Contains(out, "got-int") {
		t.Fatalf("output after ^C: %q", out)
	}
	if code != 5 {
		t.Fatalf("exit %d, want 5", code)
	}
}
