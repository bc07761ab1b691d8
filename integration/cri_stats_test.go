package integration

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// criClient is a gRPC client of d's CRI runtime service, for the calls
// crictl has no verb for.
func criClient(t *testing.T, d *testDaemon) runtimeapi.RuntimeServiceClient {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+filepath.Join(d.execRoot, "cri.sock"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return runtimeapi.NewRuntimeServiceClient(conn)
}

// A pod's stats (crictl statsp, and PodSandboxStats): its CPU, memory and
// processes are its containers' added up, its network its infra
// container's; and the kubelet's log rotation: the log file renamed, then
// ReopenContainerLog, and the container's next lines go to a new file at
// the path.
func TestCRIPodStatsAndLogReopen(t *testing.T) {
	d := startDaemon(t)
	ref := criBusybox(t, d)
	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	mustWrite(t, filepath.Join(dir, "pod.json"), `{"metadata":{"name":"stats","namespace":"default","uid":"uid-st","attempt":0},
		"log_directory":"`+logDir+`","labels":{"app":"stats"}}`)
	mustWrite(t, filepath.Join(dir, "ctr.json"), `{"metadata":{"name":"ticker"},"image":{"image":"`+ref+`"},
		"command":["sh","-c","while true; do echo tick; sleep 0.1; done"],"log_path":"ticker/0.log"}`)
	pod := d.mustCrictl("runp", filepath.Join(dir, "pod.json"))
	ctr := d.mustCrictl("create", pod, filepath.Join(dir, "ctr.json"), filepath.Join(dir, "pod.json"))
	d.mustCrictl("start", ctr)
	client := criClient(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// crictl statsp samples twice and shows the pod's CPU and memory.
	if out := d.mustCrictl("statsp", "--id", pod); !regexp.MustCompile(`(?m)^stats\s+` + pod[:13] + `\s+\d+\.\d\d\s+\d`).MatchString(out) {
		t.Fatalf("crictl statsp:\n%s", out)
	}
	if out := d.mustCrictl("statsp", "-o", "json", "--label", "app=stats"); !strings.Contains(out, `"id": "`+pod+`"`) || !strings.Contains(out, `"id": "`+ctr+`"`) {
		t.Fatalf("crictl statsp -o json --label app=stats:\n%s", out)
	}
	if out := d.mustCrictl("statsp", "-o", "json", "--label", "app=other"); strings.Contains(out, pod) {
		t.Fatalf("crictl statsp --label app=other lists the pod:\n%s", out)
	}
	// crictl stats: the container's CPU and memory, from ContainerStats.
	if out := d.mustCrictl("stats", "--id", ctr); !regexp.MustCompile(`(?m)^` + ctr[:13] + `\s+ticker\s+\d+\.\d\d\s+\d`).MatchString(out) {
		t.Fatalf("crictl stats:\n%s", out)
	}
	resp, err := client.PodSandboxStats(ctx, &runtimeapi.PodSandboxStatsRequest{PodSandboxId: pod[:12]})
	if err != nil {
		t.Fatal(err)
	}
	st := resp.GetStats()
	ls := st.GetLinux()
	if st.GetAttributes().GetId() != pod || st.GetAttributes().GetMetadata().GetName() != "stats" || st.GetAttributes().GetLabels()["app"] != "stats" {
		t.Fatalf("PodSandboxStats attributes: %v", st.GetAttributes())
	}
	if len(ls.GetContainers()) != 1 || ls.GetContainers()[0].GetAttributes().GetId() != ctr {
		t.Fatalf("PodSandboxStats containers: %v", ls.GetContainers())
	}
	c := ls.GetContainers()[0]
	if ls.GetCpu().GetUsageCoreNanoSeconds().GetValue() < c.GetCpu().GetUsageCoreNanoSeconds().GetValue() || c.GetCpu().GetUsageCoreNanoSeconds().GetValue() == 0 ||
		ls.GetMemory().GetWorkingSetBytes().GetValue() < c.GetMemory().GetWorkingSetBytes().GetValue() || c.GetMemory().GetWorkingSetBytes().GetValue() == 0 {
		t.Fatalf("PodSandboxStats CPU %v memory %v, its container's CPU %v memory %v", ls.GetCpu(), ls.GetMemory(), c.GetCpu(), c.GetMemory())
	}
	// The infra process, sh and (most of the time) a sleep.
	if n := ls.GetProcess().GetProcessCount().GetValue(); n < 2 {
		t.Fatalf("PodSandboxStats process count %d", n)
	}
	if ls.GetNetwork().GetDefaultInterface().GetName() != "eth0" || ls.GetNetwork().GetTimestamp() == 0 {
		t.Fatalf("PodSandboxStats network: %v", ls.GetNetwork())
	}

	// The kubelet's rotation: rename, then reopen.
	path := filepath.Join(logDir, "ticker", "0.log")
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F tick$`)
	wholeLines := func(p string) int {
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 || data[len(data)-1] != '\n' {
			return 0
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		for _, l := range lines {
			if !line.MatchString(l) {
				t.Fatalf("%s: line %q", p, l)
			}
		}
		return len(lines)
	}
	waitFor(t, 30*time.Second, "the container's first lines", func() bool { return wholeLines(path) > 0 })
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: ctr}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "lines in the reopened log", func() bool { return wholeLines(path) > 0 })
	before := wholeLines(path + ".1")
	if before == 0 {
		t.Fatalf("the renamed log holds no whole lines")
	}
	// What follows goes to the new file only.
	waitFor(t, 30*time.Second, "more lines in the reopened log", func() bool { return wholeLines(path) > 2 })
	if n := wholeLines(path + ".1"); n != before {
		t.Fatalf("the renamed log grew from %d to %d lines after the reopen", before, n)
	}

	// A stopped container has no log to reopen.
	d.mustCrictl("stop", ctr)
	_, err = client.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: ctr})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("ReopenContainerLog of a stopped container: %v", err)
	}
	d.mustCrictl("rmp", "-f", pod)
}
