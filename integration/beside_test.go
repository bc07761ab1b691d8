package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/network/firewall"
	"github.com/berth/berth/internal/testutil"
)

// berthForwardRules lists the rules of iptables' FORWARD chain that carry
// the comment of the daemon whose table is table.
func berthForwardRules(t *testing.T, table string) []string {
	t.Helper()
	out, err := exec.Command("iptables", "-S", "FORWARD").CombinedOutput()
	if err != nil {
		t.Fatalf("iptables -S FORWARD: %v: %s", err, out)
	}
	var rules []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, `"`+firewall.ForeignTag(table)+`"`) {
			rules = append(rules, l)
		}
	}
	return rules
}

// TestBesideDockerStartedAfter: Debian's dockerd starting after berth, and
// restarting, sets iptables' FORWARD policy to DROP and loads br_netfilter;
// berth's containers keep reaching each other on the default bridge and on
// a user network (by alias), the outside through NAT, and their published
// port. berth's only change to the FORWARD chain is one accept rule of its
// mark, gone with berth's networks. (Runs on a host without another engine:
// the whole suite's second pass runs beside a dockerd started first.)
func TestBesideDockerStartedAfter(t *testing.T) {
	if os.Getenv("BERTH_TEST_BESIDE") != "" {
		t.Fatal("this test starts its own dockerd: run it without BERTH_TEST_BESIDE")
	}
	var h *testutil.HostDocker
	t.Cleanup(func() {
		if h != nil {
			h.Stop()
		}
	})
	var table string
	t.Cleanup(func() {
		if left := berthForwardRules(t, table); len(left) != 0 {
			t.Errorf("berth's FORWARD rules left after its networks went: %v", left)
		}
	})
	d := startDaemonCLI(t, "docker")
	table = d.bridge
	d.importBusybox()
	www := webRoot(t)
	hp := freePort(t)
	d.mustDocker("network", "create", "app")
	d.mustDocker("run", "-d", "--name", "web", "--network", "app", "--network-alias", "www", "-v", www+":/www:ro",
		"busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	d.mustDocker("run", "-d", "--name", "web0", "-p", fmt.Sprintf("%d:80", hp), "-v", www+":/www:ro",
		"busybox", "httpd", "-f", "-p", "80", "-h", "/www")
	web0 := d.netAddr("web0", "bridge")
	o := startOutside(t, d.bridge)
	host := hostAddr(t)
	check := func(when string) {
		t.Helper()
		for _, c := range []struct {
			what string
			args []string
			want string
		}{
			{"container to container, user network, by alias", append([]string{"run", "--rm", "--network", "app", "busybox"}, httpGetCmd("www", 80)...), "hello-berth"},
			{"container to container, default bridge", append([]string{"run", "--rm", "busybox"}, httpGetCmd(web0, 80)...), "hello-berth"},
			{"outbound NAT, default bridge", []string{"run", "--rm", "busybox", "nc", "-w", "3", o.Addr, fmt.Sprint(o.Port)}, "from " + o.HostAddr},
			{"outbound NAT, user network", []string{"run", "--rm", "--network", "app", "busybox", "nc", "-w", "3", o.Addr, fmt.Sprint(o.Port)}, "from " + o.HostAddr},
			{"hairpin to the published port", append([]string{"run", "--rm", "busybox"}, httpGetCmd(host, hp)...), "hello-berth"},
		} {
			if out, code := d.docker("", c.args...); code != 0 || !strings.Contains(out, c.want) {
				t.Fatalf("%s: %s: exit %d: %q", when, c.what, code, out)
			}
		}
		for _, a := range []string{fmt.Sprintf("127.0.0.1:%d", hp), fmt.Sprintf("%s:%d", host, hp)} {
			if body, err := tcpRead(a); !strings.Contains(body, "hello-berth") {
				t.Fatalf("%s: published port %s: %q %v", when, a, body, err)
			}
		}
	}
	check("before dockerd")

	var err error
	if h, err = testutil.StartHostDocker(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "berth's accept rule in FORWARD", func() bool { return len(berthForwardRules(t, table)) == 1 })
	check("dockerd started after berth")
	if err := h.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "berth's accept rule in FORWARD", func() bool { return len(berthForwardRules(t, table)) == 1 })
	check("dockerd restarted")
	out, _ := exec.Command("iptables", "-S", "FORWARD").CombinedOutput()
	if !strings.HasPrefix(string(out), "-P FORWARD DROP") || !strings.Contains(string(out), "-j DOCKER-USER") {
		t.Fatalf("dockerd's FORWARD chain changed:\n%s", out)
	}
}
