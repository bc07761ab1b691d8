package cmd

import (
	"strings"
	"testing"
)

// TestTCPWithoutTLSNeedsExplicitOptOut: as dockerd 27+, a TCP host without
// TLS is refused unless TLS is explicitly disabled, by flag or file;
// --tlsverify given at all (even =false) turns TLS on.
func TestTCPWithoutTLSNeedsExplicitOptOut(t *testing.T) {
	check := func(file string, flags ...string) error {
		o := flagsWithConfig(t, file, flags...)
		_, hosts, _, _, _, err := buildConfig(o)
		if err != nil {
			t.Fatal(err)
		}
		tlsCfg, err := o.tls.config()
		if err != nil {
			return err
		}
		return checkTCPAuth(hosts, tlsCfg, o.tls)
	}
	refused := "binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network (host tcp://127.0.0.1:2375)"
	for _, c := range []struct {
		file  string
		flags []string
		want  string
	}{
		{`{}`, []string{"-H", "tcp://127.0.0.1:2375"}, refused},
		{`{"hosts": ["unix:///x.sock", "tcp://127.0.0.1:2375"]}`, nil, refused},
		{`{}`, []string{"-H", "tcp://127.0.0.1:2375", "--tls=false"}, ""},
		{`{"tls": false}`, []string{"-H", "tcp://127.0.0.1:2375"}, ""},
		{`{}`, []string{"-H", "unix:///x.sock"}, ""},
		{`{}`, []string{"-H", "tcp://127.0.0.1:2375", "--tlsverify=false"}, "--tls and --tlsverify need --tlscert and --tlskey"},
	} {
		err := check(c.file, c.flags...)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s %v: %v, want %q", c.file, c.flags, err, c.want)
		}
	}
}
