package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// hostCgroupV2 reports whether the host runs the unified cgroup hierarchy
// only (files then have v2 names inside the container).
func hostCgroupV2() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err == nil
}

// cgroupFiles returns the shell paths, inside a container, of the files
// that hold each limit, for this host's cgroup version.
func cgroupFiles() map[string]string {
	if hostCgroupV2() {
		return map[string]string{
			"memory": "/sys/fs/cgroup/memory.max", "swap": "/sys/fs/cgroup/memory.swap.max",
			"reservation": "/sys/fs/cgroup/memory.low", "cpu": "/sys/fs/cgroup/cpu.max",
			"shares": "/sys/fs/cgroup/cpu.weight", "cpus": "/sys/fs/cgroup/cpuset.cpus",
			"mems": "/sys/fs/cgroup/cpuset.mems", "pids": "/sys/fs/cgroup/pids.max",
		}
	}
	return map[string]string{
		"memory": "/sys/fs/cgroup/memory/memory.limit_in_bytes", "swap": "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
		"reservation": "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes", "cpu": "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
		"shares": "/sys/fs/cgroup/cpu/cpu.shares", "cpus": "/sys/fs/cgroup/cpuset/cpuset.cpus",
		"mems": "/sys/fs/cgroup/cpuset/cpuset.mems", "pids": "/sys/fs/cgroup/pids/pids.max",
		"devices": "/sys/fs/cgroup/devices/devices.list",
	}
}

// readLimits runs a container with args and returns the value of each
// cgroup file of cgroupFiles, read from inside it, plus the extra lines
// the script prints after "--".
func readLimits(t *testing.T, d *testDaemon, args ...string) (map[string]string, []string) {
	t.Helper()
	files := cgroupFiles()
	var keys []string
	script := ""
	for k, p := range files {
		if k == "devices" {
			continue
		}
		keys = append(keys, k)
		script += "echo " + k + "=$(cat " + p + "); "
	}
	script += "echo --; ulimit -Sn; ulimit -Hn; cat /proc/self/oom_score_adj; df -k /dev/shm | tail -1"
	out, code := d.docker("", append(append([]string{"run", "--rm"}, args...), "busybox", "sh", "-c", script)...)
	if code != 0 {
		t.Fatalf("run %v: %d %q", args, code, out)
	}
	got := map[string]string{}
	head, tail, ok := strings.Cut(out, "--\n")
	if !ok {
		t.Fatalf("output %q", out)
	}
	for _, l := range strings.Split(strings.TrimSpace(head), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v
		}
	}
	return got, strings.Split(strings.TrimSpace(tail), "\n")
}

// TestLimitsApplied: every limit of run is written to the container's
// cgroup (read from inside the container, v1 or v2 file names) and the
// process limits (ulimit, OOM score, /dev/shm) are in place.
func TestLimitsApplied(t *testing.T) { forEachCLI(t, testLimitsApplied) }

func testLimitsApplied(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	got, extra := readLimits(t, d, "-m", "64m", "--memory-swap", "128m", "--memory-reservation", "32m",
		"--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--cpuset-mems", "0", "--pids-limit", "50",
		"--ulimit", "nofile=512:1024", "--shm-size", "8m", "--oom-score-adj", "100")
	want := map[string]string{"memory": "67108864", "swap": "134217728", "reservation": "33554432", "cpu": "50000",
		"shares": "512", "cpus": "0", "mems": "0", "pids": "50"}
	if hostCgroupV2() {
		want["swap"] = "67108864" // memory.swap.max is swap only
		want["cpu"] = "50000 100000"
		want["shares"] = "20" // cgroups.ConvertCPUSharesToCgroupV2Value(512)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if len(extra) != 4 || extra[0] != "512" || extra[1] != "1024" || extra[2] != "100" || !strings.Contains(extra[3], " 8192 ") {
		t.Errorf("ulimit, oom_score_adj, shm: %q", extra)
	}
	// --cpu-period and --cpu-quota given directly.
	got, _ = readLimits(t, d, "--cpu-period", "50000", "--cpu-quota", "25000")
	if wantCPU := map[bool]string{false: "25000", true: "25000 50000"}[hostCgroupV2()]; got["cpu"] != wantCPU {
		t.Errorf("cpu-period/quota: %q, want %q", got["cpu"], wantCPU)
	}
	// Without limits: unlimited pids, no quota.
	got, _ = readLimits(t, d)
	if got["pids"] != "max" {
		t.Errorf("default pids.max %q", got["pids"])
	}
}

