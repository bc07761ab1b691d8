package integration

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLifecycleCLI covers stop with the image's STOPSIGNAL, restart, wait,
// logs options, ps filters, prune and system df.
func TestLifecycleCLI(t *testing.T) { forEachCLI(t, testLifecycleCLI) }

func testLifecycleCLI(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "create", "--name", "bt-en-sig", "busybox", "true"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	if out, code := d.docker("", "commit", "-c", "STOPSIGNAL SIGUSR1", "bt-en-sig", "bt-en-sigimg"); code != 0 {
		t.Fatalf("commit: %d %q", code, out)
	}
	script := `trap "echo got-usr1; exit 0" USR1; echo ready; while true; do sleep 0.1; done`
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-trap", "bt-en-sigimg", "sh", "-c", script); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	waitFor(t, 5*time.Second, "ready", func() bool { o, _ := d.docker("", "logs", "bt-en-trap"); return strings.Contains(o, "ready") })
	start := time.Now()
	if out, code := d.docker("", "stop", "bt-en-trap"); code != 0 {
		t.Fatalf("stop: %d %q", code, out)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("stop waited for the timeout: the STOPSIGNAL was not sent")
	}
	out, _ := d.docker("", "logs", "bt-en-trap")
	if !strings.Contains(out, "got-usr1") {
		t.Fatalf("logs after stop: %q", out)
	}
	out, _ = d.docker("", "inspect", "-f", "{{.State.ExitCode}}", "bt-en-trap")
	if out != "0\n" {
		t.Fatalf("exit code after STOPSIGNAL: %q", out)
	}

	// restart runs it again; wait returns the exit code.
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-count", "busybox", "sh", "-c", "echo run; sleep 0.3; exit 5"); code != 0 {
		t.Fatalf("run count: %d %q", code, out)
	}
	out, _ = d.docker("", "wait", "bt-en-count")
	if out != "5\n" {
		t.Fatalf("wait: %q", out)
	}
	if out, code := d.docker("", "restart", "bt-en-count"); code != 0 {
		t.Fatalf("restart: %d %q", code, out)
	}
	d.docker("", "wait", "bt-en-count")
	out, _ = d.docker("", "logs", "bt-en-count")
	if out != "run\nrun\n" {
		t.Fatalf("logs after restart: %q", out)
	}
	out, _ = d.docker("", "logs", "--tail", "1", "-t", "bt-en-count")
	if !strings.HasSuffix(out, " run\n") || strings.Count(out, "\n") != 1 || !strings.Contains(out, "T") {
		t.Fatalf("logs --tail 1 -t: %q", out)
	}
	out, _ = d.docker("", "logs", "--since", "1h", "--until", "1s", "bt-en-count")
	if out != "" && out != "run\n" && out != "run\nrun\n" {
		t.Fatalf("logs since/until: %q", out)
	}

	// ps filters.
	out, _ = d.docker("", "ps", "-a", "--filter", "ancestor=bt-en-sigimg", "--format", "{{.Names}}")
	if out != "bt-en-trap\n" {
		t.Fatalf("ps ancestor: %q", out)
	}
	out, _ = d.docker("", "ps", "-a", "--filter", "since=bt-en-trap", "--format", "{{.Names}}")
	if out != "bt-en-count\n" {
		t.Fatalf("ps since: %q", out)
	}
	out, _ = d.docker("", "ps", "-a", "--filter", "before=bt-en-trap", "--format", "{{.Names}}")
	if out != "bt-en-sig\n" {
		t.Fatalf("ps before: %q", out)
	}
	out, _ = d.docker("", "ps", "-aq", "--no-trunc", "--filter", "name=bt-en-count")
	if len(strings.TrimSpace(out)) != 64 {
		t.Fatalf("ps -q --no-trunc: %q", out)
	}
	out, _ = d.docker("", "ps", "-a", "-n", "1", "--format", "{{.Names}}")
	if out != "bt-en-count\n" {
		t.Fatalf("ps -n 1: %q", out)
	}
	if out, code := d.docker("", "system", "df"); code != 0 || !strings.Contains(out, "Containers") {
		t.Fatalf("system df: %d %q", code, out)
	}
	out, code := d.docker("", "container", "prune", "-f")
	if code != 0 || strings.Count(out, "\n") < 3 {
		t.Fatalf("prune: %d %q", code, out)
	}
	out, _ = d.docker("", "ps", "-a", "--format", "{{.Names}}")
	if out != "" {
		t.Fatalf("after prune: %q", out)
	}
}

// TestRestartPolicyAndTCP checks on-failure restarts with a retry limit and
// an API served on a TCP host next to the unix socket.
func TestRestartPolicyAndTCP(t *testing.T) { forEachCLI(t, testRestartPolicyAndTCP) }

