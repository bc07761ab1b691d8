package resources

import (
	"reflect"
	"strings"
	"testing"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/errdefs"
)

func TestValidateResources(t *testing.T) {
	neg := int64(-5)
	cases := []struct {
		r    containertypes.Resources
		want string
	}{
		{containertypes.Resources{Memory: 1024}, "Minimum memory limit allowed is 6MB"},
		{containertypes.Resources{MemorySwap: 64 << 20}, "You should always set the Memory limit"},
		{containertypes.Resources{Memory: 64 << 20, MemorySwap: 32 << 20}, "Minimum memoryswap limit should be larger"},
		{containertypes.Resources{Memory: 32 << 20, MemoryReservation: 64 << 20}, "can not be less than memory reservation"},
		{containertypes.Resources{MemorySwappiness: &neg}, "valid memory swappiness range is 0-100"},
		{containertypes.Resources{NanoCPUs: -1}, "Range of CPUs is from 0.01 to"},
		{containertypes.Resources{NanoCPUs: 1e6}, "Range of CPUs is from 0.01 to"},
		{containertypes.Resources{NanoCPUs: 1e9, CPUQuota: 50000}, "Conflicting options"},
		{containertypes.Resources{CPUPeriod: 10}, "CPU cfs period can not be less than 1ms"},
		{containertypes.Resources{CPUQuota: 10}, "CPU cfs quota can not be less than 1ms"},
		{containertypes.Resources{CPUShares: -2}, "must not be negative"},
		{containertypes.Resources{CpusetCpus: "1-0"}, "Invalid value 1-0 for cpuset cpus"},
		{containertypes.Resources{CpusetCpus: "100000"}, "Requested CPUs are not available"},
		{containertypes.Resources{BlkioWeight: 5}, "Range of blkio weight is from 10 to 1000"},
		{containertypes.Resources{Ulimits: []*containertypes.Ulimit{{Name: "nofile", Soft: 10, Hard: 5}}}, "soft limit must be less than or equal to hard limit"},
		{containertypes.Resources{Ulimits: []*containertypes.Ulimit{{Name: "bogus", Soft: 1, Hard: 1}}}, "invalid ulimit type: bogus"},
		{containertypes.Resources{DeviceCgroupRules: []string{"c 1:3"}}, "invalid device cgroup rule format"},
	}
	for _, c := range cases {
		err := Validate(&c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errdefs.IsInvalidParameter(err) {
			t.Errorf("%+v: %v, want %q", c.r, err, c.want)
		}
	}
	ok := containertypes.Resources{Memory: 64 << 20, MemorySwap: -1, MemoryReservation: 32 << 20, NanoCPUs: 5e8,
		CpusetCpus: "0", CPUShares: 512, BlkioWeight: 300, DeviceCgroupRules: []string{"c 10:* rwm"},
		Ulimits: []*containertypes.Ulimit{{Name: "nofile", Soft: 512, Hard: 1024}}}
	if err := Validate(&ok); err != nil {
		t.Errorf("valid limits refused: %v", err)
	}
}

func TestValidateSecurity(t *testing.T) {
	for _, c := range []struct {
		hc   containertypes.HostConfig
		want string
	}{
		{containertypes.HostConfig{OomScoreAdj: 1001}, "range for oom score adj is [-1000, 1000]"},
		{containertypes.HostConfig{ShmSize: -1}, "SHM size can not be less than 0"},
		{containertypes.HostConfig{Sysctls: map[string]string{"kernel.panic": "1"}}, "not a namespaced sysctl"},
		{containertypes.HostConfig{Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}, NetworkMode: "host"}, "host network namespace"},
		{containertypes.HostConfig{Sysctls: map[string]string{"kernel.shmmax": "1"}, IpcMode: "host"}, "host IPC namespace"},
		{containertypes.HostConfig{SecurityOpt: []string{"seccomp"}}, "invalid --security-opt"},
		{containertypes.HostConfig{SecurityOpt: []string{"bogus=1"}}, "invalid --security-opt"},
		{containertypes.HostConfig{SecurityOpt: []string{"systempaths=open"}}, "invalid --security-opt"},
	} {
		if err := ValidateSecurity(&c.hc); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.hc, err, c.want)
		}
	}
	ok := containertypes.HostConfig{OomScoreAdj: -500, Sysctls: map[string]string{"net.core.somaxconn": "1024", "fs.mqueue.msg_max": "20"},
		SecurityOpt: []string{"no-new-privileges", "no-new-privileges:true", "seccomp=unconfined", "seccomp=builtin", "seccomp={}", "systempaths=unconfined", "label=disable", "apparmor=unconfined"}}
	if err := ValidateSecurity(&ok); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

