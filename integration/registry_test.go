package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// TestRegistryPushPullRun pushes an image of several layers to a real
// registry, removes it, pulls it back (progress as docker prints it) and
// runs it; skopeo validates the pushed manifest.
func TestRegistryPushPullRun(t *testing.T) {
	forEachCLI(t, func(t *testing.T, cli string) {
		reg := startRegistry(t, registryOpts{})
		d := startDaemonCLI(t, cli)
		ref := reg.host + "/bt/app:v1"
		d.makeLayeredImage(ref, 1024, 512)
		out := d.mustCLI("push", ref)
		for _, want := range []string{"The push refers to repository [" + reg.host + "/bt/app]", "Pushed", "v1: digest: sha256:"} {
			if !strings.Contains(out, want) {
				t.Fatalf("push output lacks %q:\n%s", want, out)
			}
		}
		// Pushing again finds every layer in place.
		if out := d.mustCLI("push", ref); !strings.Contains(out, "Layer already exists") {
			t.Fatalf("second push:\n%s", out)
		}
		sk, err := runCmd("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://"+ref)
		if err != nil {
			t.Fatalf("skopeo inspect: %v: %s", err, sk)
		}
		var m struct {
			MediaType string
			Config    struct{ MediaType string }
			Layers    []struct{ MediaType string }
		}
		if err := json.Unmarshal([]byte(sk), &m); err != nil || m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" ||
			len(m.Layers) != 3 || m.Layers[0].MediaType != "application/vnd.docker.image.rootfs.diff.tar.gzip" {
			t.Fatalf("manifest: %v\n%s", err, sk)
		}
		d.removeAllImages()
		out = d.mustCLI("pull", ref)
		for _, want := range []string{"v1: Pulling from bt/app", "Pull complete", "Digest: sha256:", "Status: Downloaded newer image for " + ref} {
			if !strings.Contains(out, want) {
				t.Fatalf("pull output lacks %q:\n%s", want, out)
			}
		}
		if out := d.mustCLI("run", "--rm", ref, "cat", "/l0", "/l1"); out != "layer0\nlayer1\n" {
			t.Fatalf("run: %q", out)
		}
		out = d.mustCLI("pull", ref)
		if !strings.Contains(out, "Status: Image is up to date for "+ref) {
			t.Fatalf("second pull:\n%s", out)
		}
		if out := d.mustCLI("pull", "-q", ref); strings.TrimSpace(out) != ref {
			t.Fatalf("pull -q: %q", out)
		}
		// A new tag in another repository of the same registry: the layers
		// are mounted, not uploaded again.
		ref2 := reg.host + "/bt/other:v2"
		d.mustCLI("tag", ref, ref2)
		if out := d.mustCLI("push", ref2); !strings.Contains(out, "Mounted from bt/app") {
			t.Fatalf("push to another repository did not mount:\n%s", out)
		}
		// run pulls a missing image.
		d.mustCLI("rmi", ref, ref2)
		out, code := d.docker("", "run", "--rm", ref2, "cat", "/l1")
		if code != 0 || !strings.Contains(out, "Unable to find image '"+ref2+"' locally") || !strings.HasSuffix(out, "layer1\n") {
			t.Fatalf("run of a missing image: exit %d:\n%s", code, out)
		}
	})
}

// TestRegistryBasicAuth logs in to a registry with htpasswd auth: wrong
// credentials are refused and not stored, right ones go to config.json in
// Docker's format and let push and pull through.
func TestRegistryBasicAuth(t *testing.T) {
	forEachCLI(t, func(t *testing.T, cli string) {
		reg := startRegistry(t, registryOpts{user: "bt-user", password: "s3cret"})
		d := startDaemonCLI(t, cli)
		ref := reg.host + "/bt/auth:1"
		d.importBusybox()
		d.mustCLI("tag", "busybox", ref)
		if out, code := d.docker("", "push", ref); code == 0 {
			t.Fatalf("push without login succeeded:\n%s", out)
		}
		out, code := d.docker("", "login", "-u", "bt-user", "-p", "wrong", reg.host)
		if code == 0 || !strings.Contains(strings.ToLower(out), "unauthorized") && !strings.Contains(out, "401") {
			t.Fatalf("login with a wrong password: exit %d:\n%s", code, out)
		}
		cfgPath := filepath.Join(d.sockDir, "config.json")
		if data, _ := os.ReadFile(cfgPath); strings.Contains(string(data), reg.host) {
			t.Fatalf("failed login stored credentials: %s", data)
		}
		// Through the API, wrong credentials answer 401, as dockerd does.
		if _, err := d.client.RegistryLogin(context.Background(), client.RegistryLoginOptions{Username: "bt-user", Password: "wrong", ServerAddress: reg.host}); !cerrdefs.IsUnauthorized(err) {
			t.Fatalf("API login with a wrong password: %v, want 401 Unauthorized", err)
		}
		if out, code := d.docker("s3cret\n", "login", "-u", "bt-user", "--password-stdin", reg.host); code != 0 || !strings.Contains(out, "Login Succeeded") {
			t.Fatalf("login: exit %d:\n%s", code, out)
		}
		data, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		var cf struct {
			Auths map[string]struct{ Auth string } `json:"auths"`
		}
		if err := json.Unmarshal(data, &cf); err != nil || cf.Auths[reg.host].Auth != base64.StdEncoding.EncodeToString([]byte("bt-user:s3cret")) {
			t.Fatalf("config.json: %v %s", err, data)
		}
		d.mustCLI("push", ref)
		d.mustCLI("rmi", ref)
		d.mustCLI("pull", ref)
		if out := d.mustCLI("run", "--rm", ref, "echo", "authed"); out != "authed\n" {
			t.Fatalf("run: %q", out)
		}
		d.mustCLI("logout", reg.host)
		d.mustCLI("rmi", ref)
		if out, code := d.docker("", "pull", ref); code == 0 {
			t.Fatalf("pull after logout succeeded:\n%s", out)
		}
	})
}

