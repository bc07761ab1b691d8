package integration

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// copyComposeDir copies the two-tier project (with compose1, whose web
// script it binds) into a temporary directory that a test may edit.
func copyComposeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Dir(composeDir(t))
	if out, err := exec.Command("cp", "-r", filepath.Join(src, "compose1"), filepath.Join(src, "compose2"), dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	return filepath.Join(dir, "compose2")
}

// TestComposeChanges: berth compose merges an override file (config shows
// the merged model), `up` after an edit recreates only the service whose
// configuration changed, and `up --no-deps --force-recreate web`
// redeploys web alone; docker compose's ps sees the result.
func TestComposeChanges(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir := copyComposeDir(t)
	mustWrite(t, filepath.Join(dir, "override.yaml"), "services:\n  web:\n    environment:\n      TIER: front\n    labels:\n      tier: front\n")
	berth, v2 := composeTools[0], composeTools[1]
	p := "cc" + randHex(3)
	files := []string{"-f", "compose.yaml", "-f", "override.yaml"}
	with := func(args ...string) []string { return append(append([]string{}, files...), args...) }

	out := d.mustCompose(berth, dir, p, nil, with("config")...)
	for _, want := range []string{"name: " + p, "TIER: front", "tier: front", "GREETING: hello", "name: " + p + "_dbdata"} {
		if !strings.Contains(out, want) {
			t.Fatalf("config lacks %q:\n%s", want, out)
		}
	}
	d.mustCompose(berth, dir, p, nil, with("up", "-d")...)
	db, web := d.containerID(p+"-db-1"), d.containerID(p+"-web-1")
	addr := strings.TrimSpace(d.mustCompose(berth, dir, p, nil, with("port", "web", "80")...))
	getUntil(t, "http://"+addr+"/cgi-bin/index", "db says hello 1")

	// An edit of db's environment: db is recreated, web is left alone.
	out = d.mustCompose(berth, dir, p, []string{"GREETING=hi"}, with("up", "-d")...)
	if d.containerID(p+"-db-1") == db || d.containerID(p+"-web-1") != web {
		t.Fatalf("up after editing db: db %s -> %s, web %s -> %s\n%s", db, d.containerID(p+"-db-1"), web, d.containerID(p+"-web-1"), out)
	}
	getUntil(t, "http://"+addr+"/cgi-bin/index", "db says hi 2")

	db = d.containerID(p + "-db-1")
	d.mustCompose(berth, dir, p, []string{"GREETING=hi"}, with("up", "-d", "--no-deps", "--force-recreate", "web")...)
	if d.containerID(p+"-db-1") != db || d.containerID(p+"-web-1") == web {
		t.Fatal("up --no-deps --force-recreate web: want web recreated and db untouched")
	}
	ps := d.mustCompose(v2, dir, p, []string{"GREETING=hi"}, with("ps", "--format", "{{.Name}} {{.State}}")...)
	if !strings.Contains(ps, p+"-db-1 running") || !strings.Contains(ps, p+"-web-1 running") {
		t.Fatalf("docker compose ps:\n%s", ps)
	}
	d.mustCompose(berth, dir, p, nil, with("down", "-v")...)
}

