package oci

import (
	"reflect"
	"testing"

	"github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestResourcesMapping(t *testing.T) {
	pids, swappiness, oomOff := int64(50), int64(10), true
	r, err := Resources(container.Resources{
		Memory: 64 << 20, MemorySwap: 128 << 20, MemoryReservation: 32 << 20, MemorySwappiness: &swappiness,
		OomKillDisable: &oomOff, NanoCPUs: 5e8, CPUShares: 512, CpusetCpus: "0-1", CpusetMems: "0",
		PidsLimit: &pids, BlkioWeight: 300, DeviceCgroupRules: []string{"c 10:229 rwm", "b *:* m"},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Memory
	if *m.Limit != 64<<20 || *m.Swap != 128<<20 || *m.Reservation != 32<<20 || *m.Swappiness != 10 || !*m.DisableOOMKiller {
		t.Errorf("memory %+v", m)
	}
	c := r.CPU
	if *c.Quota != 50000 || *c.Period != 100000 || *c.Shares != 512 || c.Cpus != "0-1" || c.Mems != "0" {
		t.Errorf("cpu %+v", c)
	}
	if *r.Pids.Limit != 50 || *r.BlockIO.Weight != 300 {
		t.Errorf("pids %v blkio %v", *r.Pids.Limit, *r.BlockIO.Weight)
	}
	n := len(r.Devices)
	major := int64(10)
	minor := int64(229)
	want := []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: "rwm"},
		{Allow: true, Type: "b", Access: "m"},
	}
	if n < 3 || r.Devices[0].Allow || !reflect.DeepEqual(r.Devices[n-2:], want) {
		t.Errorf("devices %+v", r.Devices)
	}
}

func TestResourcesExplicitPeriodQuotaAndUnlimited(t *testing.T) {
	unlimited := int64(0)
	r, err := Resources(container.Resources{CPUPeriod: 50000, CPUQuota: 25000, PidsLimit: &unlimited, MemorySwap: -1, Memory: 64 << 20}, false)
	if err != nil {
		t.Fatal(err)
	}
	if *r.CPU.Period != 50000 || *r.CPU.Quota != 25000 || r.CPU.Shares != nil {
		t.Errorf("cpu %+v", r.CPU)
	}
	if *r.Pids.Limit != -1 {
		t.Errorf("pids limit 0 must become -1 (unlimited), got %d", *r.Pids.Limit)
	}
	if *r.Memory.Swap != -1 || r.Memory.Reservation != nil {
		t.Errorf("memory %+v", r.Memory)
	}
	r, err = Resources(container.Resources{}, false)
	if err != nil || r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil {
		t.Errorf("no limits: %+v %v", r, err)
	}
	// A privileged container's device cgroup allows everything; its rules
	// add nothing.
	r, _ = Resources(container.Resources{DeviceCgroupRules: []string{"c 1:1 r"}}, true)
	if len(r.Devices) != 1 || !r.Devices[0].Allow || r.Devices[0].Access != "rwm" {
		t.Errorf("privileged devices %+v", r.Devices)
	}
}

func TestParseDeviceCgroupRule(t *testing.T) {
	for _, bad := range []string{"", "c 1:3", "x 1:3 rwm", "c 1-3 rwm", "c 1:3 rwx", "c a:3 r", "c 1:3 rwmm"} {
		if _, err := ParseDeviceCgroupRule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	d, err := ParseDeviceCgroupRule("a *:* rwm")
	if err != nil || d.Type != "a" || d.Major != nil || d.Minor != nil || d.Access != "rwm" || !d.Allow {
		t.Errorf("a *:* rwm: %+v %v", d, err)
	}
}

func TestCapabilityErrors(t *testing.T) {
	if _, err := Capabilities(false, []string{"BOGUS"}, nil); err == nil || err.Error() != `invalid CapAdd: unknown capability: "CAP_BOGUS"` {
		t.Errorf("cap-add: %v", err)
	}
	if _, err := Capabilities(false, nil, []string{"nope"}); err == nil || err.Error() != `invalid CapDrop: unknown capability: "CAP_NOPE"` {
		t.Errorf("cap-drop: %v", err)
	}
	caps, err := Capabilities(false, []string{"sys_admin"}, []string{"ALL"})
	if err != nil || !reflect.DeepEqual(caps, []string{"CAP_SYS_ADMIN"}) {
		t.Errorf("drop ALL add SYS_ADMIN: %v %v", caps, err)
	}
}

func TestSecurityOptsInSpec(t *testing.T) {
	gen := func(opts ...string) *specs.Spec {
		t.Helper()
		s, err := Generate(Options{
			ID: "x", Config: &container.Config{Cmd: []string{"true"}}, HostConfig: &container.HostConfig{SecurityOpt: opts},
			Seccomp: func(*specs.Spec) (*specs.LinuxSeccomp, error) {
				return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, nil
			},
			SeccompProfile: func(string, *specs.Spec) (*specs.LinuxSeccomp, error) {
				return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := gen("seccomp=builtin"); s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != specs.ActErrno {
		t.Errorf("seccomp=builtin: %+v", s.Linux.Seccomp)
	}
	if s := gen(`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`); s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != specs.ActAllow {
		t.Errorf("custom seccomp: %+v", s.Linux.Seccomp)
	}
	if s := gen("seccomp=unconfined"); s.Linux.Seccomp != nil {
		t.Errorf("seccomp=unconfined: %+v", s.Linux.Seccomp)
	}
	if s := gen("systempaths=unconfined"); len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
		t.Errorf("systempaths=unconfined: %v %v", s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	if s := gen("no-new-privileges:true"); !s.Process.NoNewPrivileges || len(s.Linux.MaskedPaths) == 0 {
		t.Errorf("no-new-privileges: %v", s.Process.NoNewPrivileges)
	}
}
