package integration

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Issue 16, point 5: a client that reads `attach` or `logs -f` slowly, or
// not at all, never blocks the container's output nor other clients, and a
// container writing as fast as it can keeps the daemon's (and the
// monitor's) memory bounded.

// stalledClient opens a raw API request on the daemon's socket and never
// reads its answer; its receive buffer is made as small as the kernel
// allows so that it stalls at once.
func (d *testDaemon) stalledClient(request string) net.Conn {
	d.t.Helper()
	c, err := net.Dial("unix", d.sock)
	if err != nil {
		d.t.Fatal(err)
	}
	_ = c.(*net.UnixConn).SetReadBuffer(1024)
	if _, err := c.Write([]byte(request)); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { c.Close() })
	return c
}

func (d *testDaemon) stalledAttach(id string) net.Conn {
	return d.stalledClient("POST /containers/" + id + "/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
}

func (d *testDaemon) stalledLogsFollow(id string) net.Conn {
	return d.stalledClient("GET /containers/" + id + "/logs?follow=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\n\r\n")
}

// slowClient attaches and reads 4 KiB every 50 ms until the test ends.
func (d *testDaemon) slowAttach(id string) {
	c := d.stalledAttach(id)
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
}

// procWritten returns the bytes pid has written (wchar of /proc/pid/io).
func procWritten(t *testing.T, pid int) int64 {
	t.Helper()
	return procField(t, filepath.Join("/proc", strconv.Itoa(pid), "io"), "wchar:")
}

// procRSS returns pid's resident set in bytes (VmRSS of /proc/pid/status).
func procRSS(t *testing.T, pid int) int64 {
	t.Helper()
	return procField(t, filepath.Join("/proc", strconv.Itoa(pid), "status"), "VmRSS:") << 10
}

// procCPU returns the user and system time pid has used (/proc/pid/stat).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15 of stat(5)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func procField(t *testing.T, path, key string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			n, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in %s", key, path)
	return 0
}

// monitorPid finds the daemon's containers' monitor by its command line.
func (d *testDaemon) monitorPid() int {
	d.t.Helper()
	want := "shim\x00monitor\x00--dir\x00" + filepath.Join(d.execRoot, "monitor")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(b), want) {
			return pid
		}
	}
	d.t.Fatalf("no monitor for %s", d.execRoot)
	return 0
}

func (d *testDaemon) initPid(name string) int {
	d.t.Helper()
	out, code := d.docker("", "inspect", "-f", "{{.State.Pid}}", name)
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if code != 0 || err != nil || pid <= 0 {
		d.t.Fatalf("inspect pid of %s: %d %s", name, code, out)
	}
	return pid
}

// timed runs f and fails when it takes longer than limit.
func timed(t *testing.T, what string, limit time.Duration, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if el := time.Since(start); el > limit {
		t.Errorf("%s took %v (limit %v) while clients are stalled", what, el, limit)
	}
}

func TestStalledClientsBlockNothing(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	// A counter on stdout, one line per number, ~100 bytes a line; the
	// log rotates so that the disk holds at most 3 × 20 MB.
	out, code := d.docker("", "run", "-d", "--name", "counter", "--log-opt", "max-size=20m", "--log-opt", "max-file=3",
		"busybox", "sh", "-c", `i=0; while :; do i=$((i+1)); echo "n=$i ........................................................................"; done`)
	if code != 0 {
		t.Fatalf("run: %d %s", code, out)
	}
	pid := d.initPid("counter")
	d.stalledAttach("counter")
	d.stalledAttach("counter")
	d.stalledLogsFollow("counter")
	d.slowAttach("counter")
	// The stalled clients' socket buffers fill at once; what is queued
	// for them in the monitor is bounded (4 MiB each). The container must
	// go on writing well past all of that, long before any write timeout.
	w0 := procWritten(t, pid)
	n0 := lastCounter(t, d)
	deadline := time.Now().Add(20 * time.Second)
	for procWritten(t, pid)-w0 < 48<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("the container wrote only %d bytes in 20 s with stalled clients attached", procWritten(t, pid)-w0)
		}
		// Other clients answer meanwhile.
		timed(t, "/_ping", 2*time.Second, func() {
			if code, _, body := d.raw("GET", "/_ping", ""); code != 200 || body != "OK" {
				t.Errorf("/_ping: %d %q", code, body)
			}
		})
		timed(t, "ps", 2*time.Second, func() {
			if code, _, body := d.raw("GET", "/containers/json", ""); code != 200 || !strings.Contains(body, "/counter") {
				t.Errorf("ps: %d %.200s", code, body)
			}
		})
		time.Sleep(200 * time.Millisecond)
	}
	var n1 int
	timed(t, "logs --tail 1", 5*time.Second, func() { n1 = lastCounter(t, d) })
	if n1 <= n0 {
		t.Fatalf("the counter did not move in the log: %d then %d", n0, n1)
	}
	t.Logf("the container wrote %d MB; the counter went from %d to %d", (procWritten(t, pid)-w0)>>20, n0, n1)
}