// TestRegistryTLS pulls and pushes over HTTPS with a private CA trusted
// through the certs.d directory; a wrong CA fails the pull.
func TestRegistryTLS(t *testing.T) {
	reg := startRegistry(t, registryOpts{tls: true})
	d := startDaemonCLI(t, berthBinary)
	certs := t.TempDir()
	mustWrite(t, filepath.Join(certs, reg.host, "ca.crt"), reg.caCert)
	d.reconfigure(map[string]any{"certs-dir": certs})
	ref := reg.host + "/bt/tls:1"
	d.makeLayeredImage(ref, 256)
	d.mustCLI("push", ref)
	d.removeAllImages()
	d.mustCLI("pull", ref)
	if out := d.mustCLI("run", "--rm", ref, "cat", "/l0"); out != "layer0\n" {
		t.Fatalf("run: %q", out)
	}
	// Another CA: the registry's certificate is not trusted.
	other, _, _ := makeTestCA(t, t.TempDir(), "127.0.0.1")
	mustWrite(t, filepath.Join(certs, reg.host, "ca.crt"), other)
	d.mustCLI("rmi", ref)
	if out, code := d.docker("", "pull", ref); code == 0 || !strings.Contains(out, "certificate") {
		t.Fatalf("pull with an untrusted certificate: exit %d:\n%s", code, out)
	}
}

// TestRegistryPullResumesAfterCut: the connection of every large blob is
// cut half-way; the pull resumes from the bytes it has (HTTP Range).
func TestRegistryPullResumesAfterCut(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, berthBinary)
	d.makeLayeredImage(reg.host+"/bt/big:1", 4096, 4096)
	d.mustCLI("push", reg.host+"/bt/big:1")
	d.removeAllImages()
	proxy := startBlobProxy(t, reg.host)
	proxy.setMode("cut", 1<<20)
	ref := proxy.host + "/bt/big:1"
	out := d.mustCLI("pull", ref)
	if !strings.Contains(out, "Status: Downloaded newer image") {
		t.Fatalf("pull:\n%s", out)
	}
	resumed := 0
	for _, r := range proxy.rangesSeen() {
		if strings.HasPrefix(r, "bytes=") && !strings.HasPrefix(r, "bytes=0-") {
			resumed++
		}
	}
	if resumed < 2 {
		t.Fatalf("expected two resumed downloads, Range headers: %v", proxy.rangesSeen())
	}
	if out := d.mustCLI("run", "--rm", ref, "cat", "/l0", "/l1"); out != "layer0\nlayer1\n" {
		t.Fatalf("run: %q", out)
	}
}

// TestRegistryPullResumesAfterDaemonRestart: the daemon is killed in the
// middle of a pull; no image is visible after the restart, and the next
// pull resumes from the bytes already on disk.
func TestRegistryPullResumesAfterDaemonRestart(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, berthBinary)
	d.makeLayeredImage(reg.host+"/bt/big:1", 4096)
	d.mustCLI("push", reg.host+"/bt/big:1")
	d.removeAllImages()
	proxy := startBlobProxy(t, reg.host)
	proxy.setMode("hang", 1<<20)
	ref := proxy.host + "/bt/big:1"
	done := make(chan string, 1)
	go func() {
		out, _ := d.docker("", "pull", ref)
		done <- out
	}()
	select {
	case <-proxy.halfSent:
	case <-time.After(60 * time.Second):
		t.Fatal("the pull never reached half of the layer")
	}
	time.Sleep(300 * time.Millisecond) // let the engine write what it got
	d.kill9()
	<-done
	proxy.setMode("", 0)
	d.start(nil)
	if out, code := d.docker("", "image", "inspect", ref); code == 0 {
		t.Fatalf("a partial image is visible after the restart:\n%s", out)
	}
	d.mustCLI("pull", ref)
	resumed := false
	for _, r := range proxy.rangesSeen() {
		if strings.HasPrefix(r, "bytes=") && !strings.HasPrefix(r, "bytes=0-") {
			resumed = true
		}
	}
	if !resumed {
		t.Fatalf("the pull after the restart started over; Range headers: %v", proxy.rangesSeen())
	}
	if out := d.mustCLI("run", "--rm", ref, "cat", "/l0"); out != "layer0\n" {
		t.Fatalf("run: %q", out)
	}
}

