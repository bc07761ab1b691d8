package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// dockerAt runs the docker CLI against d pinned at API version v
// (DOCKER_API_VERSION), as a client of that version would talk.
func (d *testDaemon) dockerAt(v string, args ...string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir, "DOCKER_API_VERSION="+v)
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("DOCKER_API_VERSION=%s docker %s: %v\n%s", v, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// jsonObject decodes a JSON object answer.
func jsonObject(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, body)
	}
	return m
}

// TestOldAPIDockerCLI: the docker CLI pinned at API 1.24 and at 1.41 runs,
// lists, filters and networks containers as against dockerd: --rm done by
// the client at 1.24, `images NAME` through the old filter parameter, old
// filter forms, DNS by network alias, IpcMode "shareable" by default before
// 1.40, the short ID among the aliases before 1.45.
func TestOldAPIDockerCLI(t *testing.T) {
	for _, v := range []string{"1.24", "1.41"} {
		t.Run("api"+v, func(t *testing.T) {
			d := startDaemon(t)
			d.importBusybox()
			// Before 1.25 the CLI removes the container itself once it sees
			// the "die" event (through the event's legacy status field), and
			// stops at "destroy"; it may exit before the answer to its own
			// DELETE arrives and log that the request was cancelled (a race
			// of the CLI's legacy path: the container is gone either way).
			if out := d.dockerAt(v, "run", "--rm", "busybox", "echo", "hi"); strings.Split(out, "\n")[0] != "hi" {
				t.Fatalf("run --rm: %q", out)
			}
			waitFor(t, 5*time.Second, "run --rm to remove its container", func() bool { return d.dockerAt(v, "ps", "-aq") == "" })
			d.dockerAt(v, "tag", "busybox", "other:1")
			if out := d.dockerAt(v, "images", "--format", "{{.Repository}}:{{.Tag}}", "busybox"); out != "busybox:latest" {
				t.Fatalf("images busybox: %q", out)
			}
			d.dockerAt(v, "network", "create", "n1")
			d.dockerAt(v, "run", "-d", "--name", "srv", "--label", "role=db", "--network", "n1", "--network-alias", "db",
				"busybox", "sh", "-c", "echo hello > /tmp/i; exec httpd -f -p 80 -h /tmp")
			d.dockerAt(v, "run", "-d", "--name", "other", "busybox", "sleep", "60")
			if out := d.dockerAt(v, "ps", "--filter", "label=role=db", "--format", "{{.Names}}"); out != "srv" {
				t.Fatalf("ps --filter label=role=db: %q", out)
			}
			var got string
			waitFor(t, 10*time.Second, "srv answering by its alias", func() bool {
				got = d.dockerAt(v, "run", "--rm", "--network", "n1", "busybox", "sh", "-c", "wget -qO- http://db/i || true")
				return got == "hello"
			})
			id := d.dockerAt(v, "inspect", "-f", "{{.Id}}", "srv")
			ipc := d.dockerAt(v, "inspect", "-f", "{{.HostConfig.IpcMode}}", "srv")
			if (v == "1.24") != (ipc == "shareable") {
				t.Fatalf("IpcMode at %s: %q (shareable before 1.40 only)", v, ipc)
			}
			aliases := d.dockerAt(v, "inspect", "-f", `{{json (index .NetworkSettings.Networks "n1").Aliases}}`, "srv")
			if !strings.Contains(aliases, `"db"`) || !strings.Contains(aliases, `"`+id[:12]+`"`) {
				t.Fatalf("aliases at %s: %s (want db and the short ID)", v, aliases)
			}
			// The newest API version shows the aliases as given.
			if aliases := d.mustDocker("inspect", "-f", `{{json (index .NetworkSettings.Networks "n1").Aliases}}`, "srv"); aliases != `["db"]` {
				t.Fatalf("aliases at the newest version: %s", aliases)
			}
		})
	}
}

