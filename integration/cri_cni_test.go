package integration

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Pods on a CNI network, set up by Debian's CNI plugins: berth writes its
// default configuration into an empty directory; on the test's own
// network each pod gets an address, reaches the other pod and a server
// beyond the host (masqueraded), and hostPort publishes a pod's port on
// the host's loopback; stopp undoes the
// plugins' work (the port rules, the address) and rmp finds nothing left.
func TestCRIPodNetwork(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	info := d.mustCrictl("info")
	if !regexp.MustCompile(`"status": true,\s+"type": "NetworkReady"`).MatchString(info) {
		t.Fatalf("crictl info: the network is not ready:\n%s", info)
	}
	def, err := os.ReadFile(filepath.Join(d.cniDir, "10-berth.conflist"))
	if err != nil {
		t.Fatalf("berth's default CNI configuration: %v", err)
	}
	for _, want := range []string{`"bridge": "` + d.bridge + `-cni"`, `"subnet": "10.89.0.0/16"`, `"type": "portmap"`, `"type": "firewall"`} {
		if !strings.Contains(string(def), want) {
			t.Fatalf("default configuration lacks %s:\n%s", want, def)
		}
	}

	// The test's own network, first in name order.
	ipam := filepath.Join(t.TempDir(), "ipam")
	conf, _ := json.Marshal(map[string]any{
		"cniVersion": "1.0.0", "name": "bt-pods",
		"plugins": []any{
			map[string]any{"type": "bridge", "bridge": d.bridge + "c", "isGateway": true, "ipMasq": true,
				"ipam": map[string]any{"type": "host-local", "dataDir": ipam, "ranges": [][]map[string]string{{{"subnet": "198.51.100.0/24"}}},
					"routes": []map[string]string{{"dst": "0.0.0.0/0"}}}},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "firewall"},
		},
	})
	mustWrite(t, filepath.Join(d.cniDir, "05-bt.conflist"), string(conf))

	port := freePort(t)
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "a.json"), `{"metadata":{"name":"a","namespace":"default","uid":"uid-a"},"hostname":"pod-a",
		"port_mappings":[{"protocol":0,"container_port":8080,"host_port":`+strconv.Itoa(port)+`,"host_ip":"127.0.0.1"}]}`)
	mustWrite(t, filepath.Join(dir, "b.json"), `{"metadata":{"name":"b","namespace":"default","uid":"uid-b"},"hostname":"pod-b"}`)
	mustWrite(t, filepath.Join(dir, "web.json"), `{"metadata":{"name":"web"},"image":{"image":"busybox"},"command":["httpd","-f","-p","8080","-h","/etc"]}`)
	mustWrite(t, filepath.Join(dir, "client.json"), `{"metadata":{"name":"client"},"image":{"image":"busybox"},"command":["sleep","1000"]}`)
	podA := d.mustCrictl("runp", filepath.Join(dir, "a.json"))
	podB := d.mustCrictl("runp", filepath.Join(dir, "b.json"))
	d.mustCrictl("start", d.mustCrictl("create", podA, filepath.Join(dir, "web.json"), filepath.Join(dir, "a.json")))
	client := d.mustCrictl("create", podB, filepath.Join(dir, "client.json"), filepath.Join(dir, "b.json"))
	d.mustCrictl("start", client)

	ipA, ipB := podIP(t, d, podA), podIP(t, d, podB)
	for _, ip := range []string{ipA, ipB} {
		if !strings.HasPrefix(ip, "198.51.100.") {
			t.Fatalf("pod addresses %s and %s, want them in the test network's 198.51.100.0/24", ipA, ipB)
		}
	}
	var out, errOut string
	deadline := time.Now().Add(30 * time.Second)
	for code := 1; code != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("pod b cannot reach pod a at %s: %d %s%s", ipA, code, out, errOut)
		}
		time.Sleep(200 * time.Millisecond)
		// (busybox-static's wget crashes on glibc's resolver; nc does not)
		out, errOut, code = d.crictl("exec", "-s", client, "sh", "-c", `printf 'GET /hostname HTTP/1.0\r\n\r\n' | nc -w 3 `+ipA+` 8080`)
		if code == 0 && !strings.Contains(out, "200 OK") {
			code = 1
		}
	}
	if !strings.Contains(out, "\r\n\r\npod-a\n") {
		t.Fatalf("pod b got %q from pod a", out)
	}
	if got := httpGet(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/hostname"); strings.TrimSpace(got) != "pod-a" {
		t.Fatalf("hostPort %d answered %q", port, got)
	}
	// The outside: a server beyond the host sees the host's address.
	o := startOutside(t, d.bridge)
	out, errOut, code := d.crictl("exec", "-s", client, "nc", "-w", "3", o.Addr, strconv.Itoa(o.Port))
	if code != 0 || strings.TrimSpace(out) != "from "+o.HostAddr {
		t.Fatalf("pod b to the outside: %d %q %s, want \"from %s\"", code, out, errOut, o.HostAddr)
	}

	d.mustCrictl("stopp", podA)
	if rules := natRules(t); strings.Contains(rules, podA) {
		t.Fatalf("pod a's port rules are left after stopp:\n%s", rules)
	}
	if _, err := os.Stat(filepath.Join(ipam, "bt-pods", ipA)); !os.IsNotExist(err) {
		t.Fatalf("pod a's address %s is still reserved after stopp: %v", ipA, err)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
		c.Close()
		t.Fatalf("hostPort %d still answers after stopp", port)
	}
	d.mustCrictl("rmp", podA)
	d.mustCrictl("rmp", "-f", podB)
	if _, err := os.Stat(filepath.Join(ipam, "bt-pods", ipB)); !os.IsNotExist(err) {
		t.Fatalf("pod b's address %s is still reserved after rmp: %v", ipB, err)
	}
}

// podIP is the address crictl inspectp reports for pod.
func podIP(t *testing.T, d *testDaemon, pod string) string {
	t.Helper()
	var st struct {
		Status struct{ Network struct{ IP string } }
	}
	if err := json.Unmarshal([]byte(d.mustCrictl("inspectp", pod)), &st); err != nil {
		t.Fatal(err)
	}
	return st.Status.Network.IP
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func natRules(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("iptables", "-t", "nat", "-S").CombinedOutput()
	if err != nil {
		t.Fatalf("iptables -t nat -S: %v %s", err, out)
	}
	return string(out)
}