// lastCounter reads the counter from the log's last line.
func lastCounter(t *testing.T, d *testDaemon) int {
	t.Helper()
	out, code := d.docker("", "logs", "--tail", "1", "counter")
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "n=%d", &n); code != 0 || err != nil {
		t.Fatalf("logs --tail 1: %d %q", code, out)
	}
	return n
}

func TestFastWriterBoundedMemory(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	line := strings.Repeat("0123456789", 10)
	out, code := d.docker("", "run", "-d", "--name", "fast", "--log-opt", "max-size=20m", "--log-opt", "max-file=2", "busybox", "yes", line)
	if code != 0 {
		t.Fatalf("run: %d %s", code, out)
	}
	pid := d.initPid("fast")
	daemonPid, monPid := d.cmd.Process.Pid, d.monitorPid()
	rss0, mon0 := procRSS(t, daemonPid), procRSS(t, monPid)
	d.stalledAttach("fast")
	d.stalledLogsFollow("fast")
	d.slowAttach("fast")
	// Bounds: the daemon keeps no output of its own (it copies frames
	// through fixed buffers), so it may grow by its goroutines and buffers
	// only: 64 MiB is far above that and far below the output it passes
	// (256 MiB). The monitor holds at most subQueueMax (4 MiB) per client,
	// 3 here, plus its read buffers: 64 MiB too. Memory that grew with the
	// output would also grow between its half and its end; what is bounded
	// is full long before half (the queues fill with the first 12 MiB), so
	// that growth must stay under half the bound. A race build's shadow
	// memory and slower collector put its RSS far above the plain binary's
	// (the race detector's documented 5-10 times), so only the growth
	// from half to end holds it. The container takes as long as the
	// machine needs to write it all (minutes on a slow race build).
	const bound, volume = 64 << 20, 256 << 20
	w0, cpu0 := procWritten(t, pid), procCPU(t, monPid)
	start := time.Now()
	var rssMax, monMax, rssHalf, monHalf int64
	for {
		rssMax = max(rssMax, procRSS(t, daemonPid))
		monMax = max(monMax, procRSS(t, monPid))
		written := procWritten(t, pid) - w0
		if written >= volume/2 && rssHalf == 0 {
			rssHalf, monHalf = rssMax, monMax
		}
		if written >= volume {
			break
		}
		if time.Since(start) > 3*time.Minute {
			t.Fatalf("the container wrote only %d MB in %v with stalled clients", written>>20, time.Since(start).Round(time.Second))
		}
		time.Sleep(100 * time.Millisecond)
	}
	written, cpu := procWritten(t, pid)-w0, procCPU(t, monPid)-cpu0
	el := time.Since(start)
	timed(t, "/_ping", 2*time.Second, func() {
		if code, _, _ := d.raw("GET", "/_ping", ""); code != 200 {
			t.Errorf("/_ping: %d", code)
		}
	})
	t.Logf("wrote %d MB in %v (%.0f MB/s; the monitor used %v of CPU to log it); daemon RSS %d → %d at half → max %d MiB; monitor RSS %d → %d at half → max %d MiB",
		written>>20, el.Round(time.Millisecond), float64(written)/1e6/el.Seconds(), cpu, rss0>>20, rssHalf>>20, rssMax>>20, mon0>>20, monHalf>>20, monMax>>20)
	if !raceBuild() && rssMax-rss0 > bound {
		t.Errorf("daemon RSS grew from %d to %d MiB", rss0>>20, rssMax>>20)
	}
	if !raceBuild() && monMax-mon0 > bound {
		t.Errorf("monitor RSS grew from %d to %d MiB", mon0>>20, monMax>>20)
	}
	if rssMax-rssHalf > bound/2 || monMax-monHalf > bound/2 {
		t.Errorf("RSS grew with the output: daemon %d → %d MiB, monitor %d → %d MiB from its half to its end", rssHalf>>20, rssMax>>20, monHalf>>20, monMax>>20)
	}
	if out, code := d.docker("", "rm", "-f", "fast"); code != 0 {
		t.Fatalf("rm -f: %d %s", code, out)
	}
}