// TestOldAPIShapes: answers whose shape depends on the API version, read
// raw: image inspect keeps VirtualSize before 1.44 and the full Config
// before 1.52; create accepts one network endpoint only before 1.44. Two
// fields that docker-compose 1.29 reads stay at every version (it speaks
// the newest one): status/id/from of container events (dockerd drops them
// from 1.52) and ContainerConfig of image inspect (from 1.45).
func TestOldAPIShapes(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	since := time.Now().Unix() - 1
	d.mustDocker("create", "--name", "c1", "busybox", "true")
	d.mustDocker("network", "create", "n1")
	d.mustDocker("network", "create", "n2")
	until := time.Now().Unix() + 1

	eventsAt := func(prefix string) []map[string]any {
		code, _, body := d.raw("GET", fmt.Sprintf("%s/events?since=%d&until=%d", prefix, since, until), "")
		if code != 200 {
			t.Fatalf("events %s: %d %s", prefix, code, body)
		}
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
			out = append(out, jsonObject(t, line))
		}
		return out
	}
	for _, prefix := range []string{"/v1.24", "/v1.41", "/v1.51", ""} {
		sawCreate := false
		for _, e := range eventsAt(prefix) {
			_, hasStatus := e["status"]
			switch e["Type"] {
			case "container":
				if e["Action"] == "create" {
					sawCreate = true
					if e["status"] != "create" || e["from"] != "busybox" || e["id"] != e["Actor"].(map[string]any)["ID"] {
						t.Fatalf("container event at %q: %v", prefix, e)
					}
				}
				if !hasStatus {
					t.Fatalf("container event at %q without status: %v", prefix, e)
				}
			case "network":
				if hasStatus {
					t.Fatalf("network event at %q with status: %v", prefix, e)
				}
			}
		}
		if !sawCreate {
			t.Fatalf("no container create event at %q", prefix)
		}
	}

	for _, tc := range []struct {
		prefix                       string
		containerConfig, virtualSize bool
		fullConfig                   bool
	}{
		{"/v1.24", true, true, true},
		{"/v1.41", true, true, true},
		{"/v1.44", true, false, true},
		{"/v1.45", true, false, true},
		{"", true, false, false},
	} {
		code, _, body := d.raw("GET", tc.prefix+"/images/busybox/json", "")
		if code != 200 {
			t.Fatalf("image inspect %q: %d %s", tc.prefix, code, body)
		}
		m := jsonObject(t, body)
		_, hasCC := m["ContainerConfig"]
		_, hasVS := m["VirtualSize"]
		cfg, _ := m["Config"].(map[string]any)
		_, hasEntrypoint := cfg["Entrypoint"]
		if hasCC != tc.containerConfig || hasVS != tc.virtualSize || hasEntrypoint != tc.fullConfig {
			t.Fatalf("image inspect at %q: ContainerConfig %v, VirtualSize %v, Config.Entrypoint %v: %s", tc.prefix, hasCC, hasVS, hasEntrypoint, body)
		}
		if tc.containerConfig {
			if cc, ok := m["ContainerConfig"].(map[string]any); !ok || cc["Volumes"] != nil {
				t.Fatalf("ContainerConfig at %q: %v", tc.prefix, m["ContainerConfig"])
			}
		}
		if tc.virtualSize && m["VirtualSize"] != m["Size"] {
			t.Fatalf("VirtualSize at %q: %v, Size %v", tc.prefix, m["VirtualSize"], m["Size"])
		}
	}

	two := `{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"n1"},"NetworkingConfig":{"EndpointsConfig":{"n1":{},"n2":{}}}}`
	code, _, body := d.raw("POST", "/v1.41/containers/create?name=two41", two)
	if code != 400 || !strings.Contains(body, "Container cannot be connected to network endpoints: n1, n2") {
		t.Fatalf("create with two endpoints at 1.41: %d %s", code, body)
	}
	if code, _, body := d.raw("POST", "/v1.44/containers/create?name=two44", two); code != 201 {
		t.Fatalf("create with two endpoints at 1.44: %d %s", code, body)
	}
	if out := d.mustDocker("inspect", "-f", `{{len .NetworkSettings.Networks}}`, "two44"); out != "2" {
		t.Fatalf("two44 networks: %s", out)
	}
}

