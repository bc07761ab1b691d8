package integration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The container, exec and system calls of the Python SDK, each script run
// at the SDK's default API version and at 1.24 (forEachSDKVersion), and
// the same behaviours through the docker CLI and berth's CLI.

func sdkScriptTest(script string) func(t *testing.T) {
	return func(t *testing.T) {
		forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
			if out := d.python(t, version, script); !strings.HasSuffix(out, "ok\n") {
				t.Fatalf("%s at %s: %q", script, version, out)
			}
		})
	}
}

// TestSDKContainersSmoke: lifecycle, logs, stats, top, rename, update,
// diff, export, commit, attach, inspect shapes, ping/version/info/df and
// events with since/until (with the legacy status/id/from below 1.52).
func TestSDKContainersSmoke(t *testing.T) { sdkScriptTest("containers_smoke.py")(t) }

// TestSDKSwarmEndpoints: the swarm-mode endpoints answer 503 with
// dockerd's messages, /plugins is empty, info says Swarm inactive.
func TestSDKSwarmEndpoints(t *testing.T) { sdkScriptTest("containers_swarm.py")(t) }

// TestSDKContainerConfig: bare -e NAME, runtimes, restart policies,
// Config.MacAddress, -w ownership, an unknown network.
func TestSDKContainerConfig(t *testing.T) { sdkScriptTest("containers_config.py")(t) }

// TestSDKExec: detached start, hijacked socket, raw TTY output, exit codes.
func TestSDKExec(t *testing.T) { sdkScriptTest("containers_exec.py")(t) }

// TestSDKArchive: put_archive/get_archive into running and stopped
// containers.
func TestSDKArchive(t *testing.T) { sdkScriptTest("containers_archive.py")(t) }

// TestSDKRemoveLink: DELETE /containers/PARENT/ALIAS?link=1.
func TestSDKRemoveLink(t *testing.T) { sdkScriptTest("containers_links.py")(t) }