// TestLimitsUlimitClamped: a --ulimit above the daemon's own hard limit is
// lowered to it (no CAP_SYS_RESOURCE here) instead of failing the start.
func TestLimitsUlimitClamped(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur); err != nil {
		t.Fatal(err)
	}
	want := cur.Max
	status, _ := os.ReadFile("/proc/self/status")
	if m := regexp.MustCompile(`CapEff:\s*([0-9a-f]+)`).FindSubmatch(status); m != nil {
		if eff, _ := strconv.ParseUint(string(m[1]), 16, 64); eff&(1<<24) != 0 {
			want = cur.Max + 1000 // with CAP_SYS_RESOURCE the runtime may raise it
		}
	}
	out, code := d.docker("", "run", "--rm", "--ulimit", fmt.Sprintf("nofile=%d:%d", cur.Max+1000, cur.Max+1000), "busybox", "sh", "-c", "ulimit -Hn; ulimit -Sn")
	if code != 0 || out != fmt.Sprintf("%d\n%d\n", want, want) {
		t.Fatalf("clamped ulimit: %d %q, want hard and soft %d", code, out, want)
	}
}

// TestLimitsEnforced: a process allocating past --memory is OOM-killed
// (State.OOMKilled, exit 137); a fork past --pids-limit fails; the device
// cgroup refuses a device node until --device-cgroup-rule allows it.
func TestLimitsEnforced(t *testing.T) { forEachCLI(t, testLimitsEnforced) }

