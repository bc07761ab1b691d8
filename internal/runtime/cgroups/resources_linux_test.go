package cgroups

import (
	"strings"
	"testing"

	devconfig "github.com/opencontainers/cgroups/devices/config"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func bptr(v bool) *bool    { return &v }

func TestToResourcesV1(t *testing.T) {
	r := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: i64(64 << 20), Reservation: i64(32 << 20), Swap: i64(128 << 20), DisableOOMKiller: bptr(true), Swappiness: u64(10)},
		CPU:     &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: i64(0)},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(300)},
	}
	res, err := toResources(r, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Memory != 64<<20 || res.MemoryReservation != 32<<20 || res.MemorySwap != 128<<20 || !res.OomKillDisable || *res.MemorySwappiness != 10 {
		t.Errorf("memory: %+v", res)
	}
	if res.CpuShares != 512 || res.CpuWeight != 0 || res.CpuQuota != 50000 || res.CpuPeriod != 100000 || res.CpusetCpus != "0" || res.CpusetMems != "0" {
		t.Errorf("cpu: %+v", res)
	}
	if res.PidsLimit == nil || *res.PidsLimit != -1 {
		t.Errorf("pids limit 0 should mean unlimited (-1), got %v", res.PidsLimit)
	}
	if res.BlkioWeight != 300 {
		t.Errorf("blkio weight: %d", res.BlkioWeight)
	}
	if !res.SkipDevices || len(res.Devices) != 0 {
		t.Errorf("no device rules asked, devices should be left alone: %+v", res.Devices)
	}
}

func TestToResourcesV2(t *testing.T) {
	res, err := toResources(&specs.LinuxResources{
		CPU:     &specs.LinuxCPU{Shares: u64(1024)},
		Memory:  &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(96 << 20)},
		Unified: map[string]string{"memory.high": "50000000"},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	// 1024 shares (the v1 default) is weight 100 (the v2 default).
	if res.CpuWeight != 100 || res.CpuShares != 0 {
		t.Errorf("shares→weight: weight %d shares %d", res.CpuWeight, res.CpuShares)
	}
	if res.Unified["memory.high"] != "50000000" {
		t.Errorf("unified: %v", res.Unified)
	}
	for _, c := range []struct {
		r    *specs.LinuxResources
		want string
	}{
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: bptr(true)}}, "disableOOMKiller"},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(5)}}, "swappiness"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(5)}}, "realtimeRuntime"},
	} {
		if _, err := toResources(c.r, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("v2 %s: %v", c.want, err)
		}
	}
	if _, err := toResources(&specs.LinuxResources{Unified: map[string]string{"a": "b"}}, false); err == nil {
		t.Error("unified accepted on v1")
	}
}

func TestToResourcesDevices(t *testing.T) {
	res, err := toResources(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rw"},
		{Allow: true, Type: "b", Major: i64(8)},
	}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.SkipDevices {
		t.Fatal("device rules skipped")
	}
	d := res.Devices
	if d[0].Type != devconfig.WildcardDevice || d[0].Allow || d[0].Permissions != "rwm" {
		t.Errorf("deny all: %+v", d[0])
	}
	if d[1].Type != devconfig.CharDevice || d[1].Major != 10 || d[1].Minor != 200 || !d[1].Allow || d[1].Permissions != "rw" {
		t.Errorf("tun: %+v", d[1])
	}
	if d[2].Type != devconfig.BlockDevice || d[2].Minor != devconfig.Wildcard || d[2].Permissions != "rwm" {
		t.Errorf("block 8:*: %+v", d[2])
	}
	var null bool
	for _, r := range d[3:] {
		if r.Type == devconfig.CharDevice && r.Major == 1 && r.Minor == 3 && r.Allow {
			null = true
		}
	}
	if !null {
		t.Errorf("default devices lack /dev/null: %+v", d[3:])
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(nil); err != nil {
		t.Fatal(err)
	}
	ok := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(-1)},
		CPU:    &specs.LinuxCPU{Shares: u64(512), Quota: i64(-1), Cpus: "0-1,3", Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: i64(100)},
	}
	if err := Validate(ok); err != nil {
		t.Fatalf("valid resources: %v", err)
	}
	for _, c := range []struct {
		r    *specs.LinuxResources
		want string
	}{
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-5)}}, "linux.resources.memory.limit: -5 is negative"},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(32 << 20)}}, "linux.resources.memory.swap: memory+swap limit"},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(32 << 20)}}, "linux.resources.memory.swap: memory+swap limit needs a memory limit"},
		{&specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}}, "linux.resources.memory.swappiness"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1)}}, "linux.resources.cpu.shares"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(10)}}, "linux.resources.cpu.quota"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(10)}}, "linux.resources.cpu.period"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-x"}}, "linux.resources.cpu.cpus"},
		{&specs.LinuxResources{CPU: &specs.LinuxCPU{Mems: "3-1"}}, "linux.resources.cpu.mems"},
		{&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(5)}}, "linux.resources.blockIO.weight"},
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x"}}}, "linux.resources.devices[0].type"},
		{&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Access: "rwx"}}}, "linux.resources.devices[0].access"},
		{&specs.LinuxResources{Unified: map[string]string{"../x": "1"}}, "linux.resources.unified"},
	} {
		if err := Validate(c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}