func testRestartPolicyAndTCP(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-rp", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo try; exit 1"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	waitFor(t, 15*time.Second, "two restarts", func() bool {
		out, _ := d.docker("", "inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "bt-en-rp")
		return out == "2 exited\n"
	})
	out, _ := d.docker("", "logs", "bt-en-rp")
	if out != "try\ntry\ntry\n" {
		t.Fatalf("logs of restarted container: %q", out)
	}
	// docker update changes the restart policy.
	if out, code := d.docker("", "update", "--restart", "always", "bt-en-rp"); code != 0 {
		t.Fatalf("update: %d %q", code, out)
	}
	out, _ = d.docker("", "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "bt-en-rp")
	if out != "always\n" {
		t.Fatalf("restart policy after update: %q", out)
	}
	// docker stop of an always-restarting container keeps it stopped.
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-always", "--restart", "always", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run always: %d %q", code, out)
	}
	if out, code := d.docker("", "stop", "-t", "0", "bt-en-always"); code != 0 {
		t.Fatalf("stop: %d %q", code, out)
	}
	time.Sleep(500 * time.Millisecond)
	out, _ = d.docker("", "inspect", "-f", "{{.State.Status}}", "bt-en-always")
	if out != "exited\n" {
		t.Fatalf("stopped always-container came back: %q", out)
	}

	// A TCP listener serves the same API (without TLS only when --tls=false
	// says so explicitly).
	d.stop()
	d.args = append(d.args, "-H", "tcp://127.0.0.1:0", "--tls=false")
	d.start(nil)
	data, _ := os.ReadFile(d.logPath)
	m := regexp.MustCompile(`API listening" addr=(127\.0\.0\.1:[0-9]+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no TCP listener in the log:\n%s", data)
	}
	resp, err := http.Get("http://" + string(m[1]) + "/v1.41/containers/bt-en-rp/json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"Name":"/bt-en-rp"`) {
		t.Fatalf("inspect over TCP: %d %s", resp.StatusCode, body)
	}
}

// TestStats reads a running container's usage from its cgroups.
func TestStats(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-st", "-m", "64m", "busybox", "sh", "-c", "sleep 100 & sleep 100"); code != 0 { // sh execs the last sleep: 2 pids
		t.Fatalf("run: %d %q", code, out)
	}
	out, code := d.docker("", "stats", "--no-stream", "--format", "{{.MemUsage}} {{.PIDs}}", "bt-en-st")
	if code != 0 || !strings.Contains(out, "/ 64MiB") || !strings.HasSuffix(out, " 2\n") {
		t.Fatalf("stats: %d %q", code, out)
	}
}

// TestLogDrivers: --log-driver none keeps no log; an unknown driver is
// refused at create.
func TestLogDrivers(t *testing.T) { forEachCLI(t, testLogDrivers) }

func testLogDrivers(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	out, code := d.docker("", "run", "--name", "bt-en-nolog", "--log-driver", "none", "busybox", "echo", "quiet")
	if code != 0 || out != "quiet\n" {
		t.Fatalf("run with log driver none: %d %q", code, out)
	}
	out, code = d.docker("", "logs", "bt-en-nolog")
	if code == 0 || !strings.Contains(out, "does not support reading") {
		t.Fatalf("logs of none driver: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--log-driver", "bogus", "busybox", "true")
	if code != 125 || !strings.Contains(out, "no log driver named 'bogus'") {
		t.Fatalf("unknown log driver: %d %q", code, out)
	}
	// json-file rotation options reach the shim.
	out, code = d.docker("", "run", "--name", "bt-en-rot", "--log-opt", "max-size=1k", "--log-opt", "max-file=2", "busybox",
		"sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done")
	if code != 0 {
		t.Fatalf("run with rotation: %d", code)
	}
	out, _ = d.docker("", "logs", "bt-en-rot")
	if strings.Contains(out, "line-0-") || !strings.Contains(out, "line-199-") {
		t.Fatalf("rotated log still holds the first line or lost the last: %d lines", strings.Count(out, "\n"))
	}
}

// TestHealthcheck runs a container's healthcheck: starting, healthy once
// the probe passes, unhealthy after failures; ps shows and filters it.
func TestHealthcheck(t *testing.T) { forEachCLI(t, testHealthcheck) }

func testHealthcheck(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-h", "--health-cmd", "test -f /tmp/ok",
		"--health-interval", "200ms", "--health-retries", "2", "busybox", "sh", "-c", "sleep 1; touch /tmp/ok; sleep 60"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	out, _ := d.docker("", "inspect", "-f", "{{.State.Health.Status}}", "bt-en-h")
	if out != "starting\n" {
		t.Fatalf("initial health: %q", out)
	}
	waitFor(t, 10*time.Second, "healthy", func() bool {
		out, _ := d.docker("", "ps", "--filter", "health=healthy", "--format", "{{.Names}} {{.Status}}")
		return strings.HasPrefix(out, "bt-en-h Up") && strings.Contains(out, "(healthy)")
	})
	if out, code := d.docker("", "exec", "bt-en-h", "rm", "/tmp/ok"); code != 0 {
		t.Fatalf("exec rm: %d %q", code, out)
	}
	waitFor(t, 10*time.Second, "unhealthy", func() bool {
		out, _ := d.docker("", "inspect", "-f", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}", "bt-en-h")
		return strings.HasPrefix(out, "unhealthy ")
	})
}

// TestEventsCLI reads past container events with docker events --since
// --until and a filter.
func TestEventsCLI(t *testing.T) { forEachCLI(t, testEventsCLI) }

func testEventsCLI(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "run", "--name", "bt-en-ev", "busybox", "true"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	if out, code := d.docker("", "rm", "bt-en-ev"); code != 0 {
		t.Fatalf("rm: %d %q", code, out)
	}
	time.Sleep(1100 * time.Millisecond) // --until has whole seconds
	out, code := d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "container=bt-en-ev", "--format", "{{.Action}}")
	if code != 0 {
		t.Fatalf("events: %d %q", code, out)
	}
	for _, want := range []string{"create", "attach", "start", "die", "destroy"} {
		if !strings.Contains(out, want+"\n") {
			t.Fatalf("events lack %s: %q", want, out)
		}
	}
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}}")
	if out != "0\n" {
		t.Fatalf("die events: %q", out)
	}
}
