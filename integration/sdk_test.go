package integration

import (
	"strings"
	"testing"
)

func TestSDKSmoke(t *testing.T) {
	forEachSDKVersion(t, func(t *testing.T, d *testDaemon, version string) {
		out := d.python(t, version, "smoke.py")
		want := "ok " + version
		if version == "auto" {
			want = "ok 1."
		}
		if !strings.HasPrefix(out, want) {
			t.Fatalf("smoke.py at %s: %q", version, out)
		}
	})
}
