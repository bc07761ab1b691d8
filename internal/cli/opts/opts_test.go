package opts

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/spf13/pflag"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestParseEnvFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "env")
	content := "\xEF\xBB\xBF# comment\nA=1\n\n  B = spaced value \nFROM_HOST\nMISSING\nEMPTY=\nC=a=b\n"
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ParseEnvFile(p, lookup(nil))
	if err == nil || !strings.Contains(err.Error(), "variable 'B ' contains whitespaces") {
		t.Fatalf("want whitespace error, got %v", err)
	}
	content = strings.Replace(content, "  B = spaced value \n", "  B= spaced value \n", 1)
	os.WriteFile(p, []byte(content), 0o600)
	got, err := ParseEnvFile(p, lookup(map[string]string{"FROM_HOST": "h"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A=1", "B= spaced value ", "FROM_HOST=h", "EMPTY=", "C=a=b"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestLabelFileAndEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "labels")
	os.WriteFile(p, []byte("a=b\nflag\n"), 0o600)
	got, err := ParseLabelFile(p)
	if err != nil || !reflect.DeepEqual(got, []string{"a=b", "flag="}) {
		t.Fatalf("labels %q %v", got, err)
	}
	if m := ParseLabels([]string{"x=1", "y"}); m["x"] != "1" || m["y"] != "" || len(m) != 2 {
		t.Fatalf("ParseLabels %v", m)
	}
	for in, want := range map[string]string{"K=V": "K=V", "HOME": "HOME=/root", "UNSET": "UNSET"} {
		got, err := ValidateEnv(in, lookup(map[string]string{"HOME": "/root"}))
		if err != nil || got != want {
			t.Errorf("ValidateEnv(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ValidateEnv("=x", lookup(nil)); err == nil {
		t.Error("ValidateEnv(=x) accepted")
	}
}

func TestParsePublish(t *testing.T) {
	exposed, bindings, err := ParsePublish([]string{"8080:80", "127.0.0.1:5353:53/udp", "9000", "[::1]:2222:22", "7000-7001:7000-7001"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(port, ip, hostPort string) {
		t.Helper()
		p := network.MustParsePort(port)
		if _, ok := exposed[p]; !ok {
			t.Errorf("%s not exposed", port)
		}
		b := bindings[p]
		if len(b) != 1 || b[0].HostPort != hostPort || (ip != "" && b[0].HostIP.String() != ip) || (ip == "" && b[0].HostIP.IsValid()) {
			t.Errorf("binding %s = %+v, want %s:%s", port, b, ip, hostPort)
		}
	}
	check("80/tcp", "", "8080")
	check("53/udp", "127.0.0.1", "5353")
	check("9000/tcp", "", "")
	check("22/tcp", "::1", "2222")
	check("7000/tcp", "", "7000")
	check("7001/tcp", "", "7001")
	for _, bad := range []string{"a:b", "1:2:3:4", "80/xyz", "8000-8002:80-81", "notanip:80:80"} {
		if _, _, err := ParsePublish([]string{bad}); err == nil {
			t.Errorf("ParsePublish(%q) accepted", bad)
		}
	}
	ex := network.PortSet{}
	if err := ParseExpose([]string{"3000-3001", "53/udp"}, ex); err != nil || len(ex) != 3 {
		t.Fatalf("ParseExpose %v %v", ex, err)
	}
}

func TestParseMount(t *testing.T) {
	m, err := ParseMount("type=bind,source=/src,target=/dst,readonly,bind-propagation=rshared")
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != mount.TypeBind || m.Source != "/src" || m.Target != "/dst" || !m.ReadOnly || m.BindOptions.Propagation != mount.PropagationRShared {
		t.Fatalf("bind mount %+v", m)
	}
	m, err = ParseMount("type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1770")
	if err != nil || m.TmpfsOptions.SizeBytes != 64<<20 || m.TmpfsOptions.Mode != 0o1770 {
		t.Fatalf("tmpfs mount %+v %v", m, err)
	}
	m, err = ParseMount("src=data,dst=/data,volume-nocopy")
	if err != nil || m.Type != mount.TypeVolume || !m.VolumeOptions.NoCopy {
		t.Fatalf("volume mount %+v %v", m, err)
	}
	m, err = ParseMount("type=bind,src=/a,dst=/b,readonly=false,bind-nonrecursive=true,bind-create-mountpoint=1")
	if err != nil || m.ReadOnly || !m.BindOptions.NonRecursive || !m.BindOptions.CreateMountpoint {
		t.Fatalf("boolean fields with values %+v %v", m, err)
	}
	if _, err := ParseMount("type=bind,src=/a,dst=/b,ro=maybe"); err == nil || !strings.Contains(err.Error(), "invalid value for ro: maybe") {
		t.Errorf("ro=maybe: %v", err)
	}
	if _, err := ParseMount("type=bind,src=/a,dst=/b,bind-create-mountpoint"); err == nil {
		t.Error("bind-create-mountpoint without a value accepted")
	}
	for _, bad := range []string{"type=bind,target=/x", "source=/x", "type=volume,dst=/x,bind-propagation=shared", "type=bind,src=/a,dst=/b,bogus=1"} {
		if _, err := ParseMount(bad); err == nil {
			t.Errorf("ParseMount(%q) accepted", bad)
		}
	}
	if v, b, err := ParseVolume("/data"); err != nil || v != "/data" || b != "" {
		t.Errorf("anonymous volume: %q %q %v", v, b, err)
	}
	if v, b, err := ParseVolume("/host:/ctr:ro"); err != nil || v != "" || b != "/host:/ctr:ro" {
		t.Errorf("bind volume: %q %q %v", v, b, err)
	}
	wd, _ := os.Getwd()
	if _, b, err := ParseVolume("./data:/ctr"); err != nil || b != filepath.Join(wd, "data")+":/ctr" {
		t.Errorf("relative bind: %q %v", b, err)
	}
	if m, err := ParseMount("type=bind,src=rel,dst=/x"); err != nil || m.Source != filepath.Join(wd, "rel") {
		t.Errorf("relative --mount source: %q %v", m.Source, err)
	}
	if _, _, err := ParseVolume("/host:relative"); err == nil {
		t.Error("relative container path accepted")
	}
	if p, o, err := ParseTmpfs("/run:rw,size=64m"); err != nil || p != "/run" || o != "rw,size=64m" {
		t.Errorf("tmpfs: %q %q %v", p, o, err)
	}
}

func TestUnits(t *testing.T) {
	if n, err := ParseMemory("512m"); err != nil || n != 512<<20 {
		t.Errorf("512m = %d %v", n, err)
	}
	if n, err := ParseMemorySwap("-1"); err != nil || n != -1 {
		t.Errorf("swap -1 = %d %v", n, err)
	}
	if _, err := ParseMemory("lots"); err == nil {
		t.Error("bad memory accepted")
	}
	if n, err := ParseCPUs("1.5"); err != nil || n != 1_500_000_000 {
		t.Errorf("cpus 1.5 = %d %v", n, err)
	}
	if _, err := ParseCPUs("0.0000000001"); err == nil {
		t.Error("too precise cpus accepted")
	}
	p, err := ParseRestartPolicy("on-failure:3")
	if err != nil || p.Name != container.RestartPolicyOnFailure || p.MaximumRetryCount != 3 {
		t.Errorf("on-failure:3 = %+v %v", p, err)
	}
	for _, bad := range []string{"always:3", "sometimes", "on-failure:x"} {
		if _, err := ParseRestartPolicy(bad); err == nil {
			t.Errorf("restart %q accepted", bad)
		}
	}
	u, err := ParseUlimit("nofile=1024:2048")
	if err != nil || u.Name != "nofile" || u.Soft != 1024 || u.Hard != 2048 {
		t.Errorf("ulimit %+v %v", u, err)
	}
}

func TestListFlag(t *testing.T) {
	var env []string
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.VarP(NewList(&env), "env", "e", "Set environment variables")
	if err := fs.Parse([]string{"-e", "A=1,2", "--env", "B=3"}); err != nil {
		t.Fatal(err)
	}
	if len(env) != 2 || env[0] != "A=1,2" || env[1] != "B=3" {
		t.Fatalf("values %q, want [A=1,2 B=3] (one value per occurrence, commas kept)", env)
	}
	f := fs.Lookup("env")
	if f.DefValue != "" || f.Value.Type() != "list" {
		t.Fatalf("default %q type %q", f.DefValue, f.Value.Type())
	}
	if got := f.Value.String(); got != "[A=1,2 B=3]" {
		t.Fatalf("String() = %q", got)
	}
}

func TestValidateExtraHost(t *testing.T) {
	for in, want := range map[string]string{
		"db:10.0.0.5":      "db:10.0.0.5",
		"db=10.0.0.5":      "db:10.0.0.5",
		"v6=[2001:db8::1]": "v6:2001:db8::1",
		"v6:2001:db8::1":   "v6:2001:db8::1",
		"gw:host-gateway":  "gw:host-gateway",
		"nocolon":          "",
		"db:bad":           "",
		":10.0.0.5":        "",
	} {
		got, err := ValidateExtraHost(in)
		if want == "" {
			if err == nil {
				t.Errorf("ValidateExtraHost(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ValidateExtraHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
