package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// flagsWithConfig parses the daemon's flags with content as its
// daemon.json (in a directory of t's), or fails t.
func flagsWithConfig(t *testing.T, content string, flags ...string) *options {
	t.Helper()
	file := filepath.Join(t.TempDir(), "daemon.json")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags(append([]string{"--config-file", file}, flags...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestFlagsAndConfigFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(file, []byte(`{"runtimes":{"runc":{"path":"/usr/bin/runc","runtimeArgs":["--debug"]}},"default-runtime":"runc","log-level":"warn","icc":false}`), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-H", "unix:///tmp/a.sock", "-H", "tcp://127.0.0.1:0", "--data-root", dir + "/root", "--config-file", file, "--group", "adm"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, hosts, group, pidfile, level, err := buildConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 2 || hosts[1] != "tcp://127.0.0.1:0" || group != "adm" || level != "warn" {
		t.Fatalf("hosts %v group %q level %q", hosts, group, level)
	}
	if cfg.Root != dir+"/root" || cfg.ExecRoot != DefaultExecRoot || pidfile != DefaultExecRoot+"/berth.pid" {
		t.Fatalf("roots %q %q pidfile %q", cfg.Root, cfg.ExecRoot, pidfile)
	}
	if cfg.DefaultRuntime != "runc" || cfg.Runtimes["runc"].Path != "/usr/bin/runc" || cfg.Runtimes["runc"].Args[0] != "--debug" {
		t.Fatalf("runtimes %+v default %q", cfg.Runtimes, cfg.DefaultRuntime)
	}
}

func TestDefaults(t *testing.T) {
	o, err := parseFlags([]string{"--config-file", filepath.Join(t.TempDir(), "missing.json")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// An explicitly named config file must exist.
	if _, _, _, _, _, err := buildConfig(o); err == nil {
		t.Fatal("missing explicit config file accepted")
	}
	o, _ = parseFlags(nil, io.Discard)
	o.configFile = filepath.Join(t.TempDir(), "absent.json") // the default path may be absent
	cfg, hosts, group, _, level, err := buildConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if hosts[0] != DefaultHost || cfg.Root != DefaultDataRoot || group != DefaultGroup || level != "info" {
		t.Fatalf("defaults: %v %q %q %q", hosts, cfg.Root, group, level)
	}
}

func TestConfigFileErrors(t *testing.T) {
	cases := map[string]string{
		`{"data-root": `:                   "unable to configure the daemon with file",
		`{"bogus-key": 1}`:                 "the following directives don't match any configuration option: bogus-key",
		`{"data-root": "/x"}`:              "specified both as a flag and in the configuration file",
		`{"runtimes": {"x": {"path":""}}}`: `runtime "x"`,
	}
	for content, want := range cases {
		o := flagsWithConfig(t, content, "--data-root", "/y")
		_, _, _, _, _, err := buildConfig(o)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %s: err %v, want %q", content, err, want)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, l := range []string{"debug", "info", "warn", "error", "fatal"} {
		if _, err := parseLevel(l); err != nil {
			t.Errorf("level %s: %v", l, err)
		}
	}
	if _, err := parseLevel("loud"); err == nil {
		t.Error("bad level accepted")
	}
}

func TestDefaultAddressPools(t *testing.T) {
	build := func(file string, flags ...string) (string, error) {
		cfg, _, _, _, _, err := buildConfig(flagsWithConfig(t, file, flags...))
		return fmt.Sprint(cfg.AddressPools), err
	}
	if got, err := build(`{"default-address-pools": [{"base": "10.10.0.0/16", "size": 24}, {"base": "10.20.0.0/16", "size": 26}]}`); err != nil || got != "[{10.10.0.0/16 24} {10.20.0.0/16 26}]" {
		t.Fatalf("file: %s %v", got, err)
	}
	if got, err := build(`{}`, "--default-address-pool", "base=10.30.0.0/16,size=24"); err != nil || got != "[{10.30.0.0/16 24}]" {
		t.Fatalf("flag: %s %v", got, err)
	}
	for file, want := range map[string]string{
		`{"default-address-pools": [{"base": "10.10.0.0/16", "size": 8}]}`: "invalid address pool size 8",
		`{"default-address-pools": [{"base": "10.10.0.0", "size": 24}]}`:   "invalid default address pool base",
		`{"default-address-pools": [{"base": "fd00::/64", "size": 80}]}`:   "only IPv4 pools",
	} {
		if _, err := build(file); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
	if _, err := build(`{"default-address-pools": [{"base": "10.10.0.0/16", "size": 24}]}`, "--default-address-pool", "base=10.30.0.0/16,size=24"); err == nil {
		t.Error("pools given as flag and in the file accepted")
	}
}