// TestCLISwarmInactive: the docker CLI's swarm and plugin commands get
// dockerd's answers, never "page not found".
func TestCLISwarmInactive(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	for _, args := range [][]string{{"node", "ls"}, {"service", "ls"}, {"secret", "ls"}, {"config", "ls"}, {"swarm", "unlock-key"}} {
		out, code := d.docker("", args...)
		if code != 1 || !strings.Contains(out, "This node is not a swarm manager.") {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
	if out, code := d.docker("", "swarm", "leave"); code != 1 || !strings.Contains(out, "This node is not part of a swarm") {
		t.Errorf("swarm leave: %d %q", code, out)
	}
	if out, code := d.docker("", "plugin", "ls", "-q"); code != 0 || out != "" {
		t.Errorf("plugin ls: %d %q", code, out)
	}
	if out := d.mustDocker("info", "-f", "{{.Swarm.LocalNodeState}}"); out != "inactive" {
		t.Errorf("info Swarm: %q", out)
	}
}

// TestCLIContainerSettings: the same settings through both CLIs.
func TestCLIContainerSettings(t *testing.T) {
	forEachCLI(t, func(t *testing.T, cli string) {
		d := startDaemonCLI(t, cli)
		d.importBusybox()

		// -e NAME, NAME unset in the client's environment: kept as given.
		// berth's CLI keeps the order of the flags; the docker CLI (28.x)
		// sends them in a random order (seen on the wire), so only the
		// entries are checked there.
		d.mustDocker("create", "--name", "envc", "-e", "BERTH_TEST_SURELY_UNSET", "-e", "A=1", "busybox", "env")
		out := d.mustDocker("inspect", "-f", "{{json .Config.Env}}", "envc")
		var env []string
		if err := json.Unmarshal([]byte(out), &env); err != nil || len(env) < 2 {
			t.Fatalf("Config.Env: %s (%v)", out, err)
		}
		given := env[:2]
		if cli == "docker" && given[0] == "A=1" {
			given = []string{env[1], env[0]}
		}
		if given[0] != "BERTH_TEST_SURELY_UNSET" || given[1] != "A=1" {
			t.Errorf("Config.Env: %s", out)
		}
		if out := d.mustDocker("start", "-a", "envc"); strings.Contains(out, "BERTH_TEST_SURELY_UNSET") || !strings.Contains(out, "A=1") {
			t.Errorf("process env: %q", out)
		}

		// --mac-address: eth0 has it, inspect shows it.
		mac := "02:42:ac:11:ee:02"
		d.mustDocker("run", "-d", "--name", "macc", "--mac-address", mac, "busybox", "sleep", "300")
		if out := d.mustDocker("exec", "macc", "cat", "/sys/class/net/eth0/address"); out != mac {
			t.Errorf("eth0 address: %q", out)
		}
		if out := d.mustDocker("inspect", "-f", "{{.NetworkSettings.Networks.bridge.MacAddress}}", "macc"); out != mac {
			t.Errorf("endpoint MacAddress: %q", out)
		}

		// --runtime: kept as asked; an unknown one refused in dockerd's words.
		d.mustDocker("create", "--name", "rtc", "--runtime", "runc", "busybox", "true")
		if out := d.mustDocker("inspect", "-f", "{{.HostConfig.Runtime}}", "rtc"); out != "runc" {
			t.Errorf("HostConfig.Runtime: %q", out)
		}
		if out, code := d.docker("", "run", "--rm", "--runtime", "nosuchrt", "busybox", "true"); code != 125 || !strings.Contains(out, "unknown or invalid runtime name: nosuchrt") {
			t.Errorf("unknown runtime: %d %q", code, out)
		}

		// Restart policies: refused before any request, or by the daemon.
		for _, flags := range [][]string{{"--rm", "--restart", "always"}, {"--restart", "always:3"}, {"--restart", "bogus"}} {
			args := append(append([]string{"run", "-d"}, flags...), "busybox", "true")
			if out, code := d.docker("", args...); code != 125 || !strings.Contains(out, "restart") {
				t.Errorf("%v: %d %q", flags, code, out)
			}
		}
		d.mustDocker("run", "-d", "--name", "restartc", "--restart", "on-failure:2", "busybox", "sleep", "300")
		if out, code := d.docker("", "update", "--restart", "always:2", "restartc"); code == 0 || !strings.Contains(out, "maximum retry count can only be used with 'on-failure'") {
			t.Errorf("update --restart always:2: %d %q", code, out)
		}

		// -w: a missing directory is made for the container's user.
		if out := d.mustDocker("run", "--rm", "-u", "1000:1000", "-w", "/newdir/sub", "busybox", "sh", "-c", "pwd; stat -c %u:%g /newdir /newdir/sub; touch ok"); out != "/newdir/sub\n1000:1000\n1000:1000" {
			t.Errorf("-w: %q", out)
		}

		// --network NOSUCH: dockerd's error, no pull.
		if out, code := d.docker("", "run", "--network", "nosuchnet", "busybox", "true"); code != 125 || !strings.Contains(out, "network nosuchnet not found") || strings.Contains(out, "Unable to find image") || strings.Contains(out, "Error waiting") {
			t.Errorf("unknown network: %d %q", code, out)
		}

		// rm --link: the parent's hosts line and Links entry go.
		d.mustDocker("run", "-d", "--name", "ltarget", "busybox", "sleep", "300")
		d.mustDocker("run", "-d", "--name", "lparent", "--link", "ltarget:db", "busybox", "sleep", "300")
		if out := d.mustDocker("exec", "lparent", "cat", "/etc/hosts"); !strings.Contains(out, "\tdb ") {
			t.Fatalf("link hosts line missing:\n%s", out)
		}
		d.mustDocker("rm", "--link", "lparent/db")
		if out := d.mustDocker("exec", "lparent", "cat", "/etc/hosts"); strings.Contains(out, "\tdb ") {
			t.Errorf("hosts after rm --link:\n%s", out)
		}
		if out := d.mustDocker("inspect", "-f", "{{json .HostConfig.Links}}", "lparent"); out != "null" {
			t.Errorf("Links after rm --link: %q", out)
		}
		if out, code := d.docker("", "rm", "--link", "lparent/db"); code == 0 || !strings.Contains(out, "No such container: lparent/db") {
			t.Errorf("second rm --link: %d %q", code, out)
		}
		if out := d.mustDocker("inspect", "-f", "{{.State.Running}}", "ltarget"); out != "true" {
			t.Errorf("link target after rm --link: %q", out)
		}

		// exec -d: returns at once, the command runs.
		d.mustDocker("exec", "-d", "lparent", "sh", "-c", "sleep 0.5; touch /tmp/detached")
		waitFor(t, 10*time.Second, "detached exec", func() bool {
			_, code := d.docker("", "exec", "lparent", "test", "-e", "/tmp/detached")
			return code == 0
		})
	})
}
