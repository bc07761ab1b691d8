package integration

import (
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// inNS runs fn on a locked thread inside the named network namespace.
func inNS(t *testing.T, name string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	ns, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := netns.Set(ns); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic(err) // never leave the thread in the test namespace
		}
	}()
	fn()
}

// nsIP runs `ip ARGS` in the named namespace.
func nsIP(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"netns", "exec", name, "ip"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v in %s: %v: %s", args, name, err, out)
	}
}

// TestNetworkLANAttackCVE_2020_8558: a host of the LAN (a namespace joined
// to the host by a veth, routing the container subnet, the host's main
// address and 127.0.0.1 through the host) reaches a container only through
// its published port: not its unpublished port, not its address directly,
// not a port published on 127.0.0.1, not a port published on an address of
// another interface (that one answers from the host and from containers). A container, even with NET_ADMIN and a route of its own,
// does not reach a service the host binds to 127.0.0.1. Replies of the
// containers' own connections still come back.
func TestNetworkLANAttackCVE_2020_8558(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.importBusybox()
	www := webRoot(t)
	hp, lp := freePort(t), freePort(t)
	d.mustDocker("run", "-d", "--name", "web", "-v", www+":/www:ro", "-p", fmt.Sprintf("%d:80", hp), "-p", fmt.Sprintf("127.0.0.1:%d:80", lp),
		"busybox", "sh", "-c", "httpd -p 8081 -h /www; exec httpd -f -p 80 -h /www")
	webIP := d.netAddr("web", "bridge")
	// A port published on the host's main address only.
	host, ap := hostAddr(t), freePort(t)
	d.mustDocker("run", "-d", "--name", "web2", "-v", www+":/www:ro", "-p", fmt.Sprintf("%s:%d:80", host, ap),
		"busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	subnet := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", "bridge")
	gw := d.mustDocker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge")
	o := startOutside(t, d.bridge)
	nsIP(t, o.NS, "route", "add", subnet, "via", o.HostAddr)
	nsIP(t, o.NS, "route", "add", host+"/32", "via", o.HostAddr)
	// 127.0.0.1 routed to the host, as an attacker on the LAN can.
	nsIP(t, o.NS, "route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local")
	nsIP(t, o.NS, "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local")
	nsIP(t, o.NS, "route", "add", "127.0.0.1/32", "via", o.HostAddr)
	if out, err := exec.Command("ip", "netns", "exec", o.NS, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1").CombinedOutput(); err != nil {
		t.Fatalf("route_localnet in %s: %v: %s", o.NS, err, out)
	}
	waitFor(t, 5*time.Second, "published port on 127.0.0.1", func() bool {
		body, _ := tcpRead(fmt.Sprintf("127.0.0.1:%d", lp))
		return strings.Contains(body, "hello-berth")
	})
	fromLAN := func(addr string) string {
		var body string
		inNS(t, o.NS, func() { body, _ = tcpRead(addr) })
		return body
	}
	if body := fromLAN(fmt.Sprintf("%s:%d", o.HostAddr, hp)); !strings.Contains(body, "hello-berth") {
		t.Fatalf("LAN to the published port: %q", body)
	}
	for _, a := range []string{
		webIP + ":8081",                 // unpublished port
		webIP + ":80",                   // the container's address, not the published port
		fmt.Sprintf("127.0.0.1:%d", lp), // published on 127.0.0.1 only
		fmt.Sprintf("%s:%d", o.HostAddr, lp),
		fmt.Sprintf("%s:%d", host, ap), // published on an address of another interface
	} {
		if body := fromLAN(a); strings.Contains(body, "hello-berth") {
			t.Errorf("LAN reached %s", a)
		}
	}
	// That port answers from the host itself and from a container.
	if body, _ := tcpRead(fmt.Sprintf("%s:%d", host, ap)); !strings.Contains(body, "hello-berth") {
		t.Fatalf("host to its own address's port: %q", body)
	}
	if out := d.mustDocker(append([]string{"run", "--rm", "busybox"}, httpGetCmd(host, ap)...)...); !strings.Contains(out, "hello-berth") {
		t.Fatalf("container to the host address's port: %q", out)
	}
	// Established flows still return: the container's own connection out.
	if out := d.mustDocker("run", "--rm", "busybox", "nc", "-w", "3", o.Addr, fmt.Sprint(o.Port)); out != "from "+o.HostAddr {
		t.Fatalf("outbound: %q", out)
	}

	// A service on the host's 127.0.0.1, reached from a container that
	// routes 127.0.0.1 to its gateway (the bridge has route_localnet on:
	// it has a port published on 127.0.0.1).
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "host-loopback-secret")
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	script := fmt.Sprintf("ip route del local 127.0.0.1 dev lo table local; ip route del local 127.0.0.0/8 dev lo table local; "+
		"ip route add 127.0.0.1/32 via %s && nc -w 3 127.0.0.1 %d; echo done", gw, port)
	out, _ := d.docker("", "run", "--rm", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW", "--sysctl", "net.ipv4.conf.all.route_localnet=1",
		"--sysctl", "net.ipv4.conf.eth0.route_localnet=1", "busybox", "sh", "-c", script)
	if strings.Contains(out, "host-loopback-secret") || !strings.Contains(out, "done") {
		t.Fatalf("container to the host's 127.0.0.1: %q", out)
	}
}

// TestNetworkInternalDNSCVE_2024_29018: a container whose only networks
// are --internal never forwards a DNS question outside, whether it started
// so or was disconnected from its other network after start; connecting it
// again to a network with a way out forwards again. The outside resolver
// (a namespace of the test's own) counts the questions it gets.
func TestNetworkInternalDNSCVE_2024_29018(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.importBusybox()
	o := startOutside(t, d.bridge)
	d.mustDocker("network", "create", "ext")
	d.mustDocker("network", "create", "--internal", "inet")
	d.mustDocker("run", "-d", "--name", "cdns", "--network", "ext", "--dns", o.Addr, "busybox", "sleep", "300")
	d.mustDocker("network", "connect", "inet", "cdns")
	lookup := func(ctr string) string {
		out, _ := d.docker("", "exec", ctr, "nslookup", "outside.test")
		return out
	}
	if out := lookup("cdns"); !strings.Contains(out, "10.1.2.3") || o.Queries() == 0 {
		t.Fatalf("with a way out: %q (%d questions upstream)", out, o.Queries())
	}
	d.mustDocker("network", "disconnect", "ext", "cdns")
	before := o.Queries()
	if out := lookup("cdns"); strings.Contains(out, "10.1.2.3") || o.Queries() != before {
		t.Fatalf("after disconnect from ext: %q, %d questions upstream", out, o.Queries()-before)
	}
	d.mustDocker("run", "-d", "--name", "only", "--network", "inet", "--dns", o.Addr, "busybox", "sleep", "300")
	if out := lookup("only"); strings.Contains(out, "10.1.2.3") || o.Queries() != before {
		t.Fatalf("started on inet only: %q, %d questions upstream", out, o.Queries()-before)
	}
	d.mustDocker("network", "connect", "ext", "cdns")
	if out := lookup("cdns"); !strings.Contains(out, "10.1.2.3") {
		t.Fatalf("connected again: %q", out)
	}
}
