package cgroups

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/opencontainers/cgroups"
)

// hybridMountinfo is this kind of host: v1 controllers each on their own
// mount (cpu and cpuacct apart), name=systemd, and a cgroup2 mount without
// controllers at /sys/fs/cgroup/unified.
const hybridMountinfo = `22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

const hybridSelf = `9:name=systemd:/user.slice
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/42
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/user.slice
`

// coMountinfo is a classic v1 host with cpu,cpuacct and net_cls,net_prio
// co-mounted.
const coMountinfo = `30 22 0:27 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
32 30 0:29 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio
33 30 0:30 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`

const v2Mountinfo = `30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`

func hier(t *testing.T, mi string) []hierarchy {
	t.Helper()
	hs, err := parseHierarchies(strings.NewReader(mi))
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func self(t *testing.T, s string) map[string]string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cgroup")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	own, err := cgroups.ParseCgroupFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return own
}

func TestPathsHybridAbsolute(t *testing.T) {
	inner, abs, err := innerPath("", "bt-rl-c1")
	if err != nil || !abs || inner != "/berth/bt-rl-c1" {
		t.Fatalf("default path: %q %v %v", inner, abs, err)
	}
	got, err := computePaths(hier(t, hybridMountinfo), nil, inner, abs, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cpu":          "/sys/fs/cgroup/cpu/berth/bt-rl-c1",
		"cpuacct":      "/sys/fs/cgroup/cpuacct/berth/bt-rl-c1",
		"cpuset":       "/sys/fs/cgroup/cpuset/berth/bt-rl-c1",
		"memory":       "/sys/fs/cgroup/memory/berth/bt-rl-c1",
		"devices":      "/sys/fs/cgroup/devices/berth/bt-rl-c1",
		"freezer":      "/sys/fs/cgroup/freezer/berth/bt-rl-c1",
		"blkio":        "/sys/fs/cgroup/blkio/berth/bt-rl-c1",
		"pids":         "/sys/fs/cgroup/pids/berth/bt-rl-c1",
		"name=systemd": "/sys/fs/cgroup/systemd/berth/bt-rl-c1",
		"":             "/sys/fs/cgroup/unified/berth/bt-rl-c1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestPathsHybridRelative(t *testing.T) {
	inner, abs, err := innerPath("ctr/x", "ignored")
	if err != nil || abs {
		t.Fatal(inner, abs, err)
	}
	got, err := computePaths(hier(t, hybridMountinfo), self(t, hybridSelf), inner, abs, false)
	if err != nil {
		t.Fatal(err)
	}
	if got["memory"] != "/sys/fs/cgroup/memory/process_api/42/ctr/x" {
		t.Errorf("memory: %s", got["memory"])
	}
	if got["cpu"] != "/sys/fs/cgroup/cpu/ctr/x" {
		t.Errorf("cpu: %s", got["cpu"])
	}
	if got["name=systemd"] != "/sys/fs/cgroup/systemd/user.slice/ctr/x" {
		t.Errorf("systemd: %s", got["name=systemd"])
	}
	if got[""] != "/sys/fs/cgroup/unified/user.slice/ctr/x" {
		t.Errorf("unified: %s", got[""])
	}
}

func TestPathsCoMounted(t *testing.T) {
	got, err := computePaths(hier(t, coMountinfo), nil, "/docker/abc", true, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cpu", "cpuacct"} {
		if got[k] != "/sys/fs/cgroup/cpu,cpuacct/docker/abc" {
			t.Errorf("%s: %s", k, got[k])
		}
	}
	if got["net_prio"] != "/sys/fs/cgroup/net_cls,net_prio/docker/abc" {
		t.Errorf("net_prio: %s", got["net_prio"])
	}
	if _, ok := got[""]; ok {
		t.Errorf("no cgroup2 mount, yet a unified path: %v", got)
	}
}

func TestPathsV2(t *testing.T) {
	got, err := computePaths(hier(t, v2Mountinfo), nil, "/berth/c", true, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"": "/sys/fs/cgroup/berth/c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
	got, err = computePaths(hier(t, v2Mountinfo), self(t, "0::/system.slice/berth.service\n"), "c", false, true)
	if err != nil {
		t.Fatal(err)
	}
	if got[""] != "/sys/fs/cgroup/system.slice/berth.service/c" {
		t.Errorf("relative v2: %v", got)
	}
}

func TestPathsShadowedMounts(t *testing.T) {
	// cgroup2 mounted over /sys/fs/cgroup of a hybrid host hides every
	// earlier cgroup mount below it.
	mi := hybridMountinfo + "50 30 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	hs := hier(t, mi)
	if len(hs) != 1 || !hs[0].v2 || hs[0].mountpoint != "/sys/fs/cgroup" {
		t.Fatalf("hierarchies: %+v", hs)
	}
	got, err := computePaths(hs, nil, "/x", true, true)
	if err != nil || got[""] != "/sys/fs/cgroup/x" {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestPathsCgroupNamespaceRoot(t *testing.T) {
	// A bind-mounted hierarchy whose root is not "/": /proc/self/cgroup
	// shows the full path, the mount shows it from its root.
	mi := "40 30 0:37 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	got, err := computePaths(hier(t, mi), self(t, "0::/kubepods/pod1/ctr\n"), "sub", false, true)
	if err != nil {
		t.Fatal(err)
	}
	if got[""] != "/sys/fs/cgroup/ctr/sub" {
		t.Errorf("got %v", got)
	}
}

func TestPathsErrors(t *testing.T) {
	for _, c := range []struct{ path, id, want string }{
		{"../escape", "x", "leaves the runtime's own cgroup"},
		{"/", "x", "root cgroup"},
		{"system.slice:docker:abc", "x", "systemd cgroup path"},
		{"", "a/b", "cannot derive"},
	} {
		if _, _, err := innerPath(c.path, c.id); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("innerPath(%q, %q): %v, want %q", c.path, c.id, err, c.want)
		}
	}
	// v1 without a devices hierarchy is refused.
	mi := "31 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	if _, err := computePaths(hier(t, mi), nil, "/x", true, false); err == nil || !strings.Contains(err.Error(), "devices") {
		t.Errorf("no devices: %v", err)
	}
	if _, err := computePaths(hier(t, coMountinfo), nil, "/x", true, true); err == nil {
		t.Errorf("unified without cgroup2 mount accepted")
	}
}
