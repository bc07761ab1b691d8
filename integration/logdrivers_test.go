package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"

	"github.com/berth/berth/internal/logger"
)

// writer is a busybox shell command printing n numbered lines of 80
// bytes ("00000012 xxx…\n").
func writer(n int) string {
	return fmt.Sprintf(`awk 'BEGIN { x = sprintf("%%71s", ""); gsub(/ /, "x", x); for (i = 0; i < %d; i++) printf "%%08d %%s\n", i, x }'`, n)
}

// logFiles lists the files of a container's log dir whose names start with
// prefix, with their sizes.
func logFiles(t *testing.T, dir, prefix string) (names []string, total int64) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		st, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, strings.TrimPrefix(e.Name(), prefix))
		total += st.Size()
	}
	sort.Strings(names)
	return names, total
}

// checkNumbered checks that out is numbered lines first..last in order.
func checkNumbered(t *testing.T, what, out string, last int) (first int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("%s: no lines", what)
	}
	first, err := strconv.Atoi(strings.Fields(lines[0])[0])
	if err != nil {
		t.Fatalf("%s: first line %q", what, lines[0])
	}
	for i, l := range lines {
		if want := fmt.Sprintf("%08d ", first+i); !strings.HasPrefix(l, want) || len(l) != 80 {
			t.Fatalf("%s: line %d = %.20q, want %q… (80 bytes)", what, i, l, want)
		}
	}
	if first+len(lines)-1 != last {
		t.Fatalf("%s: lines %d..%d, want the newest to be %d", what, first, first+len(lines)-1, last)
	}
	return first
}

// TestLogsBoundedByDefault: a container writing 30 MB keeps at most 5
// json-file files of 20 MiB with no option (berth's default; dockerd's
// json-file grows without bound), at most about 2 MB with
// max-size=1m,max-file=2; logs returns the newest lines in order.
func TestLogsBoundedByDefault(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	const n = 393216 // 30 MiB of 80-byte lines
	for _, tc := range []struct {
		name  string
		opts  []string
		limit int64
	}{
		{"bt-en-logdef", nil, 5 * logger.DefaultMaxSize},
		{"bt-en-log1m", []string{"--log-opt", "max-size=1m", "--log-opt", "max-file=2"}, 2_000_000},
	} {
		args := append(append([]string{"run", "--name", tc.name}, tc.opts...), "busybox", "sh", "-c", writer(n))
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("run %s: %d %.200q", tc.name, code, out)
		}
		out, _ := d.docker("", "inspect", "-f", "{{.Id}} {{.LogPath}}", tc.name)
		id, path, _ := strings.Cut(strings.TrimSpace(out), " ")
		names, total := logFiles(t, filepath.Dir(path), id+"-json.log")
		t.Logf("%s: %d bytes of log in %q", tc.name, total, names)
		if total > tc.limit {
			t.Fatalf("%s: %d bytes of log, more than %d", tc.name, total, tc.limit)
		}
		if len(names) < 2 || len(names) > 5 {
			t.Fatalf("%s: files %q: want rotated files, at most 5", tc.name, names)
		}
		out, code := d.docker("", "logs", "--tail", "3", tc.name)
		if code != 0 {
			t.Fatalf("logs --tail: %d %.200q", code, out)
		}
		checkNumbered(t, tc.name+" --tail 3", out, n-1)
		out, _ = d.docker("", "logs", tc.name)
		first := checkNumbered(t, tc.name+" logs", out, n-1)
		if tc.opts == nil && first != 0 {
			t.Fatalf("defaults lost lines of 30 MB: the first kept is %d", first)
		}
		if tc.opts != nil && (first == 0 || n-first > 2_000_000/80) {
			t.Fatalf("max-size=1m,max-file=2 kept lines %d..", first)
		}
	}
}

// TestLogsCompressAndOptions: compress=true gzips rotated files under
// dockerd's names; logs, --tail and --since read across them in order;
// tag, labels and env become the attributes logs --details shows; bad
// options are refused with dockerd's words.
func TestLogsCompressAndOptions(t *testing.T) { forEachCLI(t, testLogsCompressAndOptions) }

