package integration

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestLimitsMatchDocker runs the same containers on berth and on Debian's
// dockerd (with runc), side by side, and compares what the container sees
// of its limits, what inspect records, the shape of the stats JSON and the
// errors of bad limits.
func TestLimitsMatchDocker(t *testing.T) {
	d := startDaemonCLI(t, "docker")
	d.importBusybox()
	host := testutil.StartDocker(t)
	dk := &testDaemon{t: t, sock: strings.TrimPrefix(host, "unix://"), sockDir: t.TempDir(), cli: "docker"}
	img := filepath.Join(t.TempDir(), "busybox.tar")
	if out, code := d.docker("", "save", "-o", img, "busybox"); code != 0 {
		t.Fatalf("save: %d %q", code, out)
	}
	if out, code := dk.docker("", "load", "-i", img); code != 0 {
		t.Fatalf("docker load: %d %q", code, out)
	}
	for _, args := range [][]string{
		{"-m", "64m", "--memory-reservation", "32m", "--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0",
			"--pids-limit", "50", "--ulimit", "nofile=512:1024", "--shm-size", "8m", "--oom-score-adj", "100"},
		{"-m", "64m"},
		{"-m", "64m", "--memory-swap", "-1"},
		{"--cpu-period", "50000", "--cpu-quota", "25000", "--ulimit", "nproc=100"},
		{},
	} {
		args = append([]string{"--network", "none"}, args...)
		gotLimits, gotExtra := readLimits(t, d, args...)
		wantLimits, wantExtra := readLimits(t, dk, args...)
		if !reflect.DeepEqual(gotLimits, wantLimits) || !reflect.DeepEqual(gotExtra, wantExtra) {
			t.Errorf("%v:\nberth  %v %q\ndocker %v %q", args, gotLimits, gotExtra, wantLimits, wantExtra)
		}
	}

	// Security: capabilities, seccomp, no-new-privileges, user and groups,
	// devices, masked and read-only paths.
	script := "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status; id; ls /dev; " +
		"wc -c < /proc/timer_list; grep ' /sys sysfs ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; " +
		"(echo x > /proc/sys/kernel/domainname) 2>&1; (echo x > /proc/sysrq-trigger) 2>&1"
	for _, args := range [][]string{
		{},
		{"--cap-add", "SYS_ADMIN", "--cap-drop", "NET_RAW"},
		{"--cap-drop", "ALL", "--cap-add", "CHOWN"},
		{"--security-opt", "no-new-privileges", "--security-opt", "seccomp=unconfined"},
		{"-u", "1000:1000", "--group-add", "50"},
		{"-u", "nobody"},
		{"--device", "/dev/fuse:/dev/bt-fuse:r"},
	} {
		run := append(append([]string{"run", "--rm", "--network", "none"}, args...), "busybox", "sh", "-c", script)
		got, gotCode := d.docker("", run...)
		want, wantCode := dk.docker("", run...)
		if got != want || gotCode != wantCode {
			t.Errorf("%v:\nberth  %d %q\ndocker %d %q", args, gotCode, got, wantCode, want)
		}
	}

	// --privileged is not compared: dockerd's runc fails here ("unable to
	// apply caps") as the host lacks CAP_SYS_RESOURCE; TestSecurityDefaults
	// checks berth's.

	// inspect: the recorded limits, after create's defaults.
	const fields = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.NanoCpus}} " +
		"{{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.ShmSize}} {{.HostConfig.OomScoreAdj}} {{json .HostConfig.Ulimits}}"
	create := []string{"create", "--name", "bt-en-cmp", "--network", "none", "-m", "64m", "--cpus", "1", "--cpu-shares", "256",
		"--pids-limit", "7", "--shm-size", "16m", "--oom-score-adj", "-10", "--ulimit", "nofile=100:200", "busybox", "true"}
	for _, x := range []*testDaemon{d, dk} {
		if out, code := x.docker("", create...); code != 0 {
			t.Fatalf("create: %d %q", code, out)
		}
	}
	got, _ := d.docker("", "inspect", "-f", fields, "bt-en-cmp")
	want, _ := dk.docker("", "inspect", "-f", fields, "bt-en-cmp")
	if got != want {
		t.Errorf("inspect:\nberth  %q\ndocker %q", got, want)
	}

	// stats: the same JSON keys (the docker CLI and SDKs read these).
	keys := func(x *testDaemon) []string {
		if out, code := x.docker("", "run", "-d", "--name", "bt-en-cmp-st", "--network", "none", "busybox", "sleep", "100"); code != 0 {
			t.Fatalf("run: %d %q", code, out)
		}
		defer x.docker("", "rm", "-f", "bt-en-cmp-st")
		out, code := x.docker("", "stats", "--no-stream", "--format", "{{json .}}", "bt-en-cmp-st")
		if code != 0 {
			t.Fatalf("stats: %d %q", code, out)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("stats json %q: %v", out, err)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	if got, want := keys(d), keys(dk); !reflect.DeepEqual(got, want) {
		t.Errorf("stats --format json keys:\nberth  %v\ndocker %v", got, want)
	}

	// Bad limits: the same exit code and message.
	for _, args := range [][]string{{"--cpus", "-1"}, {"-m", "1k"}, {"-m", "64m", "--memory-swap", "32m"}, {"--cap-add", "BOGUS"}, {"--cpuset-cpus", "99"}} {
		run := append(append([]string{"run", "--rm", "--network", "none"}, args...), "busybox", "true")
		got, gotCode := d.docker("", run...)
		want, wantCode := dk.docker("", run...)
		if gotCode != wantCode || firstLine(got) != firstLine(want) {
			t.Errorf("%v:\nberth  %d %q\ndocker %d %q", args, gotCode, got, wantCode, want)
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
