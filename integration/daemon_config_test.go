package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// restartWithConfig stops the daemon, replaces its daemon.json (keeping
// the test runtimes) and starts it again.
func (d *testDaemon) restartWithConfig(extra string) {
	d.t.Helper()
	d.stop()
	d.writeConfig(extra)
	d.start(nil)
}

// writeConfig replaces the daemon's daemon.json, keeping the runc runtime.
func (d *testDaemon) writeConfig(extra string) {
	d.t.Helper()
	cfg := `{"runtimes": {"runc": {"path": "runc"}}, ` + extra + `}`
	if err := os.WriteFile(filepath.Join(filepath.Dir(d.logPath), "daemon.json"), []byte(cfg), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// TestReloadSIGHUP: SIGHUP reloads labels, live-restore, shutdown-timeout
// and default-runtime from daemon.json, logs what changed and emits the
// daemon's reload event; a file with an error changes nothing.
func TestReloadSIGHUP(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.writeConfig(`"labels": ["zone=a"], "live-restore": false, "shutdown-timeout": 7, "default-runtime": "runc"`)
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "labels reloaded", func() bool {
		out, _ := d.docker("", "info", "-f", "{{json .Labels}} {{.LiveRestoreEnabled}} {{.DefaultRuntime}}")
		return strings.TrimSpace(out) == `["zone=a"] false runc`
	})
	log, _ := os.ReadFile(d.logPath)
	if !regexp.MustCompile(`msg="reloaded configuration" changed=".*labels=\[zone=a\] live-restore=false shutdown-timeout=7 default-runtime=runc`).Match(log) {
		t.Fatalf("no reload line with the changes in the log")
	}
	if out, code := d.docker("", "run", "--name", "bt-rl", "busybox", "true"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	if out, _ := d.docker("", "inspect", "-f", "{{.HostConfig.Runtime}}", "bt-rl"); strings.TrimSpace(out) != "runc" {
		t.Fatalf("runtime after reload %q", out)
	}
	time.Sleep(1100 * time.Millisecond)
	out, _ := d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "type=daemon", "--format", "{{.Action}} {{index .Actor.Attributes \"labels\"}} {{index .Actor.Attributes \"shutdown-timeout\"}}")
	if strings.TrimSpace(out) != "reload [zone=a] 7" {
		t.Fatalf("reload event %q", out)
	}
	d.writeConfig(`"labels": ["zone=b"], "nosuchkey": 1`)
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "reload error logged", func() bool {
		log, _ := os.ReadFile(d.logPath)
		return strings.Contains(string(log), "the following directives don't match any configuration option: nosuchkey")
	})
	if out, _ := d.docker("", "info", "-f", "{{json .Labels}}"); strings.TrimSpace(out) != `["zone=a"]` {
		t.Fatalf("labels after a bad reload %q", out)
	}
}

// TestDaemonConfigDefaults: daemon.json's labels, init, default-shm-size,
// default-ulimits, log-driver and log-opts, each seen in what a container
// (or info) gets.
func TestDaemonConfigDefaults(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.restartWithConfig(`"labels": ["site=berth", "tier=test"], "init": true, "default-shm-size": "128m",
		"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}},
		"log-driver": "json-file", "log-opts": {"max-size": "100k", "max-file": "2"}`)
	run := func(args ...string) string {
		t.Helper()
		out, code := d.docker("", append([]string{"run", "--rm"}, args...)...)
		if code != 0 {
			t.Fatalf("run %q: %d %q", args, code, out)
		}
		return strings.TrimSpace(out)
	}
	t.Run("labels", func(t *testing.T) {
		if out, _ := d.docker("", "info", "-f", "{{json .Labels}}"); strings.TrimSpace(out) != `["site=berth","tier=test"]` {
			t.Fatalf("info labels %q", out)
		}
	})
	t.Run("init", func(t *testing.T) {
		if out := run("busybox", "cat", "/proc/1/comm"); out == "cat" {
			t.Fatalf("PID 1 is the command, not an init")
		}
		if out := run("--init=false", "busybox", "cat", "/proc/1/comm"); out != "cat" {
			t.Fatalf("--init=false: PID 1 is %q", out)
		}
	})
	t.Run("default-shm-size", func(t *testing.T) {
		if out := run("busybox", "sh", "-c", "df -k /dev/shm | tail -1 | awk '{print $2}'"); out != "131072" {
			t.Fatalf("/dev/shm %q KiB, want 131072", out)
		}
		if out := run("--shm-size", "1m", "busybox", "sh", "-c", "df -k /dev/shm | tail -1 | awk '{print $2}'"); out != "1024" {
			t.Fatalf("--shm-size 1m: /dev/shm %q KiB", out)
		}
	})
	t.Run("default-ulimits", func(t *testing.T) {
		if out := run("busybox", "sh", "-c", "ulimit -Sn; ulimit -Hn"); out != "1024\n2048" {
			t.Fatalf("nofile %q", out)
		}
		if out := run("--ulimit", "nofile=512:512", "busybox", "sh", "-c", "ulimit -Sn"); out != "512" {
			t.Fatalf("--ulimit nofile: %q", out)
		}
	})
	t.Run("log-opts", func(t *testing.T) {
		if out, _ := d.docker("", "info", "-f", "{{.LoggingDriver}}"); strings.TrimSpace(out) != "json-file" {
			t.Fatalf("info logging driver %q", out)
		}
		if _, code := d.docker("", "run", "--name", "bt-cfg-log", "busybox", "sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"); code != 0 {
			t.Fatalf("run: %d", code)
		}
		out, _ := d.docker("", "inspect", "-f", "{{json .HostConfig.LogConfig}} {{.LogPath}}", "bt-cfg-log")
		cfg, logPath, _ := strings.Cut(strings.TrimSpace(out), " ")
		if cfg != `{"Type":"json-file","Config":{"max-file":"2","max-size":"100k"}}` {
			t.Fatalf("log config %s", cfg)
		}
		st, err := os.Stat(logPath)
		if err != nil || st.Size() > 110*1024 {
			t.Fatalf("log file: %v, size %d > max-size 100k", err, st.Size())
		}
		if out, _ := d.docker("", "logs", "--tail", "1", "bt-cfg-log"); !strings.HasPrefix(out, "line-4999-") {
			t.Fatalf("last line %q", out)
		}
		if out, _ := d.docker("", "run", "--rm", "--log-opt", "max-size=1m", "busybox", "true"); out != "" {
			t.Fatalf("run with own log-opt: %q", out)
		}
	})
}