func testLimitsEnforced(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	// dd allocates (and touches) one buffer four times the limit. A race
	// build's init stage alone needs more than 16m before the exec.
	limit, buffer := "16m", "64M"
	if raceBuild() {
		limit, buffer = "512m", "2048M"
	}
	out, code := d.docker("", "run", "--name", "bt-en-oom", "-m", limit, "--memory-swap", limit, "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs="+buffer, "count=1")
	if code != 137 {
		t.Fatalf("run past the memory limit: %d %q", code, out)
	}
	out, _ = d.docker("", "inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "bt-en-oom")
	if out != "true 137\n" {
		t.Fatalf("OOMKilled, ExitCode: %q", out)
	}
	out, code = d.docker("", "run", "--name", "bt-en-nooom", "-m", limit, "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=1")
	if code != 0 {
		t.Fatalf("run within the memory limit: %d %q", code, out)
	}
	if out, _ = d.docker("", "inspect", "-f", "{{.State.OOMKilled}}", "bt-en-nooom"); out != "false\n" {
		t.Fatalf("OOMKilled of a container within its limit: %q", out)
	}
	out, code = d.docker("", "run", "--rm", "--pids-limit", "5", "busybox", "sh", "-c",
		"for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait")
	if code != 2 || !strings.Contains(out, "can't fork") {
		t.Fatalf("fork past the pids limit: %d %q", code, out)
	}
	// /dev/fuse (10:229) opens for root without capabilities, so only the
	// device cgroup stands in the way.
	script := "mknod /bt-fuse c 10 229 && (exec 3<>/bt-fuse) 2>/dev/null && echo opened || echo denied"
	if out, code = d.docker("", "run", "--rm", "busybox", "sh", "-c", script); code != 0 || out != "denied\n" {
		t.Fatalf("device outside the cgroup's list: %d %q", code, out)
	}
	if out, code = d.docker("", "run", "--rm", "--device-cgroup-rule", "c 10:229 rwm", "busybox", "sh", "-c", script); code != 0 || out != "opened\n" {
		t.Fatalf("--device-cgroup-rule: %d %q", code, out)
	}
	// --device adds the node and its cgroup rule, with the permissions asked.
	if out, code = d.docker("", "run", "--rm", "--device", "/dev/fuse:/dev/bt-fuse", "busybox", "sh", "-c", "(exec 3<>/dev/bt-fuse) && echo opened"); code != 0 || out != "opened\n" {
		t.Fatalf("--device: %d %q", code, out)
	}
	out, code = d.docker("", "run", "--rm", "--device", "/dev/fuse:/dev/bt-fuse:r", "busybox", "sh", "-c",
		"(exec 3</dev/bt-fuse) && echo read; (exec 3<>/dev/bt-fuse) 2>/dev/null || echo no-write")
	if code != 0 || out != "read\nno-write\n" {
		t.Fatalf("--device with r only: %d %q", code, out)
	}
	if !hostCgroupV2() {
		out, code = d.docker("", "run", "--rm", "--device-cgroup-rule", "c 10:* rm", "busybox", "cat", cgroupFiles()["devices"])
		if code != 0 || !strings.Contains(out, "c 10:* rm\n") || strings.Contains(out, "a *:* rwm") {
			t.Fatalf("devices.list: %d %q", code, out)
		}
	}
}

// TestUpdateRunning: update changes the memory, cpu and pids limits of a
// running container's cgroup, and records them.
func TestUpdateRunning(t *testing.T) { forEachCLI(t, testUpdateRunning) }

func testUpdateRunning(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-up", "-m", "64m", "--pids-limit", "20", "busybox", "sleep", "1000"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	// As dockerd: memory+swap defaults to twice the memory where swap is accounted.
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil {
		if out, _ := d.docker("", "inspect", "-f", "{{.HostConfig.MemorySwap}}", "bt-en-up"); out != "134217728\n" {
			t.Fatalf("default MemorySwap: %q", out)
		}
	}
	out, code := d.docker("", "update", "-m", "128m", "--cpus", "1.5", "--cpu-shares", "256", "--pids-limit", "30", "bt-en-up")
	if code != 0 || out != "bt-en-up\n" {
		t.Fatalf("update: %d %q", code, out)
	}
	f := cgroupFiles()
	out, code = d.docker("", "exec", "bt-en-up", "sh", "-c", "cat "+f["memory"]+" "+f["cpu"]+" "+f["shares"]+" "+f["pids"])
	want := "134217728\n150000\n256\n30\n"
	if hostCgroupV2() {
		want = "134217728\n150000 100000\n10\n30\n"
	}
	if code != 0 || out != want {
		t.Fatalf("limits after update: %d %q, want %q", code, out, want)
	}
	out, _ = d.docker("", "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}}", "bt-en-up")
	if out != "134217728 1500000000 256 30\n" {
		t.Fatalf("recorded limits: %q", out)
	}
	// An update the daemon refuses changes nothing.
	out, code = d.docker("", "update", "-m", "1k", "bt-en-up")
	if code == 0 || !strings.Contains(out, "Minimum memory limit allowed is 6MB") {
		t.Fatalf("update below the minimum: %d %q", code, out)
	}
	if out, _ = d.docker("", "exec", "bt-en-up", "cat", f["memory"]); out != "134217728\n" {
		t.Fatalf("memory after a refused update: %q", out)
	}
	// A stopped container gets updated limits at its next start.
	d.docker("", "stop", "-t", "0", "bt-en-up")
	if out, code = d.docker("", "update", "--pids-limit", "40", "bt-en-up"); code != 0 {
		t.Fatalf("update stopped: %d %q", code, out)
	}
	d.docker("", "start", "bt-en-up")
	if out, _ = d.docker("", "exec", "bt-en-up", "cat", f["pids"]); out != "40\n" {
		t.Fatalf("pids after restart: %q", out)
	}
}

// TestSecurityDefaults: Docker's capability set, seccomp profile, masked
// and read-only /proc paths, and the options that change them.
func TestSecurityDefaults(t *testing.T) { forEachCLI(t, testSecurityDefaults) }

func testSecurityDefaults(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	run := func(args ...string) (string, int) {
		return d.docker("", append([]string{"run", "--rm"}, args...)...)
	}
	cases := []struct {
		what string
		args []string
		code int
		out  string // expected output, or a part of it after "~"
	}{
		{"hostname without SYS_ADMIN", []string{"busybox", "hostname", "bt-x"}, 1, "~Operation not permitted"},
		{"hostname with SYS_ADMIN", []string{"--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "hostname bt-x && hostname"}, 0, "bt-x\n"},
		{"date -s without SYS_TIME", []string{"busybox", "date", "-s", "2001-01-01"}, 0, "~can't set date: Operation not permitted"},
		{"SYS_TIME added", []string{"--cap-add", "sys_time", "busybox", "sh", "-c", "grep CapEff /proc/self/status"}, 0, "~00000000aa0425fb"},
		{"cap-drop ALL", []string{"--cap-drop", "ALL", "busybox", "grep", "CapEff", "/proc/self/status"}, 0, "~0000000000000000"},
		{"cap-drop ALL, cap-add CHOWN", []string{"--cap-drop", "ALL", "--cap-add", "CAP_CHOWN", "busybox", "grep", "CapEff", "/proc/self/status"}, 0, "~0000000000000001"},
		// unshare(CLONE_NEWUSER) needs no capability, but Docker's profile
		// refuses it to containers without CAP_SYS_ADMIN.
		{"unshare under the default profile", []string{"busybox", "unshare", "-U", "true"}, 1, "~Operation not permitted"},
		{"unshare unconfined", []string{"--security-opt", "seccomp=unconfined", "busybox", "unshare", "-U", "true"}, 0, ""},
		{"user and groups", []string{"-u", "1000:1000", "--group-add", "50", "--group-add", "60", "busybox", "id"}, 0, "uid=1000 gid=1000 groups=50,60,1000\n"},
		{"user name", []string{"-u", "nobody", "busybox", "sh", "-c", "id -u; id -g"}, 0, "65534\n65534\n"},
		{"sysctl", []string{"--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=123456789", "busybox", "cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmax"}, 0, "1\n123456789\n"},
		{"no-new-privileges", []string{"--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status"}, 0, "~1"},
		{"new privileges by default", []string{"busybox", "grep", "NoNewPrivs", "/proc/self/status"}, 0, "~0"},
		{"masked /proc/interrupts", []string{"busybox", "sh", "-c", "wc -c < /proc/interrupts"}, 0, "0\n"},
		{"systempaths=unconfined", []string{"--security-opt", "systempaths=unconfined", "busybox", "sh", "-c",
			"wc -c < /proc/timer_list | grep -qv '^0$' && echo unmasked; grep ' /proc/sys ' /proc/mounts | grep -q ' ro,' || echo rw"}, 0, "unmasked\nrw\n"},
		{"seccomp=builtin", []string{"--security-opt", "seccomp=builtin", "busybox", "grep", "Seccomp:", "/proc/self/status"}, 0, "~2"},
		{"read-only /proc/sys", []string{"busybox", "sh", "-c", "(echo x > /proc/sys/kernel/domainname) 2>/dev/null || echo ro"}, 0, "ro\n"},
		{"read-only /sys", []string{"busybox", "sh", "-c", "grep ' /sys sysfs ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1"}, 0, "ro\n"},
		{"privileged: no seccomp, writable /sys, host devices", []string{"--privileged", "busybox", "sh", "-c",
			"grep Seccomp: /proc/self/status; grep ' /sys ' /proc/mounts | grep -c rw,; ls /dev/fuse /dev/loop-control"}, 0, "~0\n1\n/dev/fuse\n/dev/loop-control\n"},
	}
	for _, c := range cases {
		out, code := run(c.args...)
		ok := code == c.code
		if want, part := strings.CutPrefix(c.out, "~"); part {
			ok = ok && strings.Contains(out, want)
		} else {
			ok = ok && out == c.out
		}
		if !ok {
			t.Errorf("%s: %d %q, want %d %q", c.what, code, out, c.code, c.out)
		}
	}
	out, _ := run("busybox", "sh", "-c", "ls /dev")
	if strings.Contains(out, "fuse") || strings.Contains(out, "loop-control") {
		t.Errorf("host devices in an unprivileged container: %q", out)
	}
}

// TestLimitsBadInput: bad limits and capabilities fail with a clear error
// and exit 125, and nothing is created.
func TestLimitsBadInput(t *testing.T) { forEachCLI(t, testLimitsBadInput) }

func testLimitsBadInput(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--memory", "abc"}, `invalid argument "abc" for "-m, --memory" flag`},
		{[]string{"--cpus", "-1"}, "Range of CPUs is from 0.01 to"},
		{[]string{"--cpus", "1000"}, "Range of CPUs is from 0.01 to"},
		{[]string{"--cap-add", "BOGUS"}, `unknown capability: "CAP_BOGUS"`},
		{[]string{"--cap-drop", "NOPE"}, `unknown capability: "CAP_NOPE"`},
		{[]string{"-m", "1k"}, "Minimum memory limit allowed is 6MB"},
		{[]string{"-m", "64m", "--memory-swap", "32m"}, "Minimum memoryswap limit should be larger than memory limit"},
		{[]string{"--cpuset-cpus", "999"}, "Requested CPUs are not available"},
		{[]string{"--cpus", "1", "--cpu-quota", "50000"}, "Conflicting options"},
		{[]string{"--oom-score-adj", "5000"}, "range for oom score adj is [-1000, 1000]"},
		{[]string{"--ulimit", "nofile=10:5"}, "ulimit"},
		{[]string{"--device-cgroup-rule", "q 1:2 r"}, "invalid device cgroup"},
		{[]string{"--sysctl", "kernel.bt_nonsense=1"}, "kernel.bt_nonsense"},
		{[]string{"--security-opt", "bogus=1"}, "invalid --security-opt"},
	}
	for _, c := range cases {
		args := append(append([]string{"run", "--name", "bt-en-bad"}, c.args...), "busybox", "true")
		out, code := d.docker("", args...)
		if code != 125 || !strings.Contains(out, c.msg) {
			t.Errorf("run %v: %d %q, want 125 and %q", c.args, code, out, c.msg)
		}
	}
	if out, _ := d.docker("", "ps", "-aq"); out != "" {
		t.Fatalf("containers left after bad input: %q", out)
	}
}

// TestStatsShape: `docker stats --no-stream` renders every column from
// berth's stats (CPU %, memory, NET I/O, BLOCK I/O, PIDS) and the API
// answers one-shot and streaming requests in Docker's JSON shape.
func TestStatsShape(t *testing.T) { forEachCLI(t, testStatsShape) }

func testStatsShape(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	// A busy loop for CPU %, a sleeping child for PIDS 2, and a file written
	// with O_DIRECT for BLOCK I/O (counted on v2; v1 kernels count
	// blkio.throttle.* only under a throttle rule).
	if out, code := d.docker("", "run", "-d", "--network", "none", "--name", "bt-en-stats", "-m", "64m", "--pids-limit", "10", "busybox", "sh", "-c",
		"dd if=/dev/zero of=/bt-blk bs=1M count=4 oflag=direct 2>/dev/null; sleep 1000 & while :; do :; done"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	waitFor(t, 30*time.Second, "dd to finish and sleep to start", func() bool {
		out, _ := d.docker("", "stats", "--no-stream", "--format", "{{.PIDs}}", "bt-en-stats")
		return out == "2\n"
	})
	out, code := d.docker("", "stats", "--no-stream", "bt-en-stats")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("stats: %d %q", code, out)
	}
	header := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(lines[0]), -1)
	if strings.Join(header, "|") != "CONTAINER ID|NAME|CPU %|MEM USAGE / LIMIT|MEM %|NET I/O|BLOCK I/O|PIDS" {
		t.Fatalf("header %q", lines[0])
	}
	row := regexp.MustCompile(`^([0-9a-f]{12})\s+bt-en-stats\s+([0-9.]+)%\s+([0-9.]+[KMG]?i?B) / 64MiB\s+([0-9.]+)%\s+(\S+ / \S+)\s+(\S+ / \S+)\s+(\d+)$`).FindStringSubmatch(lines[1])
	if row == nil {
		t.Fatalf("row %q", lines[1])
	}
	if cpu, _ := strconv.ParseFloat(row[2], 64); cpu < 1 {
		t.Errorf("CPU %% of a busy loop: %s", row[2])
	}
	if row[5] != "0B / 0B" { // --network none: no interface but lo
		t.Errorf("NET I/O %q", row[5])
	}
	if row[7] != "2" {
		t.Errorf("PIDS %q", row[7])
	}
	out, code = d.docker("", "stats", "--no-stream", "--no-trunc", "--format", "{{.ID}} {{.Name}} {{.PIDs}}", "bt-en-stats")
	if code != 0 || !regexp.MustCompile(`^[0-9a-f]{64} bt-en-stats 2\n$`).MatchString(out) {
		t.Fatalf("stats --no-trunc --format: %d %q", code, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := d.client.ContainerStats(ctx, "bt-en-stats", client.ContainerStatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var one container.StatsResponse
	err = json.NewDecoder(res.Body).Decode(&one)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if one.Name != "/bt-en-stats" || one.MemoryStats.Limit != 64<<20 || one.PidsStats.Current != 2 || one.PidsStats.Limit != 10 ||
		one.CPUStats.CPUUsage.TotalUsage == 0 || one.CPUStats.SystemUsage == 0 || one.CPUStats.OnlineCPUs == 0 {
		t.Fatalf("one-shot stats: %+v", one)
	}
	var written uint64
	for _, e := range one.BlkioStats.IoServiceBytesRecursive {
		if strings.EqualFold(e.Op, "write") {
			written += e.Value
		}
	}
	if hostCgroupV2() && written < 4<<20 {
		t.Errorf("block I/O written %d, want at least 4MiB: %+v", written, one.BlkioStats)
	}
	res, err = d.client.ContainerStats(ctx, "bt-en-stats", client.ContainerStatsOptions{Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	var first, second container.StatsResponse
	if err := dec.Decode(&first); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&second); err != nil {
		t.Fatal(err)
	}
	if !second.Read.After(first.Read) || second.PreCPUStats.CPUUsage.TotalUsage != first.CPUStats.CPUUsage.TotalUsage ||
		second.CPUStats.CPUUsage.TotalUsage <= first.CPUStats.CPUUsage.TotalUsage {
		t.Fatalf("stream: first %+v second %+v", first.CPUStats, second.CPUStats)
	}
}
