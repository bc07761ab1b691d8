package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth/berth/internal/testutil"
)

// testRegistry is Debian's docker-registry (the CNCF distribution
// registry) on 127.0.0.1, started by a test.
type testRegistry struct {
	host   string // 127.0.0.1:port
	caCert string // PEM of the CA that signed its certificate (TLS only)
	pkiDir string // with TLS: ca.pem, client.cert and client.key
}

type registryOpts struct {
	user, password string // htpasswd basic auth when set
	tls            bool   // serve HTTPS with a certificate from a test CA
	clientCerts    bool   // with tls: require a client certificate from that CA
	tokenRealm     string // Bearer token auth: the token server's URL
	tokenCerts     string // the bundle that signs the tokens
}

// startRegistry starts a registry with a temp config and storage; it is
// stopped when t ends. A missing binary is a failure.
func startRegistry(t *testing.T, o registryOpts) *testRegistry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatalf("docker-registry is required (apt-get install docker-registry): %v", err)
	}
	dir := t.TempDir()
	port := freePort(t)
	r := &testRegistry{host: fmt.Sprintf("127.0.0.1:%d", port)}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), r.host)
	if o.tls {
		ca, cert, key := makeTestCA(t, dir, "127.0.0.1")
		r.caCert, r.pkiDir = ca, dir
		cfg += fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\n", cert, key)
		if o.clientCerts {
			cfg += fmt.Sprintf("    clientcas:\n      - %s\n", filepath.Join(dir, "ca.pem"))
		}
	}
	if o.user != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(o.password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(dir, "htpasswd"), o.user+":"+string(hash)+"\n")
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: bt-realm\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	}
	if o.tokenRealm != "" {
		cfg += fmt.Sprintf("auth:\n  token:\n    realm: %s\n    service: bt-registry\n    issuer: bt-issuer\n    rootcertbundle: %s\n", o.tokenRealm, o.tokenCerts)
	}
	mustWrite(t, filepath.Join(dir, "config.yml"), cfg)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			t.Logf("registry log:\n%s", data)
		}
	})
	waitFor(t, 15*time.Second, "registry", func() bool {
		c, err := net.DialTimeout("tcp", r.host, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return r
}

// makeTestCA writes a CA and a server certificate for ip into dir and
// returns the CA's PEM and the paths of the certificate and its key.
func makeTestCA(t *testing.T, dir, ip string) (string, string, string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bt test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	// A client pair from the same CA, for registries that require one.
	ckey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ctpl := &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "bt client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	cder, err := x509.CreateCertificate(rand.Reader, ctpl, caCert, &ckey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ckb, _ := x509.MarshalECPrivateKey(ckey)
	mustWrite(t, filepath.Join(dir, "client.cert"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cder})))
	mustWrite(t, filepath.Join(dir, "client.key"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ckb})))
	mustWrite(t, filepath.Join(dir, "ca.pem"), caPEM)
	mustWrite(t, filepath.Join(dir, "server.crt"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	mustWrite(t, filepath.Join(dir, "server.key"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	return caPEM, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
}

// reconfigure merges keys into the daemon's daemon.json and restarts it.
func (d *testDaemon) reconfigure(keys map[string]any) {
	d.t.Helper()
	var path string
	for i, a := range d.args {
		if a == "--config-file" && i+1 < len(d.args) {
			path = d.args[i+1]
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		d.t.Fatal(err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal(data, &cfg); err != nil {
		d.t.Fatal(err)
	}
	for k, v := range keys {
		cfg[k] = v
	}
	data, _ = json.Marshal(cfg)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		d.t.Fatal(err)
	}
	d.stop()
	d.start(nil)
}

// mustDocker runs the CLI and fails the test on a non-zero exit.
func (d *testDaemon) mustCLI(args ...string) string {
	d.t.Helper()
	out, code := d.docker("", args...)
	if code != 0 {
		d.t.Fatalf("%s %s: exit %d: %s", d.cli, strings.Join(args, " "), code, out)
	}
	return out
}

// makeLayeredImage commits two layers of random data (sizes in KiB) on
// busybox as ref; each layer also gets a marker file /lN.
func (d *testDaemon) makeLayeredImage(ref string, kib ...int) {
	d.t.Helper()
	d.importBusybox()
	base := "busybox"
	for i, k := range kib {
		name := fmt.Sprintf("bt-mk-%s-%d", randHex(3), i)
		d.mustCLI("run", "--name", name, base, "sh", "-c", fmt.Sprintf("dd if=/dev/urandom of=/data%d bs=1024 count=%d 2>/dev/null && echo layer%d > /l%d", i, k, i, i))
		target := ref
		if i < len(kib)-1 {
			target = fmt.Sprintf("bt-mk-tmp%d:%s", i, randHex(3))
		}
		d.mustCLI("commit", name, target)
		d.mustCLI("rm", name)
		base = target
	}
}

// httpGetOK reports whether GET url answers 200 (with optional basic auth).
func httpGetOK(url, user, pass string) bool {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// startDockerPeer starts Debian's dockerd privately and returns a function
// running the docker CLI against it.
func startDockerPeer(t *testing.T) func(args ...string) (string, error) {
	t.Helper()
	host := testutil.StartDocker(t)
	cfgDir := t.TempDir()
	return func(args ...string) (string, error) {
		cmd := exec.Command("docker", append([]string{"-H", host}, args...)...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+cfgDir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// startDockerWithBusybox starts Debian's dockerd privately with busybox
// imported as busybox:latest, and returns its host.
func startDockerWithBusybox(t *testing.T) string {
	t.Helper()
	host := testutil.StartDocker(t)
	rootfs := t.TempDir()
	testutil.BusyboxRootfs(t, rootfs)
	imp := exec.Command("sh", "-c", "tar -C "+rootfs+" -c . | docker import -c 'CMD [\"sh\"]' - busybox:latest")
	imp.Env = append(os.Environ(), "DOCKER_HOST="+host)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v %s", err, out)
	}
	return host
}

// removeAllImages deletes every image (and so every layer).
func (d *testDaemon) removeAllImages() {
	d.t.Helper()
	d.mustCLI("image", "prune", "-a", "-f")
	if out := d.mustCLI("images", "-q"); strings.TrimSpace(out) != "" {
		d.t.Fatalf("images left after prune: %s", out)
	}
}
