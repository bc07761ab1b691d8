package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth/berth/internal/testutil"
)

// compose1 runs Debian's docker-compose 1.29 (python, docker-py) in dir
// against d as project, at API version apiVersion ("" = docker-py's
// "auto": the newest version the daemon offers). Builds go through docker-py's /build, not the docker CLI.
// It returns the combined output and the exit code.
func (d *testDaemon) compose1(dir, project, apiVersion string, args ...string) (string, int) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/docker-compose", append([]string{"-p", project}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir,
		"COMPOSE_INTERACTIVE_NO_CLI=1", "COMPOSE_DOCKER_CLI_BUILD=0", "COMPOSE_API_VERSION="+apiVersion,
		"PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(err)
}

func (d *testDaemon) mustCompose1(dir, project, apiVersion string, args ...string) string {
	d.t.Helper()
	out, code := d.compose1(dir, project, apiVersion, args...)
	if code != 0 {
		d.t.Fatalf("docker-compose %s: exit %d:\n%s\ndaemon log:\n%s", strings.Join(args, " "), code, out, fileTail(d.logPath, 30))
	}
	return out
}

func fileTail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// composeEvents runs `docker-compose events --json` while act runs and
// waits for an event line holding every string of want.
func (d *testDaemon) composeEvents(dir, project, apiVersion string, act func(), want ...string) {
	d.t.Helper()
	cmd := exec.Command("/usr/bin/docker-compose", "-p", project, "events", "--json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir,
		"COMPOSE_API_VERSION="+apiVersion, "PYTHONDONTWRITEBYTECODE=1")
	var out testutil.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() { _ = cmd.Process.Kill(); <-exited }()
	time.Sleep(time.Second) // compose subscribes after it has read the project
	act()
	waitFor(d.t, 20*time.Second, "docker-compose events: "+strings.Join(want, ", "), func() bool {
		select {
		case <-exited:
			d.t.Fatalf("docker-compose events exited:\n%s", out.String())
		default:
		}
		for _, line := range strings.Split(out.String(), "\n") {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return true
			}
		}
		return false
	})
}

// projectContainers lists the containers (all states) with compose's
// project label, and optionally its service label.
func (d *testDaemon) projectContainers(project, service string) []string {
	d.t.Helper()
	f := client.Filters{}.Add("label", "com.docker.compose.project="+project)
	if service != "" {
		f = f.Add("label", "com.docker.compose.service="+service)
	}
	res, err := d.client.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		d.t.Fatal(err)
	}
	var names []string
	for _, c := range res.Items {
		names = append(names, strings.TrimPrefix(c.Names[0], "/")+" "+string(c.State))
	}
	slices.Sort(names)
	return names
}

// getUntil fetches url from the host, retrying until the answer contains
// want (a server that has just started may not listen yet).
func getUntil(t *testing.T, url, want string) string {
	t.Helper()
	var body string
	waitFor(t, 20*time.Second, "GET "+url+" answering "+want, func() bool {
		b, err := fetch(url)
		if err != nil {
			body = err.Error()
			return false
		}
		body = b
		return strings.Contains(body, want)
	})
	return body
}

