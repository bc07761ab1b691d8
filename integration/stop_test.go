package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStopKillsEveryProcess: stop -t 0 and rm -f leave no process of the
// container behind, whether it has a PID namespace of its own (its init is
// killed, the kernel kills the rest) or shares the host's (every process of
// its cgroup is killed); a stopped container starts again at once.
func TestStopKillsEveryProcess(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	// Each case's processes (sh and its two sleeps) carry in their command
	// line a number of seconds no other process on the machine uses, so
	// that /proc shows whether any survived.
	cases := []struct {
		name   string
		pid    []string
		remove bool
		secs   string
	}{
		{"bt-stop-own", nil, false, "36017"},
		{"bt-stop-host", []string{"--pid", "host"}, false, "36039"},
		{"bt-rm-own", nil, true, "36053"},
		{"bt-rm-host", []string{"--pid", "host"}, true, "36071"},
	}
	for _, tc := range cases {
		script := "sleep " + tc.secs + " & sleep " + tc.secs + " & wait"
		args := append(append([]string{"run", "-d", "--name", tc.name}, tc.pid...), "busybox", "sh", "-c", script)
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("%s: run: %d %q", tc.name, code, out)
		}
		var procs []string
		for end := time.Now().Add(10 * time.Second); len(procs) != 3; time.Sleep(50 * time.Millisecond) {
			if procs = procsWith(tc.secs); time.Now().After(end) {
				t.Fatalf("%s: processes with %s in their command line: %v, want sh and its two sleeps", tc.name, tc.secs, procs)
			}
		}
		if tc.remove {
			if out, code := d.docker("", "rm", "-f", tc.name); code != 0 {
				t.Fatalf("%s: rm -f: %d %q", tc.name, code, out)
			}
		} else {
			if out, code := d.docker("", "stop", "-t", "0", tc.name); code != 0 {
				t.Fatalf("%s: stop: %d %q", tc.name, code, out)
			}
			// sh ignores SIGTERM as the PID 1 of its namespace (SIGKILL
			// ends it), not in the host's.
			want := "exited 137\n"
			if tc.pid != nil {
				want = "exited 143\n"
			}
			if out, _ := d.docker("", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", tc.name); out != want {
				t.Fatalf("%s: state after stop -t 0: %q, want %q", tc.name, out, want)
			}
		}
		// The kernel may take a moment to reap a killed namespace.
		waitFor(t, 5*time.Second, tc.name+" processes gone", func() bool {
			return len(procsWith(tc.secs)) == 0
		})
		if !tc.remove {
			// The runtime's delete of the exited process may still run: a
			// start waits for it instead of failing.
			if out, code := d.docker("", "start", tc.name); code != 0 {
				t.Fatalf("%s: start right after stop: %d %q", tc.name, code, out)
			}
			if out, _ := d.docker("", "inspect", "-f", "{{.State.Status}}", tc.name); out != "running\n" {
				t.Fatalf("%s: state after start: %q", tc.name, out)
			}
			if out, code := d.docker("", "rm", "-f", tc.name); code != 0 {
				t.Fatalf("%s: rm -f: %d %q", tc.name, code, out)
			}
		}
	}
}

// procsWith returns the pids of the processes whose command line has the
// argument arg.
func procsWith(arg string) []string {
	var pids []string
	matches, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if strings.Contains(a, arg) {
				pids = append(pids, filepath.Base(filepath.Dir(m)))
				break
			}
		}
	}
	return pids
}
