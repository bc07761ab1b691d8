package integration

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berth/berth/internal/snapshot"
)

// crashCase is one named crash point: setup makes what the operation
// needs (daemon running), act runs the operation the daemon dies in.
type crashCase struct {
	point string
	setup func(t *testing.T, d *testDaemon)
	act   func(d *testDaemon) (string, int)
}

// TestCrashAtPoints SIGKILLs the daemon at every named point of pull, push,
// build, volume and network changes, rename, update and prune (and the
// points of create, start and rm again): after a restart nothing is
// half-made (checkNoHalfMade) and every complete object works
// (exerciseAll).
func TestCrashAtPoints(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemon(t)
	d.importBusybox()
	base := d.baseMounts()
	img := reg.host + "/crash/img:1"
	d.makeLayeredImage(img, 256, 256)
	d.mustCLI("push", img)
	tmps, _ := d.docker("", "images", "--format", "{{.Repository}}:{{.Tag}}", "bt-mk-tmp*")
	for _, ref := range strings.Fields(tmps) {
		d.mustCLI("rmi", ref) // so that a pull stores two layers
	}
	cli := func(args ...string) func(d *testDaemon) (string, int) {
		return func(d *testDaemon) (string, int) { return d.docker("", args...) }
	}
	rmiPulled := func(t *testing.T, d *testDaemon) {
		_, _ = d.docker("", "rmi", img) // gone already after a crashed pull
		d.mustCLI("image", "prune", "-f")
	}
	running := func(t *testing.T, d *testDaemon) {
		d.mustCLI("run", "-d", "--name", "bt-cp", "-p", "127.0.0.1::80", "busybox", "sleep", "300")
	}
	created := func(t *testing.T, d *testDaemon) { d.mustCLI("create", "--name", "bt-cp", "busybox", "sleep", "300") }
	dockerfile := "FROM busybox\nRUN echo built > /f\n"
	build := func(d *testDaemon) (string, int) { return d.docker(dockerfile, "build", "-t", "bt-cp-built", "-") }
	cases := []crashCase{
		{"pull-between-layers", rmiPulled, cli("pull", img)},
		{"layer-mid-store", rmiPulled, cli("pull", img)},
		{"push-after-blob", func(t *testing.T, d *testDaemon) {
			d.mustCLI("pull", img)
			d.mustCLI("tag", img, reg.host+"/crash/other:1")
		}, cli("push", reg.host+"/crash/other:1")},
		{"build-mid-run", nil, build},
		{"build-step-commit", nil, build},
		{"volume-create-after-dir", nil, cli("volume", "create", "bt-cp-vol")},
		{"volume-remove-after-rename", func(t *testing.T, d *testDaemon) {
			d.mustCLI("volume", "create", "bt-cp-vol")
		}, cli("volume", "rm", "bt-cp-vol")},
		{"network-create-after-record", nil, cli("network", "create", "bt-cp-net")},
		{"network-create-after-bridge", nil, cli("network", "create", "bt-cp-net")},
		{"network-remove-after-bridge", func(t *testing.T, d *testDaemon) {
			d.mustCLI("network", "create", "bt-cp-net")
		}, cli("network", "rm", "bt-cp-net")},
		{"network-connect-after-veth", func(t *testing.T, d *testDaemon) {
			running(t, d)
			d.mustCLI("network", "create", "bt-cp-net")
		}, cli("network", "connect", "bt-cp-net", "bt-cp")},
		{"rename-after-record", running, cli("rename", "bt-cp", "bt-cp-renamed")},
		{"update-after-record", running, cli("update", "--memory", "64m", "--memory-swap", "128m", "bt-cp")},
		{"prune-after-one", func(t *testing.T, d *testDaemon) {
			d.mustCLI("create", "--name", "bt-cp", "busybox", "true")
			d.mustCLI("create", "--name", "bt-cp2", "busybox", "true")
		}, cli("container", "prune", "-f")},
		{"create-after-record", nil, cli("create", "--name", "bt-cp", "busybox", "true")},
		{"create-after-snapshot", nil, cli("create", "--name", "bt-cp", "busybox", "true")},
		{"start-after-shim", created, cli("start", "bt-cp")},
		{"start-after-start", created, cli("start", "bt-cp")},
		{"rm-after-mark", running, cli("rm", "-f", "bt-cp")},
		{"rm-after-snapshot", running, cli("rm", "-f", "bt-cp")},
		{"commit-after-layer", running, cli("commit", "bt-cp", "bt-cp-committed")},
	}
	// What a point needs checked besides the common checks.
	checks := map[string]func(t *testing.T, d *testDaemon){"update-after-record": sameMemoryLimit, "rename-after-record": endpointNamed}
	for _, c := range cases {
		t.Run(c.point, func(t *testing.T) {
			d.t = t
			if c.setup != nil {
				c.setup(t, d)
			}
			d.stop()
			d.startExpectCrash(c.point)
			if out, code := c.act(d); code == 0 {
				t.Fatalf("%s: the operation succeeded despite the crash point: %q", c.point, out)
			}
			d.waitExit(20 * time.Second)
			d.start(nil)
			d.checkNoHalfMade(t, base)
			if check := checks[c.point]; check != nil {
				check(t, d)
			}
			d.exerciseAll(t)
			d.resetObjects(t)
		})
	}
	d.t = t
}

