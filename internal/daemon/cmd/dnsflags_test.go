package cmd

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestDNSOptions(t *testing.T) {
	dir := t.TempDir()
	o, err := parseFlags([]string{"--config-file", filepath.Join(dir, "absent.json"), "--dns", "192.0.2.53", "--dns", "2001:db8::53",
		"--dns-search", "a.example", "--dns-opt", "ndots:2", "--host-gateway-ip", "192.0.2.1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o.set = func(string) bool { return false } // the default, possibly absent, file
	cfg, _, _, _, _, err := buildConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.DNS) != 2 || cfg.DNS[1].String() != "2001:db8::53" || cfg.DNSSearch[0] != "a.example" || cfg.DNSOptions[0] != "ndots:2" || cfg.HostGatewayIP.String() != "192.0.2.1" {
		t.Fatalf("flags: %+v %v %v %v", cfg.DNS, cfg.DNSSearch, cfg.DNSOptions, cfg.HostGatewayIP)
	}

	for content, want := range map[string]string{
		`{"dns": ["192.0.2.9"], "dns-search": ["b.example"], "dns-opts": ["use-vc"], "host-gateway-ip": "10.9.0.1"}`: "",
		`{"dns": ["nope"]}`:                     `invalid dns server "nope"`,
		`{"host-gateway-ip": "x"}`:              `invalid host-gateway-ip "x"`,
		`{"dns": ["192.0.2.9"], "bogus": true}`: "bogus",
	} {
		cfg, _, _, _, _, err := buildConfig(flagsWithConfig(t, content))
		if want != "" {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err %v, want %q", content, err, want)
			}
			continue
		}
		if err != nil || cfg.DNS[0].String() != "192.0.2.9" || cfg.DNSSearch[0] != "b.example" || cfg.DNSOptions[0] != "use-vc" || cfg.HostGatewayIP.String() != "10.9.0.1" {
			t.Errorf("%s: %v %+v", content, err, cfg)
		}
	}
	// A key given both ways is refused, as dockerd does.
	if _, _, _, _, _, err := buildConfig(flagsWithConfig(t, `{"dns": ["192.0.2.9"]}`, "--dns", "192.0.2.8")); err == nil || !strings.Contains(err.Error(), "both as a flag and in the configuration file") {
		t.Errorf("dns both ways: %v", err)
	}
}