func testLogsCompressAndOptions(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	const n = 20000
	for _, driver := range []string{"json-file", "local"} {
		name := "bt-en-gz-" + driver
		if out, code := d.docker("", "run", "--name", name, "--log-driver", driver, "--log-opt", "max-size=200k", "--log-opt", "max-file=4",
			"--log-opt", "compress=true", "--log-opt", "tag={{.Name}}", "--log-opt", "labels=app", "--log-opt", "env=LEVEL",
			"--label", "app=web", "-e", "LEVEL=3", "busybox", "sh", "-c", writer(n)); code != 0 {
			t.Fatalf("run: %d %.200q", code, out)
		}
		out, _ := d.docker("", "inspect", "-f", "{{.Id}}", name)
		id := strings.TrimSpace(out)
		dir, prefix := filepath.Join(d.root, "containers", id), id+"-json.log"
		if driver == "local" {
			dir, prefix = filepath.Join(dir, "local-logs"), "container.log"
		}
		names, _ := logFiles(t, dir, prefix)
		if strings.Join(names, " ") != " .1.gz .2.gz .3.gz" {
			t.Fatalf("%s: files %q, want %s{,.1.gz,.2.gz,.3.gz}", driver, names, prefix)
		}
		out, _ = d.docker("", "logs", name)
		first := checkNumbered(t, driver+" logs", out, n-1)
		checkNumbered(t, driver+" --tail", mustOut(t, d, "logs", "--tail", "5", name), n-1)
		// a tail that reaches into the gzipped files
		tail := n - first - 10
		if got := checkNumbered(t, driver+" long tail", mustOut(t, d, "logs", "--tail", strconv.Itoa(tail), name), n-1); got != n-tail {
			t.Fatalf("%s: --tail %d starts at %d", driver, tail, got)
		}
		out = mustOut(t, d, "logs", "--details", "--tail", "1", name)
		if want := "LEVEL=3,app=web,tag=" + name + " " + fmt.Sprintf("%08d ", n-1); !strings.HasPrefix(out, want) {
			t.Fatalf("%s: --details %q, want %q…", driver, out, want)
		}
		out = mustOut(t, d, "logs", "--timestamps", "--tail", "1", name)
		ts, _, _ := strings.Cut(out, " ")
		when, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || len(ts) != len("2006-01-02T15:04:05.000000000Z") {
			t.Fatalf("%s: --timestamps %q", driver, out)
		}
		if out := mustOut(t, d, "logs", "--since", when.Add(time.Nanosecond).Format(time.RFC3339Nano), name); out != "" {
			t.Fatalf("%s: --since after the last line: %.100q", driver, out)
		}
		if out := mustOut(t, d, "logs", "--since", "1h", name); !strings.HasPrefix(out, fmt.Sprintf("%08d ", first)) {
			t.Fatalf("%s: --since 1h: %.40q", driver, out)
		}
	}
	for _, tc := range []struct{ args, want string }{
		{"--log-opt max-file=0", "max-file cannot be less than 1"},
		{"--log-opt max-size=lots", "invalid size: 'lots'"},
		{"--log-opt bogus=1", "unknown log opt 'bogus' for json-file log driver"},
		{"--log-driver local --log-opt bogus=1", "unknown log opt 'bogus' for log driver local"},
		{"--log-opt max-file=1 --log-opt compress=true", "compress cannot be true when max-file is less than 2 or max-size is not set"},
		{"--log-opt max-buffer-size=1m", "logger: max-buffer-size option is only supported with 'mode=non-blocking'"},
		{"--log-driver syslog --log-opt syslog-address=corrupted:42", "syslog-address should be in form proto://address, got corrupted:42"},
	} {
		args := append(append([]string{"run", "--rm"}, strings.Fields(tc.args)...), "busybox", "true")
		if out, code := d.docker("", args...); code != 125 || !strings.Contains(out, tc.want) {
			t.Fatalf("%s: %d %q, want %q", tc.args, code, out, tc.want)
		}
	}
}