// baseMounts lists the mounts under the data and exec roots of a daemon
// that runs no container (the daemon's own, e.g. the netns directory).
func (d *testDaemon) baseMounts() map[string]bool {
	m := map[string]bool{}
	for _, p := range d.mountsUnderRoots() {
		m[p] = true
	}
	return m
}

func (d *testDaemon) mountsUnderRoots() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := fields[4]
		if strings.HasPrefix(p, d.root+"/") || strings.HasPrefix(p, d.execRoot+"/") {
			out = append(out, p)
		}
	}
	return out
}

// inspected is what checkNoHalfMade needs of a container.
type inspected struct {
	ID    string
	Name  string
	State struct {
		Running bool
		Pid     int
	}
	NetworkSettings struct {
		Networks map[string]struct{ IPAddress string }
		Ports    map[string][]json.RawMessage
	}
}

func (d *testDaemon) containersNow(t *testing.T) []inspected {
	t.Helper()
	ids, code := d.docker("", "ps", "-a", "-q", "--no-trunc")
	if code != 0 {
		t.Fatalf("ps: %s", ids)
	}
	var all []inspected
	for _, id := range strings.Fields(ids) {
		out, code := d.docker("", "inspect", id)
		if code != 0 {
			t.Fatalf("listed container %s is not inspectable: %s", id, out)
		}
		var one []inspected
		if err := json.Unmarshal([]byte(out), &one); err != nil || len(one) != 1 {
			t.Fatalf("inspect %s: %v %s", id, err, out)
		}
		all = append(all, one[0])
	}
	return all
}

