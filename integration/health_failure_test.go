package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// eventsOf returns "TimeNano Action" lines of a container's events so far.
func (d *testDaemon) eventsOf(name string) []string {
	d.t.Helper()
	time.Sleep(1100 * time.Millisecond) // --until has whole seconds
	out, code := d.docker("", "events", "--since", "5m", "--until", "0s", "--filter", "container="+name, "--format", "{{.TimeNano}} {{.Action}}")
	if code != 0 {
		d.t.Fatalf("events: %d %q", code, out)
	}
	return strings.Split(strings.TrimSpace(out), "\n")
}

// actionsAfter returns the actions of lines from the first that is first,
// with their times.
func actionsFrom(t *testing.T, lines []string, first string) ([]string, []int64) {
	var acts []string
	var times []int64
	for _, l := range lines {
		ts, act, _ := strings.Cut(l, " ")
		if len(acts) == 0 && act != first {
			continue
		}
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			t.Fatalf("event line %q", l)
		}
		acts, times = append(acts, act), append(times, n)
	}
	return acts, times
}

// TestHealthOnFailureRestart: berth's --health-on-failure=restart restarts
// an unhealthy container whatever its restart policy, counting RestartCount,
// with Docker's back-off (100ms, then 200ms…), and emits health_status:
// unhealthy, kill, die, start, restart in that order.
func TestHealthOnFailureRestart(t *testing.T) {
	d := startDaemonCLI(t, berthBinary)
	d.importBusybox()
	if out, code := d.docker("", "run", "-d", "--name", "bt-hof", "--health-cmd", "false", "--health-interval", "200ms",
		"--health-retries", "1", "--health-on-failure", "restart", "--stop-signal", "KILL", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	waitFor(t, 30*time.Second, "three restarts", func() bool {
		out, _ := d.docker("", "inspect", "-f", "{{.RestartCount}}", "bt-hof")
		n, _ := strconv.Atoi(strings.TrimSpace(out))
		return n >= 3
	})
	d.docker("", "stop", "bt-hof")
	acts, times := actionsFrom(t, d.eventsOf("bt-hof"), "health_status: unhealthy")
	want := []string{"health_status: unhealthy", "kill", "die", "start", "restart", "health_status: unhealthy", "kill", "die", "start", "restart"}
	if len(acts) < len(want) || strings.Join(acts[:len(want)], ",") != strings.Join(want, ",") {
		t.Fatalf("events %q, want first %q", acts, want)
	}
	first, second := time.Duration(times[3]-times[2]), time.Duration(times[8]-times[7])
	if first < 100*time.Millisecond || second < 200*time.Millisecond {
		t.Fatalf("back-off: die to start %v then %v, want >= 100ms then >= 200ms", first, second)
	}
}

// TestHealthOnFailureAPI: the HostConfig extension BerthHealthOnFailure
// through the API: "stop" stops an unhealthy container for good (its
// restart policy "always" does not bring it back), "kill" SIGKILLs it
// (exit 137) and leaves it to its policy ("no"), a bad value is refused.
func TestHealthOnFailureAPI(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	code, _, body := d.raw("POST", "/containers/create?name=bt-hof-bad", `{"Image":"busybox","Cmd":["true"],"HostConfig":{"BerthHealthOnFailure":"reboot"}}`)
	if code != 400 || !strings.Contains(body, `invalid health-on-failure action \"reboot\"`) {
		t.Fatalf("bad action: %d %s", code, body)
	}
	health := `"Healthcheck":{"Test":["CMD","false"],"Interval":200000000,"Retries":1}`
	for _, tc := range []struct{ name, action, policy, state, events string }{
		{"bt-hof-stop", "stop", "always", "exited 137 0", "health_status: unhealthy,kill,die,stop"},
		{"bt-hof-kill", "kill", "no", "exited 137 0", "health_status: unhealthy,kill,die"},
	} {
		code, _, body := d.raw("POST", "/containers/create?name="+tc.name, `{"Image":"busybox","Cmd":["sleep","60"],"StopSignal":"KILL",`+health+
			`,"HostConfig":{"BerthHealthOnFailure":"`+tc.action+`","RestartPolicy":{"Name":"`+tc.policy+`"}}}`)
		if code != 201 {
			t.Fatalf("create %s: %d %s", tc.name, code, body)
		}
		if out, code := d.docker("", "start", tc.name); code != 0 {
			t.Fatalf("start: %d %q", code, out)
		}
		waitFor(t, 20*time.Second, tc.name+" exited", func() bool {
			out, _ := d.docker("", "inspect", "-f", "{{.State.Status}}", tc.name)
			return strings.TrimSpace(out) == "exited"
		})
		time.Sleep(time.Second) // a restart policy would have acted by now
		out, _ := d.docker("", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}", tc.name)
		if strings.TrimSpace(out) != tc.state {
			t.Fatalf("%s: state %q, want %q", tc.name, out, tc.state)
		}
		acts, _ := actionsFrom(t, d.eventsOf(tc.name), "health_status: unhealthy")
		if strings.Join(acts, ",") != tc.events {
			t.Fatalf("%s: events %q, want %s", tc.name, acts, tc.events)
		}
	}
}
