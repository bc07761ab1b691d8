package integration

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func (d *testDaemon) mustDocker(args ...string) string {
	d.t.Helper()
	out, code := d.docker("", args...)
	if code != 0 {
		d.t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, out)
	}
	return strings.TrimSpace(out)
}

// netAddr is the container's address on the network.
func (d *testDaemon) netAddr(ctr, network string) string {
	d.t.Helper()
	return d.mustDocker("inspect", "-f", `{{(index .NetworkSettings.Networks "`+network+`").IPAddress}}`, ctr)
}

func httpGetCmd(addr string, port int) []string {
	return []string{"sh", "-c", fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 %s %d`, addr, port)}
}

func webRoot(t *testing.T) string {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "index.html"), "hello-berth\n")
	return dir
}

// TestNetworkBridge: the default bridge with outbound NAT, published TCP
// and UDP ports on 127.0.0.1, the host's address and from containers
// (hairpin), `port`, ps and inspect, a clear error for a taken port, and
// release of everything on stop and removal.
func TestNetworkBridge(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.importBusybox()
	host := hostAddr(t)
	subnet := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", "bridge")
	gw := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge")

	out := d.mustDocker("run", "--rm", "--name", "probe", "busybox", "sh", "-c", "ip -o -4 addr show eth0; ip route; cat /etc/hosts")
	if !strings.Contains(out, "default via "+gw) || !strings.Contains(out, "eth0") {
		t.Fatalf("default bridge container (subnet %s, gateway %s):\n%s", subnet, gw, out)
	}

	// Outbound: the outside server sees the host's address (masquerade).
	o := startOutside(t, d.bridge)
	out = d.mustDocker("run", "--rm", "busybox", "nc", "-w", "3", o.Addr, fmt.Sprint(o.Port))
	if out != "from "+o.HostAddr {
		t.Fatalf("outbound through NAT: %q, want from %s", out, o.HostAddr)
	}

	// A server on the host's own address: reached from a container.
	hl, err := net.Listen("tcp4", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer hl.Close()
	go func() {
		for {
			c, err := hl.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "host-server")
			c.Close()
		}
	}()
	if out := d.mustDocker("run", "--rm", "busybox", "nc", "-w", "3", host, fmt.Sprint(hl.Addr().(*net.TCPAddr).Port)); out != "host-server" {
		t.Fatalf("container to a server on the host's address: %q", out)
	}

	// Published ports.
	hp, hp2, up := freePort(t), freePort(t), freePort(t)
	www := webRoot(t)
	d.mustDocker("run", "-d", "--name", "web", "-v", www+":/www:ro", "-p", fmt.Sprintf("%d:80", hp), "-p", fmt.Sprintf("127.0.0.1:%d:80", hp2),
		"busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	webIP := d.netAddr("web", "bridge")
	for _, a := range []string{fmt.Sprintf("127.0.0.1:%d", hp), fmt.Sprintf("%s:%d", host, hp), fmt.Sprintf("127.0.0.1:%d", hp2)} {
		var body string
		waitFor(t, 5*time.Second, "published port "+a, func() bool { body, _ = tcpRead(a); return strings.Contains(body, "hello-berth") })
	}
	if body, err := tcpRead(fmt.Sprintf("%s:%d", host, hp2)); err == nil && strings.Contains(body, "hello-berth") {
		t.Fatalf("port published on 127.0.0.1 answers on %s", host)
	}
	// Hairpin: another container through the host's address, and the
	// container itself.
	if out := d.mustDocker(append([]string{"run", "--rm", "busybox"}, httpGetCmd(host, hp)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("hairpin from a container: %q", out)
	}
	if out := d.mustDocker(append([]string{"exec", "web"}, httpGetCmd(host, hp)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("hairpin to itself: %q", out)
	}
	// Container to container on the default bridge, by address.
	if out := d.mustDocker(append([]string{"run", "--rm", "busybox"}, httpGetCmd(webIP, 80)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("container to container: %q", out)
	}
	ports := d.mustDocker("port", "web")
	if !strings.Contains(ports, fmt.Sprintf("80/tcp -> 0.0.0.0:%d", hp)) || !strings.Contains(ports, fmt.Sprintf("80/tcp -> 127.0.0.1:%d", hp2)) {
		t.Fatalf("port web: %q", ports)
	}
	if ps := d.mustDocker("ps", "--filter", "name=web", "--format", "{{.Ports}}"); !strings.Contains(ps, fmt.Sprintf("0.0.0.0:%d->80/tcp", hp)) {
		t.Fatalf("ps ports: %q", ps)
	}
	if ps := d.mustDocker("ps", "--filter", "publish=80", "--filter", "network=bridge", "--format", "{{.Names}}"); ps != "web" {
		t.Fatalf("ps --filter publish=80 network=bridge: %q", ps)
	}
	if ps := d.mustDocker("ps", "--filter", "publish=81", "--format", "{{.Names}}"); ps != "" {
		t.Fatalf("ps --filter publish=81: %q", ps)
	}
	if insp := d.mustDocker("inspect", "-f", "{{json .NetworkSettings.Ports}}", "web"); !strings.Contains(insp, fmt.Sprintf(`"HostPort":"%d"`, hp)) {
		t.Fatalf("inspect ports: %s", insp)
	}
	rulesBefore := portRules(t, d.bridge)

	// A taken host port: clear error, nothing half-networked.
	out, code := d.docker("", "run", "-d", "--name", "clash", "-p", fmt.Sprintf("%d:80", hp), "busybox", "sleep", "100")
	if code != 125 || !strings.Contains(out, "port is already allocated") {
		t.Fatalf("taken port: %d %q", code, out)
	}
	if st := d.mustDocker("inspect", "-f", "{{.State.Running}}", "clash"); st != "false" {
		t.Fatalf("clash running: %s", st)
	}
	if n := d.mustDocker("network", "inspect", "-f", "{{len .Containers}}", "bridge"); n != "1" {
		t.Fatalf("endpoints on bridge after failed start: %s", n)
	}
	if n := portRules(t, d.bridge); n != rulesBefore {
		t.Fatalf("port rules after failed start: %d, want %d", n, rulesBefore)
	}
	if _, err := os.Stat(filepath.Join(d.execRoot, "netns", d.mustDocker("inspect", "-f", "{{.Id}}", "clash"))); err == nil {
		t.Fatal("failed start left its network namespace")
	}

	// UDP and -P.
	echo := buildUDPEcho(t)
	d.mustDocker("run", "-d", "--name", "udp", "-v", echo+":/t:ro", "-p", fmt.Sprintf("%d:5000/udp", up), "busybox", "/t/udpecho", "5000")
	for _, a := range []string{fmt.Sprintf("127.0.0.1:%d", up), fmt.Sprintf("%s:%d", host, up)} {
		if got, err := udpAsk(a, "ping"); err != nil || got != "echo:ping" {
			t.Fatalf("udp %s: %q %v", a, got, err)
		}
	}
	d.mustDocker("run", "-d", "--name", "exp", "--expose", "7000", "-P", "-v", www+":/www:ro", "busybox", "httpd", "-f", "-p", "7000", "-h", "/www")
	ports = d.mustDocker("port", "exp", "7000/tcp")
	var eph int
	if _, err := fmt.Sscanf(strings.TrimPrefix(ports, "0.0.0.0:"), "%d", &eph); err != nil || eph == 0 {
		t.Fatalf("port exp 7000: %q", ports)
	}
	waitFor(t, 5*time.Second, "ephemeral port", func() bool {
		b, _ := tcpRead(fmt.Sprintf("127.0.0.1:%d", eph))
		return strings.Contains(b, "hello-berth")
	})

	// Ranges: a host range for one port takes the first free one; a range
	// onto a range maps port by port; 127.0.0.1:: is ephemeral on loopback.
	r0 := freePort(t)
	d.mustDocker("run", "-d", "--name", "rng", "-p", fmt.Sprintf("%d-%d:80", hp, hp+3), "-p", fmt.Sprintf("%d-%d:90-91", r0, r0+1), "-p", "127.0.0.1::7000", "busybox", "sleep", "300")
	ports = d.mustDocker("port", "rng")
	var got80 int
	if i := strings.Index(ports, "80/tcp -> 0.0.0.0:"); i >= 0 {
		fmt.Sscanf(ports[i+len("80/tcp -> 0.0.0.0:"):], "%d", &got80)
	}
	if got80 <= hp || got80 > hp+3 { // hp itself is web's
		t.Fatalf("port rng: 80/tcp on %d, want in %d-%d: %q", got80, hp+1, hp+3, ports)
	}
	for _, want := range []string{fmt.Sprintf("90/tcp -> 0.0.0.0:%d", r0), fmt.Sprintf("91/tcp -> 0.0.0.0:%d", r0+1), "7000/tcp -> 127.0.0.1:"} {
		if !strings.Contains(ports, want) {
			t.Fatalf("port rng: %q lacks %q", ports, want)
		}
	}
	d.mustDocker("rm", "-f", "rng")

	// Stop releases the port, the veth and the namespace.
	webID := d.mustDocker("inspect", "-f", "{{.Id}}", "web")
	d.mustDocker("stop", "-t", "1", "web")
	if !portFree(hp) {
		t.Fatalf("host port %d still held after stop", hp)
	}
	waitFor(t, 5*time.Second, "the stopped container's namespace to go", func() bool {
		_, err := os.Stat(filepath.Join(d.execRoot, "netns", webID))
		return err != nil
	})
	if ip := d.netAddr("web", "bridge"); ip != "" {
		t.Fatalf("stopped container still has address %s", ip)
	}
	// Its address is given out again.
	d.mustDocker("start", "web")
	waitFor(t, 5*time.Second, "restarted web", func() bool {
		b, _ := tcpRead(fmt.Sprintf("127.0.0.1:%d", hp))
		return strings.Contains(b, "hello-berth")
	})

	d.mustDocker("rm", "-f", "web", "udp", "exp", "clash")
	if n := portRules(t, d.bridge); n != 0 {
		t.Fatalf("port rules after removing every container: %d", n)
	}
	// The veths go with their namespaces, which the kernel tears down in
	// the background.
	waitFor(t, 10*time.Second, "veths to go", func() bool { return slices.Equal(berthLinks(d.bridge), []string{d.bridge}) })
}

// TestNetworkUser: user networks through both CLIs: create options,
// ls/inspect, isolation, --internal, --ip, connect/disconnect on a running
// container, rm of a network in use, overlap refused, cleanup.
func TestNetworkUser(t *testing.T) { forEachCLI(t, testNetworkUser) }

func testNetworkUser(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	o := startOutside(t, d.bridge)
	third := time.Now().UnixNano()%200 + 20
	subnet := fmt.Sprintf("10.214.%d.0/24", third)
	ipOf := func(n int) string { return fmt.Sprintf("10.214.%d.%d", third, n) }
	br := d.bridge + "u1"
	d.mustDocker("network", "create", "--subnet", subnet, "--gateway", ipOf(254), "--label", "role=test", "-o", "com.docker.network.bridge.name="+br, "net1")
	if out := d.mustDocker("network", "ls", "--format", "{{.Name}} {{.Driver}}"); !strings.Contains(out, "net1 bridge") || !strings.Contains(out, "bridge bridge") || !strings.Contains(out, "host host") || !strings.Contains(out, "none null") {
		t.Fatalf("network ls: %q", out)
	}
	if out := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{.Labels.role}}", "net1"); out != subnet+" "+ipOf(254)+" test" {
		t.Fatalf("network inspect: %q", out)
	}
	if !slices.Contains(berthLinks(br), br) {
		t.Fatalf("bridge %s not created", br)
	}
	if out, code := d.docker("", "network", "create", "--subnet", fmt.Sprintf("10.214.%d.128/25", third), "overlap"); code == 0 || !strings.Contains(out, "overlaps") {
		t.Fatalf("overlapping subnet: %d %q", code, out)
	}
	if out, code := d.docker("", "network", "create", "net1"); code == 0 || !strings.Contains(out, "already exists") {
		t.Fatalf("duplicate network: %d %q", code, out)
	}

	www := webRoot(t)
	d.mustDocker("run", "-d", "--name", "n1", "--network", "net1", "--ip", ipOf(10), "-v", www+":/www:ro", "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	if ip := d.netAddr("n1", "net1"); ip != ipOf(10) {
		t.Fatalf("--ip: %q", ip)
	}
	if out := d.mustDocker(append([]string{"run", "--rm", "--network", "net1", "busybox"}, httpGetCmd(ipOf(10), 80)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("same network: %q", out)
	}
	if out := d.mustDocker("run", "--rm", "--network", "net1", "busybox", "nc", "-w", "3", o.Addr, fmt.Sprint(o.Port)); out != "from "+o.HostAddr {
		t.Fatalf("user network outbound: %q", out)
	}
	// Embedded DNS: names, aliases, short IDs and hostnames on the network;
	// every other name forwarded to the upstream (--dns: the outside
	// server, reached from the daemon's namespace).
	d.mustDocker("run", "-d", "--name", "n3", "--network", "net1", "--network-alias", "web3", "--hostname", "h3", "-v", www+":/www:ro", "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	n3ID := d.mustDocker("inspect", "-f", "{{.Id}}", "n3")[:12]
	n3IP := d.netAddr("n3", "net1")
	for _, name := range []string{"n1", "n3", "web3", n3ID, "h3", "n3.net1"} {
		want := n3IP
		if name == "n1" {
			want = ipOf(10)
		}
		if out := d.mustDocker("run", "--rm", "--network", "net1", "busybox", "nslookup", name); !strings.Contains(out, "Address: "+want) {
			t.Fatalf("nslookup %s: %q, want %s", name, out, want)
		}
	}
	if out := d.mustDocker(append([]string{"run", "--rm", "--network", "net1", "busybox"}, httpGetCmd("web3", 80)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("by alias: %q", out)
	}
	d.mustDocker("rename", "n3", "n3new")
	if out := d.mustDocker("run", "--rm", "--network", "net1", "busybox", "nslookup", "n3new"); !strings.Contains(out, "Address: "+n3IP) {
		t.Fatalf("renamed container: %q", out)
	}
	if out, _ := d.docker("", "run", "--rm", "--network", "net1", "busybox", "nslookup", "n3"); strings.Contains(out, "Address: "+n3IP) {
		t.Fatalf("old name still answered: %q", out)
	}
	if out := d.mustDocker("run", "--rm", "--network", "net1", "--dns", o.Addr, "busybox", "nslookup", "outside.test"); !strings.Contains(out, "Address: 10.1.2.3") {
		t.Fatalf("forwarded name: %q", out)
	}
	if out, _ := d.docker("", "run", "--rm", "--network", "net1", "--dns", o.Addr, "busybox", "nslookup", "nosuch.test"); strings.Contains(out, "Address: 10.") {
		t.Fatalf("unknown name answered: %q", out)
	}
	d.mustDocker("network", "create", "net2")
	for _, args := range [][]string{{"--network", "net2"}, {}} {
		full := append(append([]string{"run", "--rm"}, args...), "busybox")
		if out, _ := d.docker("", append(full, httpGetCmd(ipOf(10), 80)...)...); strings.Contains(out, "hello-berth") {
			t.Fatalf("reached net1 from %v", args)
		}
	}
	d.mustDocker("network", "create", "--internal", "inet")
	if out, _ := d.docker("", "run", "--rm", "--network", "inet", "busybox", "nc", "-w", "2", o.Addr, fmt.Sprint(o.Port)); strings.Contains(out, "from") {
		t.Fatalf("internal network reached outside: %q", out)
	}
	if out, code := d.docker("", "network", "rm", "net1"); code == 0 || !strings.Contains(out, "active endpoints") {
		t.Fatalf("rm of a network in use: %d %q", code, out)
	}

	// connect / disconnect on a running container.
	d.mustDocker("run", "-d", "--name", "n2", "--network", "net2", "busybox", "sleep", "300")
	d.mustDocker("network", "connect", "--alias", "second", "net1", "n2")
	if out := d.mustDocker("exec", "n2", "ip", "-o", "-4", "addr", "show", "eth1"); !strings.Contains(out, "10.214.") {
		t.Fatalf("after connect: %q", out)
	}
	if out := d.mustDocker(append([]string{"exec", "n2"}, httpGetCmd("n1", 80)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("connected container to net1 by name: %q", out)
	}
	if out := d.mustDocker("run", "--rm", "--network", "net1", "busybox", "nslookup", "second"); !strings.Contains(out, "Address: 10.214.") {
		t.Fatalf("connect --alias: %q", out)
	}
	if out := d.mustDocker("network", "inspect", "-f", "{{len .Containers}}", "net1"); out != "3" {
		t.Fatalf("net1 endpoints after connect: %s", out)
	}
	d.mustDocker("network", "disconnect", "net1", "n2")
	if out, _ := d.docker("", "exec", "n2", "ip", "-o", "-4", "addr", "show", "eth1"); strings.Contains(out, "10.214.") {
		t.Fatalf("after disconnect: %q", out)
	}

	if out, _ := d.docker("", "run", "--rm", "--network", "net1", "busybox", "nslookup", "second"); strings.Contains(out, "Address: 10.214.") {
		t.Fatalf("alias still answered after disconnect: %q", out)
	}
	d.mustDocker("rm", "-f", "n1", "n2", "n3new")
	d.mustDocker("network", "rm", "net1")
	if slices.Contains(berthLinks(br), br) {
		t.Fatalf("bridge %s left after network rm", br)
	}
	out := d.mustDocker("network", "prune", "-f")
	if !strings.Contains(out, "net2") || !strings.Contains(out, "inet") {
		t.Fatalf("prune: %q", out)
	}
	// The veths go with their namespaces, which the kernel tears down in
	// the background.
	waitFor(t, 10*time.Second, "veths to go", func() bool { return slices.Equal(berthLinks(d.bridge), []string{d.bridge}) })
}

// TestNetworkModes: none, host, container:NAME; --ip needs a user subnet.
func TestNetworkModes(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.importBusybox()
	out := d.mustDocker("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
	if !strings.Contains(out, "lo") || strings.Contains(out, "eth0") {
		t.Fatalf("none: %q", out)
	}
	out = d.mustDocker("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link")
	if !strings.Contains(out, d.bridge) {
		t.Fatalf("host mode does not see the host's %s: %q", d.bridge, out)
	}
	d.mustDocker("run", "-d", "--name", "base", "--expose", "5432", "-e", "PGV=15", "busybox", "sleep", "300")
	ip := d.netAddr("base", "bridge")
	out = d.mustDocker("run", "--rm", "--network", "container:base", "busybox", "ip", "-o", "-4", "addr", "show", "eth0")
	if !strings.Contains(out, ip+"/") {
		t.Fatalf("container:base does not share %s: %q", ip, out)
	}
	// --link and host-gateway on the default bridge: /etc/hosts lines
	// with the linked container's and the gateway's addresses.
	gw := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge")
	out = d.mustDocker("run", "--rm", "--link", "base:db", "--add-host", "gw.test:host-gateway", "busybox", "sh", "-c", "cat /etc/hosts; ping -c1 -W2 db")
	if !strings.Contains(out, ip+"\tdb ") && !strings.Contains(out, ip+"\tdb\n") || !strings.Contains(out, gw+"\tgw.test") || !strings.Contains(out, "1 packets received") {
		t.Fatalf("--link/--add-host (base %s, gateway %s):\n%s", ip, gw, out)
	}
	// Docker's link variables, in run and in exec; the container's own
	// -e wins.
	d.mustDocker("run", "-d", "--name", "linker", "--link", "base:db", "-e", "DB_ENV_PGV=mine", "busybox", "sleep", "300")
	for _, out := range []string{d.mustDocker("exec", "linker", "env"), d.mustDocker("run", "--rm", "--name", "linker2", "--link", "base:db", "busybox", "env")} {
		for _, want := range []string{"DB_PORT=tcp://" + ip + ":5432", "DB_PORT_5432_TCP_ADDR=" + ip, "DB_PORT_5432_TCP_PORT=5432", "DB_PORT_5432_TCP_PROTO=tcp", "DB_NAME=/linker"} {
			if !strings.Contains(out, want) {
				t.Errorf("link variables lack %s:\n%s", want, out)
			}
		}
		if strings.Contains(out, "DB_ENV_PATH=") || !strings.Contains(out, "DB_ENV_PGV=") {
			t.Errorf("link ENV variables:\n%s", out)
		}
	}
	if out := d.mustDocker("exec", "linker", "env"); !strings.Contains(out, "DB_ENV_PGV=mine") || !strings.Contains(out, "DB_NAME=/linker/db") {
		t.Errorf("linker's env:\n%s", out)
	}
	if out, code := d.docker("", "run", "--rm", "--ip", "172.17.9.9", "busybox", "true"); code != 125 || !strings.Contains(out, "user configured subnets") {
		t.Fatalf("--ip on the default bridge: %d %q", code, out)
	}
	// An unknown network fails the start, not the create, as in dockerd
	// (the docker CLI answers a 404 at create by pulling the image).
	if out, code := d.docker("", "run", "--network", "nosuchnet", "busybox", "true"); code != 125 || !strings.Contains(out, "network nosuchnet not found") || strings.Contains(out, "Unable to find image") {
		t.Fatalf("unknown network: %d %s", code, out)
	}
}

// TestNetworkLiveRestore: published ports keep working while the daemon
// is down and after it comes back; the host port stays reserved.
func TestNetworkLiveRestore(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.importBusybox()
	hp := freePort(t)
	www := webRoot(t)
	d.mustDocker("run", "-d", "--name", "web", "-v", www+":/www:ro", "-p", fmt.Sprintf("%d:80", hp), "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	addr := fmt.Sprintf("127.0.0.1:%d", hp)
	waitFor(t, 5*time.Second, "published port", func() bool { b, _ := tcpRead(addr); return strings.Contains(b, "hello-berth") })
	d.kill9()
	if b, _ := tcpRead(addr); !strings.Contains(b, "hello-berth") {
		t.Fatalf("published port while the daemon is down: %q", b)
	}
	d.start(nil)
	if b, _ := tcpRead(addr); !strings.Contains(b, "hello-berth") {
		t.Fatalf("published port after restart: %q", b)
	}
	if portFree(hp) {
		t.Fatal("host port not reserved again after restart")
	}
	if n := portRules(t, d.bridge); n != 1 {
		t.Fatalf("port rules after restart: %d", n)
	}
	// The embedded DNS comes back too: the tables for new containers, the
	// server inside a container that ran across the restart.
	d.mustDocker("network", "create", "app")
	d.mustDocker("run", "-d", "--name", "db", "--network", "app", "--network-alias", "database", "busybox", "sleep", "300")
	d.mustDocker("run", "-d", "--name", "cl", "--network", "app", "busybox", "sleep", "300")
	dbIP := d.netAddr("db", "app")
	d.stop()
	d.start(nil)
	if out := d.mustDocker("run", "--rm", "--network", "app", "busybox", "nslookup", "database"); !strings.Contains(out, "Address: "+dbIP) {
		t.Fatalf("DNS for a new container after restart: %q", out)
	}
	if out := d.mustDocker("exec", "cl", "nslookup", "db"); !strings.Contains(out, "Address: "+dbIP) {
		t.Fatalf("DNS inside a restored container: %q", out)
	}
	d.mustDocker("rm", "-f", "web", "db", "cl")
	if n := portRules(t, d.bridge); n != 0 || !portFree(hp) {
		t.Fatalf("after rm: %d rules, port free %v", n, portFree(hp))
	}
}

// TestNetworkICC: icc=false blocks containers of the default bridge from
// each other, not from the outside.
func TestNetworkICC(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.stop()
	d.args = append(d.args, "--icc=false")
	d.start(nil)
	d.importBusybox()
	www := webRoot(t)
	d.mustDocker("run", "-d", "--name", "web", "-v", www+":/www:ro", "busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	ip := d.netAddr("web", "bridge")
	if out, _ := d.docker("", append([]string{"run", "--rm", "busybox"}, httpGetCmd(ip, 80)...)...); strings.Contains(out, "hello-berth") {
		t.Fatalf("icc=false: reached %s", ip)
	}
	// Through the gateway (layer 3, routed by the host) it is blocked too.
	gw := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge")
	routed := fmt.Sprintf(`ip route add %s/32 via %s && printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 %s 80; echo done`, ip, gw, ip)
	if out, _ := d.docker("", "run", "--rm", "--cap-add", "NET_ADMIN", "busybox", "sh", "-c", routed); strings.Contains(out, "hello-berth") || !strings.Contains(out, "done") {
		t.Fatalf("icc=false: reached %s through the gateway: %q", ip, out)
	}
	o := startOutside(t, d.bridge)
	if out := d.mustDocker("run", "--rm", "busybox", "nc", "-w", "3", o.Addr, fmt.Sprint(o.Port)); out != "from "+o.HostAddr {
		t.Fatalf("icc=false outbound: %q", out)
	}
}
