package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
		{`{"bip": "10.1.2.1/24", "fixed-cidr": "10.1.2.64/26", "features": {"buildkit": false}, "registry-mirrors": ["https://m.test"],
			"default-address-pools": [{"base": "10.3.0.0/16", "size": 24}]}`, "configuration OK"},
		{`{"bip": "10.1.2.0/24"}`, "invalid bip 10.1.2.0/24"},
		{`{"bip": "10.1.2.1/24", "fixed-cidr": "10.9.0.0/24"}`, "not in subnet 10.1.2.0/24"},
		{`{"bip": "nonsense"}`, `invalid bip "nonsense"`},
		{`{"features": {"buildkit": "yes"}}`, "cannot unmarshal string into Go struct field fileConfig.features of type bool"},
		{`{"registry-mirrors": ["ftp://m.test"]}`, `invalid mirror: unsupported scheme "ftp" in "ftp://m.test"`},
		{`{"max-concurrent-downloads": -1}`, "invalid max concurrent downloads: -1"},
		{`{"default-address-pools": [{"base": "10.3.0.0/16", "size": 8}]}`, "10.3.0.0/16"},
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

// TestShutdownRestartPolicies: with "live-restore": false, the containers
// a shutdown stops come back at the next start as with dockerd: "always"
// (even one the user stopped) and "unless-stopped" (unless the user
// stopped it); one without a policy stays exited. The shutdown's stops
// restart nothing (RestartCount stays 0), and the start is a new run.
func TestShutdownRestartPolicies(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.restartWithConfig(`"live-restore": false`)
	for name, policy := range map[string]string{"bt-rp-always": "always", "bt-rp-unless": "unless-stopped",
		"bt-rp-always-st": "always", "bt-rp-unless-st": "unless-stopped", "bt-rp-no": "no"} {
		if out, code := d.docker("", "run", "-d", "--name", name, "--restart", policy, "--stop-timeout", "1", "busybox", "sleep", "600"); code != 0 {
			t.Fatalf("run %s: %d %q", name, code, out)
		}
	}
	for _, name := range []string{"bt-rp-always-st", "bt-rp-unless-st"} {
		if out, code := d.docker("", "stop", "-t", "0", name); code != 0 {
			t.Fatalf("stop %s: %d %q", name, code, out)
		}
	}
	d.stop()
	t0 := time.Now().UTC()
	d.start(nil)
	want := map[string]string{"bt-rp-always": "running 0", "bt-rp-unless": "running 0", "bt-rp-always-st": "running 0",
		"bt-rp-unless-st": "exited 0", "bt-rp-no": "exited 0"}
	waitFor(t, 10*time.Second, "containers restarted by policy", func() bool {
		for name, w := range want {
			if out, _ := d.docker("", "inspect", "-f", "{{.State.Status}} {{.RestartCount}}", name); strings.TrimSpace(out) != w {
				return false
			}
		}
		return true
	})
	for _, name := range []string{"bt-rp-always", "bt-rp-unless", "bt-rp-always-st"} {
		out, _ := d.docker("", "inspect", "-f", "{{.State.StartedAt}}", name)
		if s, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(out)); err != nil || s.Before(t0) {
			t.Fatalf("%s started at %q, before the daemon's start %v", name, out, t0)
		}
	}
	out, _ := d.docker("", "inspect", "-f", "{{.State.ExitCode}}", "bt-rp-no")
	if strings.TrimSpace(out) != "137" {
		t.Fatalf("bt-rp-no exit code %q, want 137 (killed after its stop timeout at shutdown)", out)
	}
}