func mustOut(t *testing.T, d *testDaemon, args ...string) string {
	t.Helper()
	out, code := d.docker("", args...)
	if code != 0 {
		t.Fatalf("%q: %d %.200q", args, code, out)
	}
	return out
}

// TestLogsFollowAcrossRotation: logs -f, started while the container
// writes in bursts to a log that rotates (and compresses) every few
// hundred lines, gets every line once, in order.
func TestLogsFollowAcrossRotation(t *testing.T) { forEachCLI(t, testLogsFollowAcrossRotation) }

func testLogsFollowAcrossRotation(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	const bursts, per = 40, 500
	// The writer starts once logs -f has shown its first line (on stderr):
	// the test then makes /ctl/go, so no line is rotated away before.
	script := fmt.Sprintf(`echo ready >&2; while [ ! -e /ctl/go ]; do usleep 20000; done; b=0; while [ $b -lt %d ]; do awk -v b=$b 'BEGIN { x = sprintf("%%71s", ""); gsub(/ /, "x", x); for (i = 0; i < %d; i++) printf "%%08d %%s\n", b * %d + i, x }'; usleep 50000; b=$((b+1)); done`, bursts, per, per)
	for _, driver := range []string{"json-file", "local"} {
		name := "bt-en-follow-" + driver
		ctl := t.TempDir()
		if out, code := d.docker("", "run", "-d", "--name", name, "-v", ctl+":/ctl", "--log-driver", driver, "--log-opt", "max-size=100k", "--log-opt", "max-file=3",
			"--log-opt", "compress=true", "busybox", "sh", "-c", script); code != 0 {
			t.Fatalf("run: %d %q", code, out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, d.cliBinary(), "logs", "-f", name)
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "BERTH_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir)
		var out bytes.Buffer
		var stderr testutil.SyncBuffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "logs -f to show the first line", func() bool { return strings.Contains(stderr.String(), "ready") })
		mustWrite(t, filepath.Join(ctl, "go"), "")
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: logs -f: %v %s", driver, err, stderr.String())
		}
		if first := checkNumbered(t, driver+": logs -f", out.String(), bursts*per-1); first != 0 {
			t.Fatalf("%s: logs -f started at line %d", driver, first)
		}
		id := strings.TrimSpace(mustOut(t, d, "inspect", "-f", "{{.Id}}", name))
		pattern := filepath.Join(d.root, "containers", id, id+"-json.log.*.gz")
		if driver == "local" {
			pattern = filepath.Join(d.root, "containers", id, "local-logs", "container.log.*.gz")
		}
		if rotated, _ := filepath.Glob(pattern); len(rotated) != 2 {
			t.Fatalf("%s: rotated files %q", driver, rotated)
		}
	}
}

// cliBinary is the CLI d.docker runs.
func (d *testDaemon) cliBinary() string {
	if d.cli == "" {
		return "docker"
	}
	return d.cli
}

