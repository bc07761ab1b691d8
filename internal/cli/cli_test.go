package cli

import (
	"testing"
)

func TestResolveHost(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if h := ResolveHost("", get); h != DefaultHost {
		t.Errorf("default %q", h)
	}
	env["DOCKER_HOST"] = "unix:///d.sock"
	if h := ResolveHost("", get); h != "unix:///d.sock" {
		t.Errorf("DOCKER_HOST %q", h)
	}
	env["BERTH_HOST"] = "unix:///b.sock"
	if h := ResolveHost("", get); h != "unix:///b.sock" {
		t.Errorf("BERTH_HOST %q", h)
	}
	if h := ResolveHost("tcp://1.2.3.4:2375", get); h != "tcp://1.2.3.4:2375" {
		t.Errorf("-H %q", h)
	}
}