// checkNoHalfMade asserts that the restarted daemon d keeps no half-made
// object: no build step container, volume dirs only of listed volumes,
// container dirs and bundles of listed containers, shim dirs,, netns files and mounts only
// of listed (running) containers; no scratch snapshot, ingest, scratch or
// push file; every blob whole (its digest matches); veths only of running
// containers' endpoints, bridges only of listed networks, nftables rules
// naming only links that exist and publishing only running containers'
// ports. It stops and restarts the daemon to read the snapshot store.
func (d *testDaemon) checkNoHalfMade(t *testing.T, base map[string]bool) {
	t.Helper()
	if out, _ := d.docker("", "ps", "-a", "-q", "--filter", "label=berth.build.step"); strings.TrimSpace(out) != "" {
		t.Errorf("build step containers of a dead build left: %s", out)
	}
	ctrs := d.containersNow(t)
	ids, run := map[string]bool{}, map[string]bool{}
	veths, ports := 0, 0
	ips := map[string]bool{}
	for _, c := range ctrs {
		ids[c.ID] = true
		if c.State.Running {
			run[c.ID] = true
			veths += len(c.NetworkSettings.Networks)
			for _, n := range c.NetworkSettings.Networks {
				ips[n.IPAddress] = true
			}
			for _, b := range c.NetworkSettings.Ports {
				ports += len(b)
			}
		}
	}
	sub := func(what string, names []string, allowed map[string]bool, short bool) {
		for _, n := range names {
			ok := allowed[n]
			for id := range allowed {
				if short && strings.HasPrefix(id, n) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s left of no container: %s", what, n)
			}
		}
	}
	sub("container dir", dirEntries(filepath.Join(d.root, "containers")), ids, false)
	sub("bundle", dirEntries(filepath.Join(d.execRoot, "b")), ids, false)
	sub("shim dir", dirEntries(filepath.Join(d.execRoot, "s")), run, true)
	sub("netns", dirEntries(filepath.Join(d.execRoot, "netns")), run, false)
	vols, _ := d.docker("", "volume", "ls", "-q")
	volNames := map[string]bool{}
	for _, v := range strings.Fields(vols) {
		volNames[v] = true
	}
	for _, e := range dirEntries(filepath.Join(d.root, "volumes")) {
		if !volNames[e] && !strings.HasSuffix(e, ".db") {
			t.Errorf("volume dir of no listed volume: %s", e)
		}
	}
	for _, p := range d.mountsUnderRoots() {
		owned := base[p]
		for id := range run {
			if strings.Contains(p, id) {
				owned = true
			}
		}
		if !owned {
			t.Errorf("mount left: %s", p)
		}
	}
	for _, f := range append(scratchLeft(d.root), dirEntries(filepath.Join(d.root, "builder", "tmp"))...) {
		t.Errorf("scratch file left: %s", f)
	}
	for _, f := range dirEntries(filepath.Join(d.root, "distribution", "partial")) {
		if strings.HasPrefix(f, "push-") {
			t.Errorf("push scratch file left: %s", f)
		}
	}
	blobs := filepath.Join(d.root, "content", "blobs", "sha256")
	for _, b := range dirEntries(blobs) {
		if got := fileSHA256(t, filepath.Join(blobs, b)); got != b {
			t.Errorf("blob %s is not whole (its content hashes to %s)", b, got)
		}
	}
	// Links: bridges of listed networks (found by their gateway
	// address), veths of running endpoints.
	nets, _ := d.docker("", "network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge")
	gateways := map[string]bool{}
	for _, id := range strings.Fields(nets) {
		out, _ := d.docker("", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", id)
		gateways[strings.TrimSpace(out)] = true
	}
	nVeth := 0
	links, _ := netlink.LinkList()
	present := map[string]bool{}
	for _, l := range links {
		name := l.Attrs().Name
		if !strings.HasPrefix(name, d.bridge) {
			continue
		}
		present[name] = true
		switch l.Type() {
		case "veth":
			nVeth++
		case "bridge":
			listed := false
			addrs, _ := netlink.AddrList(l, netlink.FAMILY_V4)
			for _, a := range addrs {
				listed = listed || gateways[a.IP.String()]
			}
			if !listed {
				t.Errorf("bridge %s of no listed network (gateways: %v)", name, gateways)
			}
		}
	}
	if nVeth != veths {
		t.Errorf("%d veths on the host, %d endpoints of running containers", nVeth, veths)
	}
	rules, err := exec.Command("nft", "list", "table", "ip", d.bridge).CombinedOutput()
	if err != nil {
		t.Fatalf("nft list table %s: %v %s", d.bridge, err, rules)
	}
	for _, m := range regexp.MustCompile(`"(`+d.bridge+`[^"]*)"`).FindAllStringSubmatch(string(rules), -1) {
		if !present[m[1]] && !strings.HasSuffix(m[1], "*") {
			t.Errorf("nftables rule names a link that does not exist: %s", m[1])
		}
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`dnat to ([0-9.]+):([0-9]+)`).FindAllStringSubmatch(string(rules), -1) {
		targets[m[1]+":"+m[2]] = true
		if !ips[m[1]] {
			t.Errorf("DNAT to %s, the address of no running container", m[1])
		}
	}
	if len(targets) != ports {
		t.Errorf("DNAT rules to %d container ports, %d published ports of running containers", len(targets), ports)
	}
	d.stop()
	sn, _, err := snapshot.New(filepath.Join(d.root, "snapshots"))
	if err != nil {
		t.Fatalf("snapshot store does not open: %v", err)
	}
	_ = sn.Walk(context.Background(), func(i snapshot.Info) error {
		if strings.HasPrefix(i.Key, snapshot.TempPrefix) {
			t.Errorf("scratch snapshot left: %s", i.Key)
		}
		if i.Kind == snapshot.KindActive && len(i.Key) == 64 && !ids[i.Key] {
			t.Errorf("container snapshot of no container: %s", i.Key)
		}
		return nil
	})
	sn.Close()
	d.start(nil)
}

// fileSHA256 returns the hex SHA-256 of the file at p.
func fileSHA256(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// exerciseAll uses every complete object: each image runs, each volume
// and user network takes a container, each container starts (or, running,
// runs an exec).
func (d *testDaemon) exerciseAll(t *testing.T) {
	t.Helper()
	imgs, _ := d.docker("", "images", "--format", "{{.Repository}}:{{.Tag}}")
	for _, ref := range strings.Fields(imgs) {
		if strings.Contains(ref, "<none>") {
			continue
		}
		if out, code := d.docker("", "run", "--rm", "--entrypoint", "true", ref); code != 0 {
			t.Errorf("image %s does not run: %d %s", ref, code, out)
		}
	}
	vols, _ := d.docker("", "volume", "ls", "-q")
	for _, v := range strings.Fields(vols) {
		if out, code := d.docker("", "run", "--rm", "-v", v+":/v", "busybox", "touch", "/v/x"); code != 0 {
			t.Errorf("volume %s is not usable: %d %s", v, code, out)
		}
	}
	nets, _ := d.docker("", "network", "ls", "--format", "{{.Name}}", "--filter", "type=custom")
	for _, n := range strings.Fields(nets) {
		if out, code := d.docker("", "run", "--rm", "--network", n, "busybox", "true"); code != 0 {
			t.Errorf("network %s is not usable: %d %s", n, code, out)
		}
	}
	for _, c := range d.containersNow(t) {
		if !c.State.Running {
			if out, code := d.docker("", "start", c.ID); code != 0 {
				t.Errorf("container %s does not start: %d %s", c.Name, code, out)
			}
			continue
		}
		if out, code := d.docker("", "exec", c.ID, "true"); code != 0 {
			t.Errorf("exec in running container %s: %d %s", c.Name, code, out)
		}
	}
}

// resetObjects removes what a case made: containers, user networks,
// volumes and the images besides busybox and the pushed one.
func (d *testDaemon) resetObjects(t *testing.T) {
	t.Helper()
	ids, _ := d.docker("", "ps", "-a", "-q")
	if f := strings.Fields(ids); len(f) > 0 {
		d.mustCLI(append([]string{"rm", "-f"}, f...)...)
	}
	d.mustCLI("network", "prune", "-f")
	d.mustCLI("volume", "prune", "-a", "-f")
	for _, ref := range []string{"bt-cp-built", "bt-cp-committed"} {
		_, _ = d.docker("", "rmi", ref)
	}
	left, _ := d.docker("", "ps", "-a", "-q")
	nets, _ := d.docker("", "network", "ls", "-q", "--filter", "type=custom")
	vols, _ := d.docker("", "volume", "ls", "-q")
	if s := strings.TrimSpace(left + nets + vols); s != "" {
		t.Fatalf("objects left after reset: %q", s)
	}
}

// sameMemoryLimit checks that bt-cp's recorded memory limit is the one its
// cgroup enforces (cgroup v1 or v2, as seen inside the container).
func sameMemoryLimit(t *testing.T, d *testDaemon) {
	t.Helper()
	rec := strings.TrimSpace(d.mustCLI("inspect", "-f", "{{.HostConfig.Memory}}", "bt-cp"))
	out, code := d.docker("", "exec", "bt-cp", "sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes")
	if code != 0 {
		t.Fatalf("read the memory limit: %d %s", code, out)
	}
	got := strings.TrimSpace(out)
	if rec == "0" && (got == "max" || len(got) >= 16) {
		return // no limit in either
	}
	if got != rec {
		t.Errorf("recorded memory limit %s, cgroup's %s", rec, got)
	}
}

// endpointNamed checks that the default network names the endpoint of the
// one container (renamed or not) as the container is named now.
func endpointNamed(t *testing.T, d *testDaemon) {
	t.Helper()
	name := strings.TrimSpace(d.mustCLI("ps", "-a", "--format", "{{.Names}}"))
	eps := strings.TrimSpace(d.mustCLI("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "bridge"))
	if eps != name {
		t.Errorf("container named %s, its endpoint %q", name, eps)
	}
}