// TestRegistryBadInput: missing images, malformed references, corrupt
// blobs and a registry that goes away give clear errors and leave no image.
func TestRegistryBadInput(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, "docker")
	out, code := d.docker("", "pull", reg.host+"/bt/nosuch:1")
	if code == 0 || !strings.Contains(out, "manifest unknown") {
		t.Fatalf("pull of a missing image: exit %d:\n%s", code, out)
	}
	out, code = d.docker("", "run", "--rm", reg.host+"/bt/nosuch:1")
	if code != 125 || !strings.Contains(out, "manifest unknown") {
		t.Fatalf("run of a missing image: exit %d:\n%s", code, out)
	}
	if out, code := d.docker("", "pull", reg.host+"/bt/UPPER:1"); code == 0 || !strings.Contains(out, "invalid reference format") {
		t.Fatalf("malformed reference: exit %d:\n%s", code, out)
	}
	d.makeLayeredImage(reg.host+"/bt/big:1", 2048)
	d.mustCLI("push", reg.host+"/bt/big:1")
	d.removeAllImages()
	proxy := startBlobProxy(t, reg.host)
	proxy.setMode("corrupt", 1<<20)
	ref := proxy.host + "/bt/big:1"
	if out, code := d.docker("", "pull", ref); code == 0 || !strings.Contains(out, "verification failed") {
		t.Fatalf("pull of a corrupt blob: exit %d:\n%s", code, out)
	}
	if _, code := d.docker("", "image", "inspect", ref); code == 0 {
		t.Fatal("an image was stored from a corrupt blob")
	}
	// The registry goes away in the middle of the download.
	proxy.setMode("hang", 1<<20)
	go func() {
		<-proxy.halfSent
		proxy.setMode("down", 0)
	}()
	if out, code := d.docker("", "pull", ref); code == 0 {
		t.Fatalf("pull from a registry that went away succeeded:\n%s", out)
	}
	if _, code := d.docker("", "image", "inspect", ref); code == 0 {
		t.Fatal("an image was stored from an interrupted pull")
	}
}

// TestRegistryDockerInterop: an image pushed by real Docker is pulled and
// run by berth, and an image pushed by berth is pulled and run by Docker.
func TestRegistryDockerInterop(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, "docker")
	dk := startDockerPeer(t)
	// berth → Docker
	ref := reg.host + "/bt/from-berth:1"
	d.makeLayeredImage(ref, 512)
	d.mustCLI("push", ref)
	if out, err := dk("pull", ref); err != nil {
		t.Fatalf("docker pull: %v\n%s", err, out)
	}
	if out, err := dk("run", "--rm", "--network", "none", ref, "cat", "/l0"); err != nil || out != "layer0\n" {
		t.Fatalf("docker run: %v %q", err, out)
	}
	// Docker → berth
	ref2 := reg.host + "/bt/from-docker:1"
	if out, err := dk("tag", ref, ref2); err != nil {
		t.Fatalf("docker tag: %v\n%s", err, out)
	}
	if out, err := dk("push", ref2); err != nil {
		t.Fatalf("docker push: %v\n%s", err, out)
	}
	d.removeAllImages()
	d.mustCLI("pull", ref2)
	if out := d.mustCLI("run", "--rm", ref2, "cat", "/l0"); out != "layer0\n" {
		t.Fatalf("run: %q", out)
	}
}

// TestRegistryClientCertificate: a registry that requires a client
// certificate is reached with the pair in certs.d (HOST/*.cert, *.key).
func TestRegistryClientCertificate(t *testing.T) {
	reg := startRegistry(t, registryOpts{tls: true, clientCerts: true})
	d := startDaemonCLI(t, berthBinary)
	certs := t.TempDir()
	mustWrite(t, filepath.Join(certs, reg.host, "ca.crt"), reg.caCert)
	d.reconfigure(map[string]any{"certs-dir": certs})
	d.importBusybox()
	ref := reg.host + "/bt/mtls:1"
	d.mustCLI("tag", "busybox", ref)
	if out, code := d.docker("", "push", ref); code == 0 {
		t.Fatalf("push without a client certificate succeeded:\n%s", out)
	}
	for _, f := range []string{"client.cert", "client.key"} {
		data, err := os.ReadFile(filepath.Join(reg.pkiDir, f))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(certs, reg.host, f), string(data))
	}
	d.mustCLI("push", ref)
	d.removeAllImages()
	d.mustCLI("pull", ref)
	if out := d.mustCLI("run", "--rm", ref, "echo", "mtls"); out != "mtls\n" {
		t.Fatalf("run: %q", out)
	}
}