// fetch gets url on a connection of its own and returns the body; an
// answer other than 200 is an error.
func fetch(url string) (string, error) {
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// TestCompose1: Debian's docker-compose 1.29 runs a two-service project
// (db from busybox with a named volume and a network alias; web built from
// a Dockerfile, publishing a port, reaching db by service name and alias)
// through build, up -d, ps, logs, run --rm, up --force-recreate, events,
// up --scale and down -v, at docker-py's default API version ("auto": the
// newest the daemon offers) and at 1.25. Compose creates each
// container with NetworkMode set to the project network, then disconnects
// and reconnects it with the service's aliases before starting it.
func TestCompose1(t *testing.T) {
	if _, err := os.Stat("/usr/bin/docker-compose"); err != nil {
		t.Fatalf("Debian's docker-compose is required (apt-get install docker-compose): %v", err)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "compose1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"", "1.25"} {
		name := "api" + v
		if v == "" {
			name = "apidefault"
		}
		t.Run(name, func(t *testing.T) {
			d := startDaemon(t)
			d.importBusybox()
			testCompose1(t, d, dir, "c1"+randHex(3), v)
		})
	}
}

// oneOffWait starts the command of a `run` one-off: compose attaches only
// after the start has returned, as it does with dockerd (dockerpty's
// attach is a lazy map), and what the process writes before is not
// replayed. So the command waits before it prints: longer than the start
// takes from the process's first instruction to its answer, which is
// 50 ms on a plain build and was 1.9 s on a race build on a loaded
// machine.
const oneOffWait = "sleep 8"

func testCompose1(t *testing.T, d *testDaemon, dir, p, v string) {
	ctx := context.Background()
	out := d.mustCompose1(dir, p, v, "build")
	if !strings.Contains(out, "Successfully tagged "+p+"_web:latest") {
		t.Fatalf("build:\n%s", out)
	}
	if _, err := d.client.ImageInspect(ctx, p+"_web"); err != nil {
		t.Fatalf("built image: %v", err)
	}

	d.mustCompose1(dir, p, v, "up", "-d")
	out = d.mustCompose1(dir, p, v, "ps")
	for _, c := range []string{p + "_db_1", p + "_web_1"} {
		if !regexp.MustCompile(`(?m)^` + c + `\s.*\sUp\s`).MatchString(out) {
			t.Fatalf("ps: %s is not Up:\n%s", c, out)
		}
	}
	addr := strings.TrimSpace(d.mustCompose1(dir, p, v, "port", "web", "80"))
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("port web 80: %q", addr)
	}
	body := getUntil(t, "http://"+addr+"/cgi-bin/index", "by alias")
	if !strings.Contains(body, "by name: db says hello 1") || !strings.Contains(body, "by alias: db says hello 1") {
		t.Fatalf("web through the published port:\n%s", body)
	}
	if _, err := d.client.VolumeInspect(ctx, p+"_dbdata", client.VolumeInspectOptions{}); err != nil {
		t.Fatalf("named volume: %v", err)
	}

	out = d.mustCompose1(dir, p, v, "logs", "--no-color")
	if !regexp.MustCompile(`web_1\s+\| web up`).MatchString(out) || !regexp.MustCompile(`db_1\s+\| db ready`).MatchString(out) {
		t.Fatalf("logs:\n%s", out)
	}

	// A one-off container: its output comes back, its exit code is
	// compose's, and --rm removes it.
	out = d.mustCompose1(dir, p, v, "run", "--rm", "web", "sh", "-c", oneOffWait+"; echo one-off $(wget -qO- http://database:8080/)")
	if !strings.Contains(out, "one-off db says hello") {
		t.Fatalf("run --rm web:\n%s", out)
	}
	if out, code := d.compose1(dir, p, v, "run", "--rm", "web", "sh", "-c", "exit 3"); code != 3 {
		t.Fatalf("run --rm web exit 3: exit %d:\n%s", code, out)
	}
	if got := d.projectContainers(p, ""); !slices.Equal(got, []string{p + "_db_1 running", p + "_web_1 running"}) {
		t.Fatalf("after run --rm: %q", got)
	}

	// Recreating the containers reads the image's ContainerConfig; db's
	// named volume outlives its first container.
	d.mustCompose1(dir, p, v, "up", "-d", "--force-recreate", "-t", "1")
	addr = strings.TrimSpace(d.mustCompose1(dir, p, v, "port", "web", "80"))
	if body := getUntil(t, "http://"+addr+"/cgi-bin/index", "by alias"); !strings.Contains(body, "by name: db says hello 2") {
		t.Fatalf("after up --force-recreate:\n%s", body)
	}

	// `events` (as `up` without -d) reads the container events' status
	// and id.
	d.composeEvents(dir, p, v, func() { d.mustCompose1(dir, p, v, "restart", "-t", "1", "web") }, `"action": "start"`, `"service": "web"`)

	// Two replicas of web: each answers on its own host port and reaches
	// db; the service's name resolves to both.
	d.mustCompose1(dir, p, v, "up", "-d", "--scale", "web=2")
	if got := d.projectContainers(p, "web"); !slices.Equal(got, []string{p + "_web_1 running", p + "_web_2 running"}) {
		t.Fatalf("after --scale web=2: %q", got)
	}
	hosts := map[string]bool{}
	var ips []string
	for i := 1; i <= 2; i++ {
		addr := strings.TrimSpace(d.mustCompose1(dir, p, v, "port", "--index="+fmt.Sprint(i), "web", "80"))
		body := getUntil(t, "http://"+addr+"/cgi-bin/index", "by alias")
		if !strings.Contains(body, "by name: db says hello") || !strings.Contains(body, "by alias: db says hello") {
			t.Fatalf("replica %d through %s:\n%s", i, addr, body)
		}
		hosts[strings.SplitN(body, "\n", 2)[0]] = true
		ips = append(ips, d.netAddr(p+"_web_"+fmt.Sprint(i), p+"_default"))
	}
	if len(hosts) != 2 {
		t.Fatalf("the two published ports reached the same replica: %v", hosts)
	}
	out = d.mustCompose1(dir, p, v, "run", "--rm", "db", "sh", "-c", oneOffWait+"; nslookup web; wget -qO- http://web/cgi-bin/index")
	for _, ip := range ips {
		if !strings.Contains(out, "Address: "+ip) {
			t.Fatalf("nslookup web does not list replica %s:\n%s", ip, out)
		}
	}
	if !strings.Contains(out, "by name: db says hello") {
		t.Fatalf("web by its service name:\n%s", out)
	}

	out = d.mustCompose1(dir, p, v, "down", "-v", "-t", "1")
	res, err := d.client.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 0 {
		t.Fatalf("containers left after down -v: %+v\n%s", res.Items, out)
	}
	if _, err := d.client.NetworkInspect(ctx, p+"_default", client.NetworkInspectOptions{}); err == nil {
		t.Fatalf("network %s_default left after down -v", p)
	}
	if _, err := d.client.VolumeInspect(ctx, p+"_dbdata", client.VolumeInspectOptions{}); err == nil {
		t.Fatalf("volume %s_dbdata left after down -v", p)
	}
}