// TestDaemonConfigValidate: `berth daemon --validate` prints "configuration
// OK" and exits 0 for a good file; for an unknown key or a bad value it
// prints dockerd's error and exits 1.
func TestDaemonConfigValidate(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, out string }{
		{`{"labels": ["a=b"], "shutdown-timeout": 3, "live-restore": false, "default-shm-size": "64m"}`, "configuration OK"},
		{`{"labels": ["a=b"], "nosuchkey": 1}`, "the following directives don't match any configuration option: nosuchkey"},
		{`{"labels": ["novalue"]}`, "bad attribute format: novalue"},
		{`{"default-shm-size": "lots"}`, `invalid default-shm-size "lots"`},
		{`{"log-driver": "syslog", "log-opts": {"syslog-address": "corrupted:42"}}`, `failed to set log opts: syslog-address should be in form proto://address, got corrupted:42`},
		{`{"log-driver": "json-file", "log-opts": {"max-buffer-size": "1m"}}`, `failed to set log opts: logger: max-buffer-size option is only supported with 'mode=non-blocking'`},
		{`{"log-driver": "bogus"}`, `failed to set log opts: logger: no log driver named 'bogus' is registered`},
	} {
		f := filepath.Join(dir, "daemon.json")
		if err := os.WriteFile(f, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(berthBinary, "daemon", "--validate", "--config-file", f).CombinedOutput()
		ok := tc.out == "configuration OK"
		if (err == nil) != ok || !strings.Contains(string(out), tc.out) {
			t.Fatalf("%s: err %v, output %q, want %q", tc.file, err, out, tc.out)
		}
	}
}

// TestShutdownLiveRestoreOff: with "live-restore": false the daemon's
// shutdown stops its containers with their stop signal and stop timeout
// (a container ignoring SIGTERM with --stop-timeout 3 is killed after 3s,
// beyond "shutdown-timeout": 1, dockerd's rule), and a container that
// exits on SIGTERM exits 0; after a start they are seen exited.
func TestShutdownLiveRestoreOff(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.restartWithConfig(`"live-restore": false, "shutdown-timeout": 1`)
	if out, _ := d.docker("", "info", "-f", "{{.LiveRestoreEnabled}}"); strings.TrimSpace(out) != "false" {
		t.Fatalf("info live-restore %q", out)
	}
	if out, code := d.docker("", "run", "-d", "--name", "bt-sd-slow", "--stop-timeout", "3", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	if out, code := d.docker("", "run", "-d", "--name", "bt-sd-term", "busybox", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	time.Sleep(300 * time.Millisecond) // the trap is set
	t0 := time.Now()
	d.stop()
	took := time.Since(t0)
	if took < 3*time.Second || took > 9*time.Second {
		t.Fatalf("shutdown took %v, want the 3s stop timeout", took)
	}
	d.start(nil)
	for name, want := range map[string]string{"bt-sd-slow": "exited 137", "bt-sd-term": "exited 0"} {
		out, _ := d.docker("", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name)
		if strings.TrimSpace(out) != want {
			t.Fatalf("%s after shutdown: %q, want %q", name, out, want)
		}
	}
	out, _ := d.docker("", "inspect", "-f", "{{.State.StartedAt}} {{.State.FinishedAt}}", "bt-sd-slow")
	f := strings.Fields(out)
	s, _ := time.Parse(time.RFC3339Nano, f[0])
	e, _ := time.Parse(time.RFC3339Nano, f[1])
	if e.Before(t0.Add(2900 * time.Millisecond)) {
		t.Fatalf("bt-sd-slow finished %v after the shutdown began, before its stop timeout (started %v)", e.Sub(t0), s)
	}
}