// TestDaemonConfigNetworking: daemon.json's bip and fixed-cidr address
// the default bridge (its device, inspect, a container's address within
// the range), and default-address-pools give a new network its subnet;
// a feature berth lacks, turned on in "features", is warned of.
func TestDaemonConfigNetworking(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.restartWithConfig(`"bip": "10.213.7.1/24", "fixed-cidr": "10.213.7.128/25",
		"default-address-pools": [{"base": "10.214.0.0/16", "size": 24}], "features": {"buildkit": true, "cdi": false}`)
	if log, _ := os.ReadFile(d.logPath); !strings.Contains(string(log), `berth has no such feature to turn on; ignored" feature=buildkit`) ||
		strings.Contains(string(log), "feature=cdi") {
		t.Fatalf("no warning of features.buildkit (or one of cdi, turned off)")
	}
	out, _ := d.docker("", "network", "inspect", "bridge", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{.IPRange}}{{end}} {{index .Options \"com.docker.network.bridge.name\"}}")
	f := strings.Fields(out)
	if len(f) != 4 || strings.Join(f[:3], " ") != "10.213.7.0/24 10.213.7.1 10.213.7.128/25" {
		t.Fatalf("default bridge %q, want bip's subnet and gateway, fixed-cidr's range", out)
	}
	dev, err := exec.Command("ip", "-4", "-o", "addr", "show", "dev", f[3]).CombinedOutput()
	if err != nil || !strings.Contains(string(dev), "inet 10.213.7.1/24 ") || strings.Count(string(dev), "inet ") != 1 {
		t.Fatalf("bridge %s addresses: %v %s", f[3], err, dev)
	}
	out, code := d.docker("", "run", "--rm", "busybox", "sh", "-c", "ip -4 -o addr show eth0")
	m := regexp.MustCompile(`inet 10\.213\.7\.(\d+)/24`).FindStringSubmatch(out)
	if code != 0 || m == nil || len(m[1]) < 3 || m[1] < "128" {
		t.Fatalf("container address %d %q, want one in 10.213.7.128/25", code, out)
	}
	if out, code := d.docker("", "network", "create", "bt-pool-net"); code != 0 {
		t.Fatalf("network create: %d %q", code, out)
	}
	out, _ = d.docker("", "network", "inspect", "bt-pool-net", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}")
	if !regexp.MustCompile(`^10\.214\.\d+\.0/24$`).MatchString(strings.TrimSpace(out)) {
		t.Fatalf("network from default-address-pools: subnet %q", out)
	}
}

// TestReloadRegistry: SIGHUP reloads registry-mirrors, insecure-registries
// and max-concurrent-downloads/uploads: info shows them, the log says
// what changed, the reload event carries them (lists in JSON, as
// dockerd's), and a pull of a docker.io
// name goes through the new mirror without a restart.
func TestReloadRegistry(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemon(t)
	d.importBusybox()
	d.mustCLI("tag", "busybox", reg.host+"/library/bt-rl-mirrored:1")
	d.mustCLI("push", reg.host+"/library/bt-rl-mirrored:1")
	d.mustCLI("rmi", reg.host+"/library/bt-rl-mirrored:1")
	d.writeConfig(`"registry-mirrors": ["http://` + reg.host + `"], "insecure-registries": ["myreg.test:5000", "10.99.0.0/16"],
		"max-concurrent-downloads": 2, "max-concurrent-uploads": 1`)
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	want := `["http://` + reg.host + `/"] ["::1/128","127.0.0.0/8","10.99.0.0/16"] false`
	waitFor(t, 5*time.Second, "registry settings reloaded", func() bool {
		out, _ := d.docker("", "info", "-f", `{{json .RegistryConfig.Mirrors}} {{json .RegistryConfig.InsecureRegistryCIDRs}} {{(index .RegistryConfig.IndexConfigs "myreg.test:5000").Secure}}`)
		return strings.TrimSpace(out) == want
	})
	log, _ := os.ReadFile(d.logPath)
	if !regexp.MustCompile(`msg="reloaded configuration" changed=".*max-concurrent-downloads=2 max-concurrent-uploads=1 insecure-registries=\[myreg.test:5000 10.99.0.0/16\] registry-mirrors=\[http://`).Match(log) {
		t.Fatalf("no reload line with the registry changes in the log")
	}
	out := d.mustCLI("pull", "bt-rl-mirrored:1")
	if !strings.Contains(out, "Status: Downloaded newer image for bt-rl-mirrored:1") {
		t.Fatalf("pull through the reloaded mirror:\n%s", out)
	}
	time.Sleep(1100 * time.Millisecond)
	out, _ = d.docker("", "events", "--since", "1m", "--until", "0s", "--filter", "type=daemon",
		"--format", `{{index .Actor.Attributes "registry-mirrors"}} {{index .Actor.Attributes "max-concurrent-downloads"}} {{index .Actor.Attributes "insecure-registries"}}`)
	if strings.TrimSpace(out) != `["http://`+reg.host+`"] 2 ["myreg.test:5000","10.99.0.0/16"]` {
		t.Fatalf("reload event %q", out)
	}
}

// TestReloadDebugRuntimes: SIGHUP reloads debug (the log level follows)
// and the runtimes registry (a new runtime is usable at once), and logs
// both changes.
func TestReloadDebugRuntimes(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.args = slices.DeleteFunc(d.args, func(a string) bool { return a == "-D" })
	d.stop()
	started, _ := os.ReadFile(d.logPath) // the log of the run with -D
	d.writeConfig(`"debug": false`)
	d.start(nil)
	if out, _ := d.docker("", "info", "-f", "{{.Debug}}"); strings.TrimSpace(out) != "false" {
		t.Fatalf("info debug %q", out)
	}
	cfg := `{"debug": true, "runtimes": {"runc": {"path": "runc"}, "bt-alt": {"path": "runc"}}}`
	if err := os.WriteFile(filepath.Join(filepath.Dir(d.logPath), "daemon.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(d.logPath)
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "debug reloaded", func() bool {
		out, _ := d.docker("", "info", "-f", "{{.Debug}}")
		return strings.TrimSpace(out) == "true"
	})
	if out, code := d.docker("", "run", "--rm", "--runtime", "bt-alt", "busybox", "echo", "alt"); code != 0 || out != "alt\n" {
		t.Fatalf("run with the reloaded runtime: %d %q", code, out)
	}
	log, _ := os.ReadFile(d.logPath)
	after := string(log[len(before):])
	if !strings.Contains(after, `msg="reloaded configuration" changed="debug=true runtimes=bt-alt,runc"`) {
		t.Fatalf("no reload line with debug and runtimes in the log:\n%s", after)
	}
	if b := string(before[len(started):]); strings.Contains(b, "level=DEBUG") || !strings.Contains(after, "level=DEBUG") {
		t.Fatalf("debug lines before the reload %v, after %v", strings.Contains(b, "level=DEBUG"), strings.Contains(after, "level=DEBUG"))
	}
}