// TestLogFilesLikeDockerd runs the same containers on berth and on
// Debian's dockerd: json-file with compress names its files alike; each
// engine reads the other's json-file and local files (the files of a
// stopped container swapped), line for line.
func TestLogFilesLikeDockerd(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	dockerHost := startDockerWithBusybox(t)
	dk := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+dockerHost)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("dockerd %q: %v %.300s", args, err, out)
		}
		return string(out)
	}
	dockerRoot := strings.TrimSpace(dk("info", "-f", "{{.DockerRootDir}}"))
	const n = 3000
	for _, driver := range []string{"json-file", "local"} {
		args := []string{"run", "--name", "bt-en-like-" + driver, "--network", "none", "--log-driver", driver,
			"--log-opt", "max-size=50k", "--log-opt", "max-file=3", "--log-opt", "compress=true", "busybox", "sh", "-c", writer(n)}
		dk(args...)
		mustOut(t, d, args...)
		dockerID := strings.TrimSpace(dk("inspect", "-f", "{{.Id}}", args[2]))
		berthID := strings.TrimSpace(mustOut(t, d, "inspect", "-f", "{{.Id}}", args[2]))
		shown := "{{if .LogPath}}path{{else}}none{{end}} {{json .HostConfig.LogConfig}}"
		if a, b := dk("inspect", "-f", shown, args[2]), mustOut(t, d, "inspect", "-f", shown, args[2]); a != b {
			t.Fatalf("%s: inspect shows %q on dockerd, %q on berth", driver, a, b)
		}
		dockerDir, berthDir := filepath.Join(dockerRoot, "containers", dockerID), filepath.Join(d.root, "containers", berthID)
		dockerPrefix, berthPrefix := dockerID+"-json.log", berthID+"-json.log"
		if driver == "local" {
			dockerDir, berthDir = filepath.Join(dockerDir, "local-logs"), filepath.Join(berthDir, "local-logs")
			dockerPrefix, berthPrefix = "container.log", "container.log"
		}
		var dockerNames []string
		waitFor(t, 10*time.Second, "dockerd's compression", func() bool {
			dockerNames, _ = logFiles(t, dockerDir, dockerPrefix)
			return !slices.Contains(dockerNames, ".1")
		})
		berthNames, _ := logFiles(t, berthDir, berthPrefix)
		if strings.Join(dockerNames, " ") != strings.Join(berthNames, " ") {
			t.Fatalf("%s: dockerd's files %q, berth's %q", driver, dockerNames, berthNames)
		}
		// Swap: each engine's files under the other's container.
		swap := t.TempDir()
		move := func(from, fromPrefix, to, toPrefix string) {
			names, _ := logFiles(t, from, fromPrefix)
			for _, s := range names {
				src := filepath.Join(from, fromPrefix+s)
				b, err := os.ReadFile(src) // not a rename: the roots are on different mounts
				if err == nil {
					err = os.WriteFile(filepath.Join(to, toPrefix+s), b, 0o640)
				}
				if err == nil {
					err = os.Remove(src)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		move(dockerDir, dockerPrefix, swap, "x")
		move(berthDir, berthPrefix, dockerDir, dockerPrefix)
		move(swap, "x", berthDir, berthPrefix)
		fromBerth := dk("logs", args[2])
		fromDocker := mustOut(t, d, "logs", args[2])
		if first := checkNumbered(t, driver+": dockerd reading berth's files", fromBerth, n-1); first == 0 {
			t.Fatalf("%s: nothing rotated away", driver)
		}
		checkNumbered(t, driver+": berth reading dockerd's files", fromDocker, n-1)
		if tail := dk("logs", "--tail", "2", args[2]); tail != mustOut(t, d, "logs", "--tail", "2", args[2]) {
			t.Fatalf("%s: tails differ: %q", driver, tail)
		}
	}
}

// TestLogDriverSyslog sends a container's output to test listeners over
// udp, tcp and a unix socket, in the default, rfc3164 and rfc5424
// formats, with the facility and tag asked for; logs refuses with
// dockerd's message; the daemon's log-driver and log-opts apply to
// containers that name none.
func TestLogDriverSyslog(t *testing.T) { forEachCLI(t, testLogDriverSyslog) }

func testLogDriverSyslog(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	sock := filepath.Join(t.TempDir(), "log.sock")
	unixgram, err := net.ListenPacket("unixgram", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer unixgram.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	tcpLines := make(chan string, 100)
	go func() {
		for {
			c, err := tcp.Accept()
			if err != nil {
				return
			}
			go func() {
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					tcpLines <- sc.Text()
				}
			}()
		}
	}()
	readPacket := func(pc net.PacketConn) string {
		_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("syslog listener: %v", err)
		}
		return strings.TrimSuffix(string(buf[:n]), "\n")
	}
	host, _ := os.Hostname()
	stamp := `[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d`
	for _, tc := range []struct {
		addr, format string
		read         func() string
		want         string
	}{
		{"udp://" + udp.LocalAddr().String(), "rfc5424", func() string { return readPacket(udp) },
			`^<134>1 \d{4}-\d\d-\d\dT\S+ ` + host + ` sl-tag \d+ sl-tag - hello out$`},
		{"tcp://" + tcp.Addr().String(), "rfc3164", func() string { return <-tcpLines },
			`^<134>` + stamp + ` ` + host + ` sl-tag\[\d+\]: hello out$`},
		{"unixgram://" + sock, "", func() string { return readPacket(unixgram) },
			`^<134>` + stamp + ` sl-tag\[\d+\]: hello out$`},
	} {
		out, code := d.docker("", "run", "--name", "bt-en-sl", "--log-driver", "syslog", "--log-opt", "syslog-address="+tc.addr,
			"--log-opt", "syslog-facility=local0", "--log-opt", "syslog-format="+tc.format, "--log-opt", "tag=sl-tag",
			"busybox", "sh", "-c", "echo hello out; echo hello err >&2")
		if code != 0 || (out != "hello out\nhello err\n" && out != "hello err\nhello out\n") {
			t.Fatalf("run %s: %d %q", tc.addr, code, out)
		}
		got := []string{tc.read(), tc.read()}
		sort.Strings(got) // <131> (local0.err) before <134> (local0.info)
		if !regexp.MustCompile(tc.want).MatchString(got[1]) || !strings.HasPrefix(got[0], "<131>") || !strings.HasSuffix(got[0], "hello err") {
			t.Fatalf("%s %q: got %q, want %s", tc.addr, tc.format, got, tc.want)
		}
		if out, code := d.docker("", "logs", "bt-en-sl"); code == 0 || !strings.Contains(out, "configured logging driver does not support reading") {
			t.Fatalf("logs of syslog: %d %q", code, out)
		}
		mustOut(t, d, "rm", "bt-en-sl")
	}
	// A syslog server that cannot be reached fails the start, as with dockerd.
	dead := tcp.Addr().String()
	tcp.Close()
	if out, code := d.docker("", "run", "--rm", "--log-driver", "syslog", "--log-opt", "syslog-address=tcp://"+dead, "busybox", "true"); code == 0 || !strings.Contains(out, "failed to initialize logging driver") {
		t.Fatalf("unreachable syslog: %d %q", code, out)
	}
	// The daemon's log-driver and log-opts.
	d.restartWithConfig(`"log-driver": "syslog", "log-opts": {"syslog-address": "udp://` + udp.LocalAddr().String() + `", "tag": "from-daemon"}`)
	if out := mustOut(t, d, "run", "--name", "bt-en-sld", "busybox", "echo", "via daemon"); out != "via daemon\n" {
		t.Fatalf("run: %q", out)
	}
	if got := readPacket(udp); !regexp.MustCompile(`^<30>` + stamp + ` from-daemon\[\d+\]: via daemon$`).MatchString(got) {
		t.Fatalf("daemon default driver sent %q", got)
	}
	if out := mustOut(t, d, "inspect", "-f", "{{json .HostConfig.LogConfig}}", "bt-en-sld"); !strings.HasPrefix(out, `{"Type":"syslog","Config":{`) {
		t.Fatalf("log config %s", out)
	}
	if out := mustOut(t, d, "info", "-f", "{{.LoggingDriver}}"); out != "syslog\n" {
		t.Fatalf("info logging driver %q", out)
	}
	if out := mustOut(t, d, "run", "--rm", "--log-driver", "json-file", "busybox", "echo", "own"); out != "own\n" {
		t.Fatalf("own driver: %q", out)
	}
}

// TestLogDriverNonBlocking: a tcp syslog server that accepts and never
// reads; a container writing 50 MB finishes with mode=non-blocking (the
// overflow of max-buffer-size is dropped), and stop works.
func TestLogDriverNonBlocking(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // never read
		}
	}()
	start := time.Now()
	out, code := d.docker("", "run", "--name", "bt-en-nb", "--log-driver", "syslog", "--log-opt", "syslog-address=tcp://"+l.Addr().String(),
		"--log-opt", "mode=non-blocking", "--log-opt", "max-buffer-size=1m", "busybox", "sh", "-c", writer(655360)+" >/dev/stdout; echo done")
	if code != 0 {
		t.Fatalf("run: %d %.200q", code, out)
	}
	if el := time.Since(start); el > 50*time.Second {
		t.Fatalf("50 MB took %v with a stuck syslog server", el)
	}
	t.Logf("50 MB written in %v to a syslog server that reads nothing", time.Since(start))
	// blocking (the default) would stop the writer: show it does, then
	// that stop ends it.
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-b", "--log-driver", "syslog", "--log-opt", "syslog-address=tcp://"+l.Addr().String(),
		"busybox", "sh", "-c", writer(655360)+"; touch /done; sleep 100"); code != 0 {
		t.Fatalf("run blocking: %d %q", code, out)
	}
	time.Sleep(3 * time.Second)
	if _, code := d.docker("", "exec", "bt-en-b", "test", "-f", "/done"); code == 0 {
		t.Fatalf("blocking mode: the writer was not held back by the stuck server")
	}
	if out, code := d.docker("", "rm", "-f", "bt-en-b"); code != 0 {
		t.Fatalf("rm -f blocked container: %d %q", code, out)
	}
}

