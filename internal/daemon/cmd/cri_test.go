package cmd

import (
	"strings"
	"testing"
)

// The CRI socket is <exec-root>/cri.sock unless --cri-socket or
// daemon.json's "cri-socket" moves it; "none" turns it off; the flag and
// the key together are refused.
func TestCRISocket(t *testing.T) {
	dir := t.TempDir()
	socket := func(file string, args ...string) (string, error) {
		o := flagsWithConfig(t, file, append([]string{"--exec-root", dir + "/x"}, args...)...)
		cfg, _, _, _, _, err := buildConfig(o)
		if err != nil {
			return "", err
		}
		return o.cri.socket(o.set, cfg.ExecRoot), nil
	}
	for _, c := range []struct {
		file string
		args []string
		want string
	}{
		{`{}`, nil, dir + "/x/cri.sock"},
		{`{}`, []string{"--cri-socket", "/run/k.sock"}, "/run/k.sock"},
		{`{}`, []string{"--cri-socket", "none"}, ""},
		{`{}`, []string{"--cri-socket", ""}, ""},
		{`{"cri-socket": "/run/f.sock"}`, nil, "/run/f.sock"},
		{`{"cri-socket": "none"}`, nil, ""},
	} {
		if got, err := socket(c.file, c.args...); err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.file, c.args, got, err, c.want)
		}
	}
	if _, err := socket(`{"cri-socket": "/a"}`, "--cri-socket", "/b"); err == nil || !strings.Contains(err.Error(), "cri-socket") {
		t.Errorf("flag and key together: %v", err)
	}
}
