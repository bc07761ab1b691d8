package caps

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNames(t *testing.T) {
	names := Names()
	if len(names) != 41 || names[0] != "CAP_CHOWN" || names[40] != "CAP_CHECKPOINT_RESTORE" {
		t.Fatalf("Names() = %d names, first %s, last %s", len(names), names[0], names[len(names)-1])
	}
	for i, n := range names {
		if got, err := Parse(n); err != nil || got != i {
			t.Errorf("Parse(%s) = %d, %v; want %d", n, got, err, i)
		}
	}
}

func TestParseAndNormalize(t *testing.T) {
	if n, err := Parse("CAP_SYS_ADMIN"); err != nil || n != 21 {
		t.Errorf("CAP_SYS_ADMIN = %d, %v", n, err)
	}
	for _, bad := range []string{"CAP_FOO", "sys_admin", "", "CAP_sys_admin"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"net_admin": "CAP_NET_ADMIN", "CAP_net_raw": "CAP_NET_RAW", " SYS_TIME ": "CAP_SYS_TIME", "ALL": "CAP_ALL"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(nil); err != nil {
		t.Fatal(err)
	}
	ok := &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_KILL"}, Effective: []string{"CAP_KILL"}}
	if err := Validate(ok); err != nil {
		t.Fatal(err)
	}
	err := Validate(&specs.LinuxCapabilities{
		Bounding: []string{"CAP_CHOWN", "CAP_FOO"},
		Ambient:  []string{"net_raw"},
	})
	if err == nil {
		t.Fatal("unknown capabilities accepted")
	}
	for _, want := range []string{
		"process.capabilities.bounding: unknown capability CAP_FOO",
		"process.capabilities.ambient: unknown capability net_raw",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
