package integration

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRegistryFaultsMidPull: a registry (a proxy in front of Debian's
// docker-registry) answers 500, or drops the connection before answering,
// on every request of the largest layer while the other layers download
// fine. The pull fails after its retries with an error that names the
// fault, lists no image, and leaves nothing half-made (no scratch file,
// snapshot or torn blob); once the registry behaves, the same pull
// succeeds, reuses what the failed one stored, and leaves no partial
// download. A fault on the first two requests of each layer only is
// retried within one pull.
func TestRegistryFaultsMidPull(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, "docker")
	base := d.baseMounts()
	d.makeLayeredImage(reg.host+"/bt/faults:1", 256, 4096)
	d.mustCLI("push", reg.host+"/bt/faults:1")
	d.removeAllImages()
	proxy := startBlobProxy(t, reg.host)
	ref := proxy.host + "/bt/faults:1"
	for _, c := range []struct{ mode, want string }{
		{"500", "500 Internal Server Error"},
		{"drop", "EOF"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			d.t = t
			defer func() { d.t = t }()
			proxy.setMode(c.mode, 3<<20) // the 4 MiB layer only
			start := time.Now()
			out, code := d.docker("", "pull", ref)
			if code == 0 || !strings.Contains(out, c.want) {
				t.Fatalf("pull through a registry that fails with %s: exit %d:\n%s", c.mode, code, out)
			}
			t.Logf("pull failed after %v: %s", time.Since(start).Round(time.Millisecond), lastLine(out))
			if out := d.mustCLI("images", "-a", "-q"); strings.TrimSpace(out) != "" {
				t.Fatalf("images listed after a failed pull: %s", out)
			}
			d.checkNoHalfMade(t, base)
			proxy.setMode("", 0)
			if out := d.mustCLI("pull", ref); !strings.Contains(out, "Downloaded newer image") {
				t.Fatalf("pull once the registry behaves:\n%s", out)
			}
			d.checkPulled(t, ref)
			d.removeAllImages()
		})
	}
	t.Run("transient", func(t *testing.T) {
		d.t = t
		defer func() { d.t = t }()
		proxy.setModeTimes("500", 100<<10, 2) // layers (the config is fetched once, as dockerd does)
		if out := d.mustCLI("pull", ref); !strings.Contains(out, "Downloaded newer image") {
			t.Fatalf("pull through two 500s per blob:\n%s", out)
		}
		d.checkPulled(t, ref)
	})
}

// checkPulled runs the image pulled as ref and checks that the data root
// keeps one snapshot per layer and no partial download.
func (d *testDaemon) checkPulled(t *testing.T, ref string) {
	t.Helper()
	if out := d.mustCLI("run", "--rm", ref, "cat", "/l0", "/l1"); out != "layer0\nlayer1\n" {
		t.Fatalf("run of the pulled image: %q", out)
	}
	if left := dirEntries(filepath.Join(d.root, "distribution", "partial")); len(left) > 0 {
		t.Errorf("partial downloads left after a complete pull: %v", left)
	}
	layers := strings.Fields(d.mustCLI("image", "inspect", "-f", `{{range .RootFS.Layers}}{{.}} {{end}}`, ref))
	d.stop()
	keys := snapshotKeys(t, d.root)
	d.start(nil)
	if len(keys) != len(layers) {
		t.Errorf("%d snapshots for an image of %d layers: %v", len(keys), len(layers), keys)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