func TestMergeResources(t *testing.T) {
	pids := int64(20)
	cur := containertypes.Resources{Memory: 64 << 20, PidsLimit: &pids, CPUShares: 512}
	newPids := int64(30)
	merged, delta, changed, err := mergeResources(cur, containertypes.Resources{Memory: 128 << 20, NanoCPUs: 15e8, PidsLimit: &newPids})
	if err != nil || !changed {
		t.Fatal(err, changed)
	}
	if merged.Memory != 128<<20 || merged.NanoCPUs != 15e8 || *merged.PidsLimit != 30 || merged.CPUShares != 512 {
		t.Errorf("merged %+v", merged)
	}
	if !reflect.DeepEqual(delta, containertypes.Resources{Memory: 128 << 20, NanoCPUs: 15e8, PidsLimit: &newPids}) {
		t.Errorf("delta %+v", delta)
	}
	if *cur.PidsLimit != 20 {
		t.Errorf("merge changed the current limits")
	}
	if _, _, changed, _ := mergeResources(cur, containertypes.Resources{}); changed {
		t.Errorf("an empty update changes limits")
	}
	// Memory above an already set memory+swap limit needs the swap too.
	_, _, _, err = mergeResources(containertypes.Resources{Memory: 64 << 20, MemorySwap: 128 << 20}, containertypes.Resources{Memory: 256 << 20})
	if err == nil || !errdefs.IsInvalidParameter(err) {
		t.Errorf("memory above memswap: %v", err)
	}
	_, _, _, err = mergeResources(containertypes.Resources{CPUQuota: 50000}, containertypes.Resources{NanoCPUs: 1e9})
	if err == nil {
		t.Errorf("cpus over a quota accepted")
	}
}

func TestParseNetDev(t *testing.T) {
	data := `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
  eth0:    1296      16    1    2    0     0          0         0      656        8    3    4    0     0       0          0
`
	got := parseNetDev(data)
	want := map[string]containertypes.NetworkStats{"eth0": {RxBytes: 1296, RxPackets: 16, RxErrors: 1, RxDropped: 2, TxBytes: 656, TxPackets: 8, TxErrors: 3, TxDropped: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
}

func TestParseBlkio(t *testing.T) {
	v1 := "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n"
	got := parseBlkioV1(v1)
	if len(got) != 6 || got[0] != (containertypes.BlkioStatEntry{Major: 8, Minor: 0, Op: "Read", Value: 4096}) || got[1].Op != "Write" || got[1].Value != 8192 {
		t.Errorf("v1 %+v", got)
	}
	bytes, ios := parseIOStatV2("8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=1 wbytes=2 rios=3 wios=4\n")
	wantBytes := []containertypes.BlkioStatEntry{{Major: 8, Op: "read", Value: 4096}, {Major: 8, Op: "write", Value: 8192}, {Major: 253, Minor: 1, Op: "read", Value: 1}, {Major: 253, Minor: 1, Op: "write", Value: 2}}
	if !reflect.DeepEqual(bytes, wantBytes) || len(ios) != 4 || ios[3].Value != 4 {
		t.Errorf("v2 bytes %+v ios %+v", bytes, ios)
	}
}