// ensureJournald makes sure journald listens on its native socket: when
// nothing does, it runs systemd-journald by hand (as root, outside
// systemd it binds its sockets itself) until the test ends.
func ensureJournald(t *testing.T) {
	t.Helper()
	const sock = "/run/systemd/journal/socket"
	listening := func() bool {
		c, err := net.Dial("unixgram", sock)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	if listening() {
		return
	}
	// What journald creates and the host did not have goes when it stops.
	var created []string
	for _, dir := range []string{"/run/systemd/journal", "/run/log/journal", "/run/log"} {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			created = append(created, dir)
		}
	}
	cmd := exec.Command("/lib/systemd/systemd-journald")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start systemd-journald: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for _, dir := range created {
			_ = os.RemoveAll(dir)
		}
	})
	waitFor(t, 10*time.Second, "journald's socket ("+out.String()+")", listening)
}

// TestLogDriverJournald sends a container's output to journald (started
// by the test when none runs) with dockerd's fields; logs refuses.
func TestLogDriverJournald(t *testing.T) {
	ensureJournald(t)
	d := startDaemon(t)
	d.importBusybox()
	name := "bt-en-jd-" + randHex(3)
	out := mustOut(t, d, "run", "--name", name, "--log-driver", "journald", "--log-opt", "tag=jd-{{.Name}}",
		"--log-opt", "labels=team", "--label", "team=infra", "busybox", "sh", "-c", "echo to journal; echo err line >&2")
	if out != "to journal\nerr line\n" && out != "err line\nto journal\n" {
		t.Fatalf("run: %q", out)
	}
	id := strings.TrimSpace(mustOut(t, d, "inspect", "-f", "{{.Id}}", name))
	var got string
	waitFor(t, 10*time.Second, "the entries in the journal", func() bool {
		b, _ := exec.Command("journalctl", "--no-pager", "-o", "export", "CONTAINER_NAME="+name).Output()
		got = string(b)
		return strings.Count(got, "\nMESSAGE=") == 2
	})
	for _, want := range []string{"\nMESSAGE=to journal\n", "\nMESSAGE=err line\n", "\nPRIORITY=6\n", "\nPRIORITY=3\n",
		"\nCONTAINER_ID=" + id[:12] + "\n", "\nCONTAINER_ID_FULL=" + id + "\n", "\nCONTAINER_TAG=jd-" + name + "\n",
		"\nSYSLOG_IDENTIFIER=jd-" + name + "\n", "\nIMAGE_NAME=busybox\n", "\nTEAM=infra\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("journal lacks %q:\n%s", want, got)
		}
	}
	if out, code := d.docker("", "logs", name); code == 0 || !strings.Contains(out, "configured logging driver does not support reading") {
		t.Fatalf("logs of journald: %d %q", code, out)
	}
}
