package cmd

import (
	"fmt"
	"strings"
	"testing"
)

// The CRI socket is <exec-root>/cri.sock unless --cri-socket or
// daemon.json's "cri-socket" moves it; "none" turns it off; the flag and
// the key together are refused.
func TestCRISocket(t *testing.T) {
	dir := t.TempDir()
	testCRISetting(t, dir, "cri-socket", "/a", "/b", func(o *options) string { return o.cri.socket(o.set, dir+"/x") }, []criCase{
		{`{}`, nil, dir + "/x/cri.sock"},
		{`{}`, []string{"--cri-socket", "/run/k.sock"}, "/run/k.sock"},
		{`{}`, []string{"--cri-socket", "none"}, ""},
		{`{}`, []string{"--cri-socket", ""}, ""},
		{`{"cri-socket": "/run/f.sock"}`, nil, "/run/f.sock"},
		{`{"cri-socket": "none"}`, nil, ""},
	})
}

// The streaming server's address is the default unless
// --cri-stream-address or daemon.json's "cri-stream-address" sets it; the
// flag and the key together are refused.
func TestCRIStreamAddress(t *testing.T) {
	testCRISetting(t, t.TempDir(), "cri-stream-address", "127.0.0.1:1", "127.0.0.1:2", func(o *options) string { return o.cri.streamAddress(o.set) }, []criCase{
		{`{}`, nil, ""},
		{`{}`, []string{"--cri-stream-address", "127.0.0.1:10010"}, "127.0.0.1:10010"},
		{`{"cri-stream-address": "127.0.0.2:0"}`, nil, "127.0.0.2:0"},
	})
}

// criCase is daemon.json's content, the flags, and the value of the
// setting they make.
type criCase struct {
	file string
	args []string
	want string
}

// testCRISetting checks the value get reads from the options each case
// parses (in dir), then that the key name in daemon.json (value a) and the
// flag --name (value b) together are refused with an error naming it.
func testCRISetting(t *testing.T, dir, name, a, b string, get func(*options) string, cases []criCase) {
	t.Helper()
	value := func(file string, args ...string) (string, error) {
		o, err := criConfig(t, dir, file, args...)
		if err != nil {
			return "", err
		}
		return get(o), nil
	}
	for _, c := range cases {
		if got, err := value(c.file, c.args...); err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.file, c.args, got, err, c.want)
		}
	}
	if _, err := value(fmt.Sprintf(`{%q: %q}`, name, a), "--"+name, b); err == nil || !strings.Contains(err.Error(), name) {
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