// TestNetworkConnectCreated: the calls docker-compose 1.29 makes on a
// created container whose NetworkMode names a user network, answered as
// dockerd (20.10, observed) answers them. Connecting it again to that
// network is a no-op; disconnecting removes the endpoint and keeps
// NetworkMode; connecting with aliases sets them, and the start uses them;
// a running container's second connect is a 403; host and none refuse.
func TestNetworkConnectCreated(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.mustDocker("network", "create", "n1")
	d.mustDocker("create", "--name", "web", "--network", "n1", "busybox", "sh", "-c", "echo hi > /tmp/i; exec httpd -f -p 80 -h /tmp")
	post := func(path, body string) (int, string) {
		code, _, out := d.raw("POST", "/v1.41"+path, body)
		return code, out
	}
	networks := func() string {
		return d.mustDocker("inspect", "-f", `{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{json $v.Aliases}} {{end}}`, "web")
	}
	if code, out := post("/networks/n1/connect", `{"Container":"web","EndpointConfig":{"Aliases":["ignored"]}}`); code != 200 {
		t.Fatalf("connect again (created): %d %s", code, out)
	}
	if got := networks(); got != "n1 n1=null" {
		t.Fatalf("after a second connect: %q (dockerd keeps the config it has)", got)
	}
	if code, out := post("/networks/n1/disconnect", `{"Container":"web"}`); code != 200 {
		t.Fatalf("disconnect (created): %d %s", code, out)
	}
	if got := networks(); got != "n1" {
		t.Fatalf("after disconnect: %q (NetworkMode kept, no endpoint)", got)
	}
	if code, out := post("/networks/n1/connect", `{"Container":"web","EndpointConfig":{"Aliases":["web","www"],"Links":[]}}`); code != 200 {
		t.Fatalf("connect with aliases (created): %d %s", code, out)
	}
	if got := networks(); got != `n1 n1=["web","www"]` {
		t.Fatalf("after connect with aliases: %q", got)
	}
	d.mustDocker("start", "web")
	var got string
	waitFor(t, 10*time.Second, "web answering by its alias", func() bool {
		got, _ = d.docker("", "run", "--rm", "--network", "n1", "busybox", "wget", "-qO-", "http://www/i")
		return strings.TrimSpace(got) == "hi"
	})
	code, out := post("/networks/n1/connect", `{"Container":"web"}`)
	if code != 403 || !strings.Contains(out, "endpoint with name web already exists in network n1") {
		t.Fatalf("connect again (running): %d %s", code, out)
	}

	// A created container whose only network was disconnected starts with
	// loopback alone, NetworkMode unchanged.
	d.mustDocker("create", "--name", "lonely", "--network", "n1", "busybox", "sh", "-c", "ls /sys/class/net")
	if code, out := post("/networks/n1/disconnect", `{"Container":"lonely"}`); code != 200 {
		t.Fatalf("disconnect lonely: %d %s", code, out)
	}
	if out := d.mustDocker("start", "-a", "lonely"); out != "lo" {
		t.Fatalf("interfaces of a container with no network: %q", out)
	}
	if out := d.mustDocker("inspect", "-f", "{{.HostConfig.NetworkMode}} {{len .NetworkSettings.Networks}}", "lonely"); out != "n1 0" {
		t.Fatalf("lonely after start: %q", out)
	}

	for _, tc := range []struct{ mode, msg string }{
		{"host", "container sharing network namespace with another container or host cannot be connected to any other network"},
		{"none", "container cannot be connected to multiple networks with one of the networks in private (none) mode"},
	} {
		d.mustDocker("create", "--name", "m"+tc.mode, "--network", tc.mode, "busybox", "true")
		code, out := post("/networks/n1/connect", `{"Container":"m`+tc.mode+`"}`)
		if code != 400 || !strings.Contains(out, tc.msg) {
			t.Fatalf("connect a %s container: %d %s", tc.mode, code, out)
		}
	}
}
