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
		o, err := criConfig(t, dir, file, args...)
		if err != nil {
			return "", err
		}
		return o.cri.socket(o.set, dir+"/x"), nil
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

// The streaming server's address is the default unless
// --cri-stream-address or daemon.json's "cri-stream-address" sets it; the
// flag and the key together are refused.
func TestCRIStreamAddress(t *testing.T) {
	dir := t.TempDir()
	addr := func(file string, args ...string) (string, error) {
		o, err := criConfig(t, dir, file, args...)
		if err != nil {
			return "", err
		}
		return o.cri.streamAddress(o.set), nil
	}
	for _, c := range []struct {
		file string
		args []string
		want string
	}{
		{`{}`, nil, ""},
		{`{}`, []string{"--cri-stream-address", "127.0.0.1:10010"}, "127.0.0.1:10010"},
		{`{"cri-stream-address": "127.0.0.2:0"}`, nil, "127.0.0.2:0"},
	} {
		if got, err := addr(c.file, c.args...); err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.file, c.args, got, err, c.want)
		}
	}
	if _, err := addr(`{"cri-stream-address": "127.0.0.1:1"}`, "--cri-stream-address", "127.0.0.1:2"); err == nil || !strings.Contains(err.Error(), "cri-stream-address") {
		t.Errorf("flag and key together: %v", err)
	}
}

// criConfig parses args with file as daemon.json (in dir, exec root
// dir/x) and builds the configuration.
func criConfig(t *testing.T, dir, file string, args ...string) (*options, error) {
	t.Helper()
	o := flagsWithConfig(t, file, append([]string{"--exec-root", dir + "/x"}, args...)...)
	_, _, _, _, _, err := buildConfig(o)
	return o, err
}
