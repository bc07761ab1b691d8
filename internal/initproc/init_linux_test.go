package initproc_test

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var berthBinary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	berthBinary = os.Getenv("BERTH_BINARY")
	if berthBinary == "" {
		dir, err := os.MkdirTemp("", "bt-init-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		berthBinary = filepath.Join(dir, "berth")
		cmd := exec.Command("go", "build", "-o", berthBinary, "github.com/berth/berth/cmd/berth")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			panic("build berth: " + err.Error())
		}
	}
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
