package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPortHandoverAPI: berth's HostConfig extension BerthPortHandover
// names a container whose published host port the new container shares
// when it starts (instead of "port is already allocated"). The port keeps
// reaching the old container until the new one is healthy, then reaches
// the new one, which keeps it when the old one stops; a container without
// a health check takes the port over as it starts; one that stops before
// it is healthy leaves the port to the old one, and an old one that stops
// first leaves it to the new one at once. A daemon restarted during a
// handover keeps it. A handover from a container that does not exist, or
// does not hold the port, changes nothing.
func TestPortHandoverAPI(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	port := strconv.Itoa(freePort(t))
	// run starts an httpd answering name on the port; with ready, it is
	// healthy once /ready exists.
	run := func(name, from string, ready bool) {
		t.Helper()
		health := ""
		if ready {
			health = `"Healthcheck":{"Test":["CMD","test","-e","/ready"],"Interval":200000000,"Retries":1000},`
		}
		code, _, body := d.raw("POST", "/containers/create?name="+name, `{"Image":"busybox",`+health+
			`"Cmd":["sh","-c","mkdir /w && echo `+name+` > /w/index.html && exec httpd -f -p 80 -h /w"],"ExposedPorts":{"80/tcp":{}},`+
			`"HostConfig":{"Init":true,"PortBindings":{"80/tcp":[{"HostPort":"`+port+`"}]},"BerthPortHandover":"`+from+`"}}`)
		if code != 201 {
			t.Fatalf("create %s: %d %s", name, code, body)
		}
		d.mustDocker("start", name)
	}
	url := "http://127.0.0.1:" + port + "/"
	serves := func() string {
		b, err := fetch(url)
		if err != nil {
			return err.Error()
		}
		return strings.TrimSpace(b)
	}
	waitServes := func(name string) {
		t.Helper()
		getUntil(t, url, name)
	}
	// A handover from a container that does not exist changes nothing.
	run("bt-ho-a", "bt-ho-none", false)
	waitServes("bt-ho-a")
	// Nor one from a container that does not hold the port.
	d.mustDocker("run", "-d", "--name", "bt-ho-x", "busybox", "sleep", "60")
	code, _, body := d.raw("POST", "/containers/create?name=bt-ho-y", `{"Image":"busybox","Cmd":["sleep","60"],"ExposedPorts":{"80/tcp":{}},`+
		`"HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"`+port+`"}]},"BerthPortHandover":"bt-ho-x"}}`)
	if code != 201 {
		t.Fatalf("create bt-ho-y: %d %s", code, body)
	}
	if out, code := d.docker("", "start", "bt-ho-y"); code == 0 || !strings.Contains(out, "port is already allocated") {
		t.Fatalf("a handover from a container without the port: %d %s", code, out)
	}
	run("bt-ho-b", "bt-ho-a", true)
	time.Sleep(time.Second)
	if got := serves(); got != "bt-ho-a" {
		t.Fatalf("before the new container is healthy the port answers %q", got)
	}
	d.mustDocker("exec", "bt-ho-b", "touch", "/ready")
	waitServes("bt-ho-b")
	d.mustDocker("stop", "-t", "1", "bt-ho-a")
	if got := serves(); got != "bt-ho-b" {
		t.Fatalf("after the old container stopped the port answers %q", got)
	}
	run("bt-ho-c", "bt-ho-b", true)
	d.mustDocker("stop", "-t", "1", "bt-ho-c")
	if got := serves(); got != "bt-ho-b" {
		t.Fatalf("after a successor stopped unready the port answers %q", got)
	}
	run("bt-ho-d", "bt-ho-b", false)
	waitServes("bt-ho-d")
	// A daemon restarted during a handover keeps it: the port stays the
	// old container's until the new one is healthy.
	run("bt-ho-e", "bt-ho-d", true)
	d.kill9()
	d.start(nil)
	if got := serves(); got != "bt-ho-d" {
		t.Fatalf("after a restart during the handover the port answers %q", got)
	}
	d.mustDocker("exec", "bt-ho-e", "touch", "/ready")
	waitServes("bt-ho-e")
	run("bt-ho-f", "bt-ho-e", true)
	d.mustDocker("stop", "-t", "1", "bt-ho-e")
	waitServes("bt-ho-f")
}