// TestComposeBadInput: invalid YAML (with its line), an unknown service in
// depends_on, a dependency cycle and a missing required variable are
// refused before anything is made; a port clash fails `up` with the
// daemon's error and a report of what it created, which `down` removes.
func TestComposeBadInput(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	berth := composeTools[0]
	cases := []struct{ name, yaml, want string }{
		{"yaml", "services:\n  a:\n    image: busybox\n   command: [x\n", "line"},
		{"unknown", "services:\n  a:\n    image: busybox\n    depends_on: [nope]\n", "nope"},
		{"cycle", "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n", "cycle"},
		{"required", "services:\n  a:\n    image: busybox\n    command: [\"${NEEDED:?set NEEDED first}\"]\n", "set NEEDED first"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		mustWrite(t, filepath.Join(dir, "compose.yaml"), c.yaml)
		out, code := d.compose(berth, dir, "bad", nil, "up", "-d")
		if code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want an error with %q:\n%s", c.name, code, c.want, out)
		}
	}
	if got := d.projectContainers("bad", ""); len(got) != 0 {
		t.Fatalf("refused projects left containers: %v", got)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	dir := t.TempDir()
	svc := "    image: busybox\n    command: [\"sleep\", \"1000\"]\n    init: true\n    ports: [\"127.0.0.1:" + port + ":80\"]\n"
	mustWrite(t, filepath.Join(dir, "compose.yaml"), "services:\n  a:\n"+svc+"  b:\n"+svc+"    depends_on: [a]\n")
	out, code := d.compose(berth, dir, "clash", nil, "up", "-d")
	if code == 0 || !strings.Contains(out, "port is already allocated") || !strings.Contains(out, "Container clash-a-1") {
		t.Fatalf("port clash: exit %d:\n%s", code, out)
	}
	d.mustCompose(berth, dir, "clash", nil, "down")
	if got := d.projectContainers("clash", ""); len(got) != 0 {
		t.Fatalf("down after the failed up left %v", got)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

// TestComposeDebian129: Debian's docker-compose 1.29 (a docker-py client)
// runs the same two-tier project against berth's socket: db becomes
// healthy, web answers through its published port with db's page, and
// down -v removes containers, network and volume.
func TestComposeDebian129(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir := composeDir(t)
	p := "cd" + randHex(3)
	d.mustCompose1(dir, p, "", "up", "-d")
	addr := strings.TrimSpace(d.mustCompose1(dir, p, "", "port", "web", "80"))
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("port web 80: %q", addr)
	}
	getUntil(t, "http://"+addr+"/cgi-bin/index", "by name: db says hello 1")
	// berth compose reads what 1.29 made by its labels.
	if out := d.mustCompose(composeTools[0], dir, p, nil, "ps", "--format", "{{.Service}} {{.State}}"); !strings.Contains(out, "db running") || !strings.Contains(out, "web running") {
		t.Fatalf("berth compose ps of docker-compose's project:\n%s", out)
	}
	d.mustCompose1(dir, p, "", "down", "-v")
	if got := d.projectContainers(p, ""); len(got) != 0 {
		t.Fatalf("containers after down -v: %v", got)
	}
}

// TestComposeServiceKeys: the keys of a service (issue 18, point 5) reach
// the container berth compose creates: what inspect shows of its config,
// and from inside, its secret and config files, its fixed address and
// alias on a declared network (resolved from another service's replica).
func TestComposeServiceKeys(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir, err := filepath.Abs(filepath.Join("testdata", "compose3"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	env := []string{"APP_PORT=" + port}
	berth := composeTools[0]
	p := "ck" + randHex(3)
	out := d.mustCompose(berth, dir, p, env, "up", "-d", "--wait")
	defer d.compose(berth, dir, p, env, "down", "-v")
	// --wait reports each container: healthy with a health check, else running.
	for _, want := range []string{"Container " + p + "-app-1  Healthy", "Container " + p + "-client-1  Running", "Container " + p + "-client-2  Running"} {
		if !strings.Contains(out, want) {
			t.Fatalf("up --wait progress lacks %q:\n%s", want, out)
		}
	}

	res, err := d.client.ContainerInspect(t.Context(), p+"-app-1", client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Container
	cfg, hc := c.Config, c.HostConfig
	checks := map[string]bool{
		"environment":       slices.Contains(cfg.Env, "MODE=test"),
		"env_file":          slices.Contains(cfg.Env, "FROM_FILE=yes"),
		"entrypoint":        strings.Join(cfg.Entrypoint, " ") == "sh -c",
		"command":           strings.Join(cfg.Cmd, " ") == "exec sleep 1000",
		"expose":            hasPort(cfg.ExposedPorts, "9000/tcp"),
		"ports":             len(hc.PortBindings[network.MustParsePort("8080/tcp")]) == 1 && hc.PortBindings[network.MustParsePort("8080/tcp")][0].HostPort == port,
		"restart":           hc.RestartPolicy.Name == "unless-stopped",
		"memory":            hc.Memory == 64<<20,
		"cpus":              hc.NanoCPUs == 5e8,
		"user":              cfg.User == "1000:1000",
		"working_dir":       cfg.WorkingDir == "/tmp",
		"hostname":          cfg.Hostname == "apphost",
		"labels":            cfg.Labels["role"] == "app" && cfg.Labels["com.docker.compose.service"] == "app",
		"tmpfs":             hasKey(hc.Tmpfs, "/run/cache"),
		"cap_add":           slices.Contains(hc.CapAdd, "NET_ADMIN") || slices.Contains(hc.CapAdd, "CAP_NET_ADMIN"),
		"cap_drop":          slices.Contains(hc.CapDrop, "MKNOD") || slices.Contains(hc.CapDrop, "CAP_MKNOD"),
		"init":              hc.Init != nil && *hc.Init,
		"stop_signal":       cfg.StopSignal == "SIGUSR1",
		"stop_grace_period": cfg.StopTimeout != nil && *cfg.StopTimeout == 3,
		"logging":           hc.LogConfig.Type == "json-file" && hc.LogConfig.Config["max-size"] == "1m",
		"extra_hosts":       slices.Contains(hc.ExtraHosts, "somehost:10.1.2.3"),
		"dns":               len(hc.DNS) == 1 && hc.DNS[0].String() == "10.0.0.53",
		"read_only":         hc.ReadonlyRootfs,
		"ulimits":           len(hc.Ulimits) == 1 && hc.Ulimits[0].Name == "nofile" && hc.Ulimits[0].Soft == 1024 && hc.Ulimits[0].Hard == 2048,
		"healthcheck":       cfg.Healthcheck != nil && strings.Join(cfg.Healthcheck.Test, " ") == "CMD true",
		"ipv4_address":      c.NetworkSettings.Networks[p+"_back"] != nil && c.NetworkSettings.Networks[p+"_back"].IPAddress.String() == "172.30.99.10",
	}
	for key, ok := range checks {
		if !ok {
			t.Errorf("service key %s not honoured (config %+v, host config %+v)", key, cfg, hc)
		}
	}
	exec := func(container string, args ...string) string {
		out, code := d.compose(berth, dir, p, env, append([]string{"exec", "-T", "--index", container, "app"}, args...)...)
		if code != 0 {
			t.Fatalf("exec %v: %d\n%s", args, code, out)
		}
		return out
	}
	if out := exec("1", "cat", "/run/secrets/token", "/etc/settings.conf", "/etc/app.env"); !strings.Contains(out, "s3cret") || !strings.Contains(out, "level=debug") || !strings.Contains(out, "FROM_FILE=yes") {
		t.Fatalf("secret, config and read-only bind inside the container:\n%s", out)
	}
	if out := exec("1", "sh", "-c", "mount | grep -E ' /(scratch|data|run/cache) '"); strings.Count(out, "\n") < 3 {
		t.Fatalf("volume and tmpfs mounts:\n%s", out)
	}
	if got := d.projectContainers(p, "client"); len(got) != 2 {
		t.Fatalf("deploy.replicas 2: %v", got)
	}
	out, code := d.compose(berth, dir, p, env, "exec", "-T", "--index", "2", "client", "nslookup", "api")
	if code != 0 || !strings.Contains(out, "172.30.99.10") {
		t.Fatalf("client-2 resolving app's alias: exit %d\n%s", code, out)
	}
}

func hasPort(set network.PortSet, p string) bool {
	_, ok := set[network.MustParsePort(p)]
	return ok
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// TestComposeWatch: `berth compose watch` brings the project up, copies a
// file changed under a sync trigger's path into the container, and
// restarts the container when a restart trigger's file changes.
func TestComposeWatch(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "compose.yaml"), `services:
  app:
    image: busybox
    command: ["sleep", "1000"]
    init: true
    develop:
      watch:
        - path: ./src
          action: sync
          target: /src
        - path: ./restart.txt
          action: restart
`)
	mustWrite(t, filepath.Join(dir, "src", "a.txt"), "one")
	mustWrite(t, filepath.Join(dir, "restart.txt"), "0")
	p := "cw" + randHex(3)
	defer d.compose(composeTools[0], dir, p, nil, "down")
	defer d.startComposeWatch(dir, p)()
	mustWrite(t, filepath.Join(dir, "src", "sub", "b.txt"), "synced")
	waitFor(t, 10*time.Second, "b.txt synced into the container", func() bool {
		o, code := d.compose(composeTools[0], dir, p, nil, "exec", "-T", "app", "cat", "/src/sub/b.txt")
		return code == 0 && strings.Contains(o, "synced")
	})
	started := func() string {
		res, err := d.client.ContainerInspect(t.Context(), p+"-app-1", client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Container.State.StartedAt
	}
	before := started()
	mustWrite(t, filepath.Join(dir, "restart.txt"), "1")
	waitFor(t, 20*time.Second, "a restart on restart.txt's change", func() bool { return started() != before })
}

// TestComposeStartFirst: after an edit, `up` replaces a service whose
// deploy.update_config.order is start-first by starting the new container
// and waiting for its health check before it stops the old one, which
// leaves its networks first; the service's name then reaches the new one.
// Four clients polling the published port on 127.0.0.1 through the
// redeploy see no refused connection nor any error in 300 requests or
// more, and the new content at the end: the new container shares the old one's host
// port until it is healthy, then the port's rules switch to it; a request
// whose connection was open before the switch is answered by the old
// container, which leaves only once it is done.
// (docker compose v2 recreates stop-first whatever update_config says,
// outside swarm: create, stop the old, remove it, rename the new.)
func TestComposeStartFirst(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dir := t.TempDir()
	port := freePort(t)
	mustWrite(t, filepath.Join(dir, "compose.yaml"), `services:
  web:
    image: busybox
    init: true
    command: ["sh", "-c", "mkdir -p /w && echo version $$VERSION > /w/index.html && exec httpd -f -p 80 -h /w"]
    environment:
      VERSION: ${VERSION:-1}
    ports:
      - "`+strconv.Itoa(port)+`:80"
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1/"]
      interval: 300ms
    deploy:
      update_config:
        order: start-first
  client:
    image: busybox
    command: ["sleep", "1000"]
    init: true
`)
	berth := composeTools[0]
	p := "cs" + randHex(3)
	d.mustCompose(berth, dir, p, nil, "up", "-d", "--wait")
	defer d.compose(berth, dir, p, nil, "down")
	old := d.containerID(p + "-web-1")
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/"
	// A request in flight through the switch: its connection is open
	// before the redeploy, its request completed after it.
	held, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := io.WriteString(held, "GET / HTTP/1.0\r\n"); err != nil {
		t.Fatal(err)
	}
	poll := startPolling(url, 4, 300)
	type result struct {
		out  string
		code int
		took time.Duration
	}
	upDone := make(chan result, 1)
	go func() {
		t0 := time.Now()
		out, code := d.compose(berth, dir, p, []string{"VERSION=2"}, "up", "-d")
		upDone <- result{out, code, time.Since(t0)}
	}()
	getUntil(t, url, "version 2")
	// up sees the new container healthy within its 200 ms poll: the old
	// one would leave its networks now, but it waits for this request.
	time.Sleep(time.Second)
	_ = held.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(held, "\r\n"); err != nil {
		t.Fatalf("the connection open through the switch: %v", err)
	}
	if b, err := io.ReadAll(held); err != nil || !strings.Contains(string(b), "version 1") {
		t.Fatalf("the request in flight through the switch: %v, %q", err, b)
	}
	up := <-upDone
	during := poll.n.Load()
	got := poll.stop()
	out := up.out
	if up.code != 0 {
		t.Fatalf("up: exit %d\n%s", up.code, out)
	}
	t.Logf("%d requests (%d while up ran, %v): %d failed, %d answered version 1, %d version 2", got.total, during, up.took.Round(time.Millisecond), len(got.errs), got.bodies["version 1\n"], got.bodies["version 2\n"])
	if len(got.errs) > 0 {
		t.Fatalf("%d of %d requests failed through the redeploy, first: %v\n%s", len(got.errs), got.total, got.errs[0], out)
	}
	if got.bodies["version 1\n"] == 0 || got.last != "version 2\n" {
		t.Fatalf("want version 1 then version 2 served, got %v, last %q", got.bodies, got.last)
	}
	if d.containerID(p+"-web-1") == old {
		t.Fatalf("web was not recreated:\n%s", out)
	}
	name := "Container " + p + "-web-1  "
	started, healthy, stopped := strings.Index(out, name+"Started"), strings.Index(out, name+"Healthy"), strings.Index(out, name+"Stopped")
	if started < 0 || healthy < started || stopped < healthy {
		t.Fatalf("start-first order (started %d, healthy %d, old stopped %d):\n%s", started, healthy, stopped, out)
	}
	if strings.Contains(out, "stopping it first") {
		t.Fatalf("the old container was stopped first:\n%s", out)
	}
	if _, err := d.client.ContainerInspect(t.Context(), old, client.ContainerInspectOptions{}); err == nil {
		t.Fatal("the old container is still there")
	}
	if o, code := d.compose(berth, dir, p, nil, "exec", "-T", "client", "wget", "-qO-", "http://web/"); code != 0 || !strings.Contains(o, "version 2") {
		t.Fatalf("web by name after the redeploy: exit %d\n%s", code, o)
	}
}

// polling is a set of clients that each request a URL in a loop, every
// request on a new connection, and count what they get.
type polling struct {
	done chan struct{}
	res  chan pollResult
	n    atomic.Int64 // requests made so far
}

type pollResult struct {
	total  int
	errs   []error
	bodies map[string]int
	last   string // the last answer of one of the clients
}

// startPolling starts clients loops; they end once stop was called and
// they made at least min requests between them.
func startPolling(url string, clients, min int) *polling {
	p := &polling{done: make(chan struct{}), res: make(chan pollResult, clients)}
	for range clients {
		go func() {
			r := pollResult{bodies: map[string]int{}}
			for {
				select {
				case <-p.done:
					if p.n.Load() >= int64(min) {
						p.res <- r
						return
					}
				default:
				}
				r.total++
				p.n.Add(1)
				if b, err := fetch(url); err != nil {
					r.errs = append(r.errs, err)
				} else {
					r.last = b
					r.bodies[b]++
				}
			}
		}()
	}
	return p
}

// stop ends the clients and adds up what they got.
func (p *polling) stop() pollResult {
	close(p.done)
	sum := pollResult{bodies: map[string]int{}}
	for range cap(p.res) {
		r := <-p.res
		sum.total += r.total
		sum.errs = append(sum.errs, r.errs...)
		for b, n := range r.bodies {
			sum.bodies[b] += n
		}
		sum.last = r.last
	}
	return sum
}
