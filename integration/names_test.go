package integration

import (
	"net/netip"
	"os"
	"strings"
	"testing"
)

// defaultHosts are the first lines of a container's /etc/hosts, as Docker's.
const defaultHosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n" +
	"ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"

// hostResolv returns the host's resolv.conf lines a container inherits:
// nameserver lines (without loopback ones when private), then search and
// options lines. It reads only the simple forms the host file uses.
func hostResolv(t *testing.T, private bool) (ns []string, search, options string) {
	t.Helper()
	data, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	var opts []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			a, err := netip.ParseAddr(f[1])
			if err != nil || private && a.IsLoopback() {
				continue
			}
			ns = append(ns, "nameserver "+a.String()+"\n")
		case "search", "domain":
			search = "search " + strings.Join(f[1:], " ") + "\n"
		case "options":
			opts = append(opts, f[1:]...)
		}
	}
	if len(opts) > 0 {
		options = "options " + strings.Join(opts, " ") + "\n"
	}
	return ns, search, options
}

// TestNameFilesNone: /etc/hosts, /etc/resolv.conf and /etc/hostname of a
// container with --network none, with and without the name options, and
// the errors of bad ones.
func TestNameFilesNone(t *testing.T) { forEachCLI(t, testNameFilesNone) }

func testNameFilesNone(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	const show = "cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hostname"
	out, code := d.docker("", "run", "--rm", "--network", "none", "--hostname", "h1",
		"--add-host", "db:10.0.0.5", "--add-host", "v6=[2001:db8::1]",
		"--dns", "192.0.2.53", "--dns", "2001:db8::53", "--dns-search", "x.example", "--dns-option", "ndots:2", "--dns-option", "timeout:1",
		"busybox", "sh", "-c", show)
	want := defaultHosts + "10.0.0.5\tdb\n2001:db8::1\tv6\n---\n" +
		"nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch x.example\noptions ndots:2 timeout:1\n---\nh1\n"
	if code != 0 || out != want {
		t.Fatalf("name options: %d\n%s\nwant:\n%s", code, out, want)
	}

	// Without options: the host's resolvers minus loopback ones (a private
	// namespace cannot reach them), never a public fallback.
	ns, search, options := hostResolv(t, true)
	out, code = d.docker("", "run", "--rm", "--network", "none", "busybox", "sh", "-c", show)
	want = defaultHosts + "---\n" + strings.Join(ns, "") + search + options + "---\n"
	if code != 0 || !strings.HasPrefix(out, want) || strings.Count(out, "\n") != strings.Count(want, "\n")+1 {
		t.Fatalf("defaults: %d\n%s\nwant:\n%s<short id>", code, out, want)
	}
	if !strings.Contains(strings.Join(ns, ""), "8.8.8.8") && strings.Contains(out, "8.8.8.8") {
		t.Errorf("public resolver written: %s", out)
	}
	out, code = d.docker("", "run", "--rm", "--network", "none", "--dns-search", ".", "busybox", "cat", "/etc/resolv.conf")
	if code != 0 || strings.Contains(out, "search") {
		t.Errorf("--dns-search .: %d %q", code, out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--add-host", "nocolon"}, `bad format for add-host: "nocolon"`},
		{[]string{"--add-host", "db:notanip"}, `invalid IP address in add-host: "notanip"`},
		{[]string{"--dns", "bogus"}, "bogus"},
		{[]string{"--link", "bt-nosuch:x"}, "could not get container for bt-nosuch"},
	} {
		args := append(append([]string{"run", "--rm", "--network", "none"}, c.args...), "busybox", "true")
		out, code := d.docker("", args...)
		if code != 125 || !strings.Contains(out, c.want) {
			t.Errorf("%v: %d %q, want 125 and %q", c.args, code, out, c.want)
		}
	}

	// --link: the target must exist and not be in the host's namespace; a
	// target without an address on the default bridge gets no hosts line
	// (as with Docker 20.10, checked side by side).
	if out, code := d.docker("", "run", "-d", "--name", "bt-target", "--network", "none", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run target: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--network", "none", "--link", "bt-target:db", "busybox", "cat", "/etc/hosts")
	if code != 0 || out != defaultHosts {
		t.Errorf("--link to an addressless container: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--network", "host", "--link", "bt-target:db", "busybox", "true")
	if code != 125 || !strings.Contains(out, "conflicting options: host type networking can't be used with links") {
		t.Errorf("--link with --network host: %d %q", code, out)
	}
	if out, code := d.docker("", "create", "--name", "bt-stopped", "--network", "none", "busybox", "true"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	// A stopped target is refused on the default bridge only (Docker 20.10
	// checks it there only too).
	out, code = d.docker("", "run", "--rm", "--network", "none", "--link", "bt-stopped:s", "busybox", "true")
	if code != 0 {
		t.Errorf("--network none --link to a stopped container: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--network", "bridge", "--link", "bt-stopped:s", "busybox", "true")
	if code == 0 || !strings.Contains(out, "Cannot link to a non running container: /bt-stopped AS") {
		t.Errorf("--network bridge --link to a stopped container: %d %q", code, out)
	}
}

// TestNameFilesHost: --network host gets the host's hosts file (plus
// --add-host lines, host-gateway mapped to the daemon's host-gateway-ip),
// the host's resolvers as they are and the host's name; the daemon's
// --dns-search is the default of every container.
func TestNameFilesHost(t *testing.T) { forEachCLI(t, testNameFilesHost) }

func testNameFilesHost(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.stop()
	d.args = append(d.args, "--host-gateway-ip", "192.0.2.1", "--dns-search", "daemon.example")
	d.start(nil)
	d.importBusybox()
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) > 0 && hosts[len(hosts)-1] != '\n' {
		hosts = append(hosts, '\n')
	}
	hn, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	ns, _, options := hostResolv(t, false)
	out, code := d.docker("", "run", "--rm", "--network", "host", "--add-host", "db:10.0.0.5", "--add-host", "gw:host-gateway",
		"busybox", "sh", "-c", "cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hostname")
	want := string(hosts) + "10.0.0.5\tdb\n192.0.2.1\tgw\n---\n" + strings.Join(ns, "") + "search daemon.example\n" + options + "---\n" + hn + "\n"
	if code != 0 || out != want {
		t.Fatalf("network host: %d\n%s\nwant:\n%s", code, out, want)
	}
	out, code = d.docker("", "run", "--rm", "--network", "none", "--add-host", "gw=host-gateway", "busybox", "sh", "-c", "grep gw /etc/hosts; grep search /etc/resolv.conf")
	if code != 0 || out != "192.0.2.1\tgw\nsearch daemon.example\n" {
		t.Errorf("none with daemon defaults: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--network", "none", "--dns-search", "mine.example", "busybox", "grep", "search", "/etc/resolv.conf")
	if code != 0 || out != "search mine.example\n" {
		t.Errorf("container --dns-search over the daemon's: %d %q", code, out)
	}
}
