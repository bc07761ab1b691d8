package integration

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The CRI's streaming calls through crictl: exec with stdin, its exit code, exec on a terminal that follows the client's
// size, attach with stdin, and port-forward to a web server in the pod;
// the streaming server listens on a loopback port, random unless
// daemon.json's "cri-stream-address" sets it.
func TestCRICrictlStreams(t *testing.T) {
	d := startDaemon(t)
	ref := criBusybox(t, d)
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "pod.json"), `{"metadata":{"name":"streams","namespace":"default","uid":"uid-s","attempt":0},
		"log_directory":"`+filepath.Join(dir, "logs")+`"}`)
	mustWrite(t, filepath.Join(dir, "shell.json"), `{"metadata":{"name":"shell"},"image":{"image":"`+ref+`"},
		"command":["sh","-c","echo ready; while read l; do echo got:$l; done; echo bye"],
		"stdin":true,"stdin_once":true,"log_path":"shell.log"}`)
	mustWrite(t, filepath.Join(dir, "web.json"), `{"metadata":{"name":"web"},"image":{"image":"`+ref+`"},
		"command":["sh","-c","mkdir /tmp/www && echo pod-page >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]}`)
	pod := d.mustCrictl("runp", filepath.Join(dir, "pod.json"))
	shell := d.mustCrictl("create", pod, filepath.Join(dir, "shell.json"), filepath.Join(dir, "pod.json"))
	web := d.mustCrictl("create", pod, filepath.Join(dir, "web.json"), filepath.Join(dir, "pod.json"))
	d.mustCrictl("start", shell)
	d.mustCrictl("start", web)

	// exec -i: the client's stdin reaches the command, which sees its end;
	// stdout and stderr come back apart (SPDY: the streaming library
	// speaks the WebSocket protocols up to v4, crictl's WebSocket client
	// only v5). The URL is on the loopback address.
	out, errOut, code := d.crictlIn("a\nb\n", "-D", "exec", "-i", shell, "sh", "-c", "cat; echo done; echo err >&2")
	if code != 0 || out != "a\nb\ndone\n" || !strings.Contains(errOut, "err\n") || !regexp.MustCompile(`Exec URL: http://127\.0\.0\.1:\d+/exec/`).MatchString(errOut) {
		t.Fatalf("crictl exec -i: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	// A command's exit code reaches the client.
	if _, errOut, code := d.crictl("exec", shell, "sh", "-c", "exit 7"); code != 1 || !strings.Contains(errOut, "command terminated with exit code 7") {
		t.Fatalf("crictl exec of exit 7: exit %d %s", code, errOut)
	}

	// exec -it: a terminal of the client's size, resized with it.
	criTerminal(t, d, shell)

	// port-forward: a local port of crictl reaches 127.0.0.1:8080 in the
	// pod's network namespace.
	page := criPortForward(t, d, pod, 8080, "/index.html")
	if page != "pod-page\n" {
		t.Fatalf("the page through crictl port-forward: %q", page)
	}

	// attach -i: the client's input reaches the process, whose stdin ends
	// with it (stdin_once): the process says bye and exits.
	out, errOut, code = d.crictlIn("hello\n", "attach", "-i", shell)
	if code != 0 || out != "got:hello\nbye\n" {
		t.Fatalf("crictl attach -i: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	waitFor(t, 30*time.Second, "the attached container to exit", func() bool {
		return strings.Contains(d.mustCrictl("inspect", shell), `"state": "CONTAINER_EXITED"`)
	})
	// Exec and attach need a running container.
	if _, errOut, code := d.crictl("exec", "-i", shell, "true"); code == 0 || !strings.Contains(errOut, "not running") {
		t.Fatalf("crictl exec in an exited container: exit %d %s", code, errOut)
	}
	d.mustCrictl("rmp", "-f", pod)

	// daemon.json's "cri-stream-address" sets where it listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d.restartWithConfig(`"cri-stream-address": "` + addr + `"`)
	pod = d.mustCrictl("runp", filepath.Join(dir, "pod.json"))
	web = d.mustCrictl("create", pod, filepath.Join(dir, "web.json"), filepath.Join(dir, "pod.json"))
	d.mustCrictl("start", web)
	if out, errOut, code := d.crictlIn("", "-D", "exec", "-i", web, "echo", "hi"); code != 0 || out != "hi\n" || !strings.Contains(errOut, "Exec URL: http://"+addr+"/exec/") {
		t.Fatalf("crictl exec with cri-stream-address %s: exit %d %q\n%s", addr, code, out, errOut)
	}
	d.mustCrictl("rmp", "-f", pod)
}

// criTerminal runs `crictl exec -it ctr sh` on a pseudo-terminal of 40x100
// and checks that the shell's terminal has that size, then 50x120 after
// the client's terminal is resized; the shell's exit ends crictl.
func criTerminal(t *testing.T, d *testDaemon, ctr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := d.crictlCmd(ctx, "exec", "-it", ctr, "sh")
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var mu sync.Mutex
	var screen strings.Builder
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := term.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(screen.String(), s)
	}
	// The size is asked again until it shows: a resize reaches the
	// terminal asynchronously, as with any terminal.
	for _, size := range [][2]uint16{{40, 100}, {50, 120}} {
		if err := pty.Setsize(term, &pty.Winsize{Rows: size[0], Cols: size[1]}); err != nil {
			t.Fatal(err)
		}
		want := "size=" + strconv.Itoa(int(size[0])) + "x" + strconv.Itoa(int(size[1]))
		waitFor(t, 30*time.Second, "the exec's terminal at "+want, func() bool {
			_, _ = io.WriteString(term, "echo size=$(stty size | tr ' ' x)\r")
			deadline := time.Now().Add(time.Second)
			for time.Now().Before(deadline) && !seen(want) {
				time.Sleep(50 * time.Millisecond)
			}
			return seen(want)
		})
	}
	_, _ = io.WriteString(term, "tty; exit\r")
	if err := cmd.Wait(); err != nil {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("crictl exec -it: %v\n%s", err, screen.String())
	}
	if !seen("/dev/pts/") {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("crictl exec -it: the shell is on no terminal:\n%s", screen.String())
	}
}

// criPortForward runs `crictl port-forward pod :port`, GETs path through
// the local port it reports (waiting for the server in the pod to answer)
// and returns the body.
func criPortForward(t *testing.T, d *testDaemon, pod string, port int, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := d.crictlCmd(ctx, "port-forward", pod, ":"+strconv.Itoa(port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	local := ""
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`^Forwarding from (127\.0\.0\.1:\d+) -> ` + strconv.Itoa(port) + `$`)
	for local == "" && sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			local = m[1]
		}
	}
	if local == "" {
		t.Fatalf("crictl port-forward reports no local port: %s", stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second} // no proxy
	var body string
	waitFor(t, 30*time.Second, "the pod's server through port-forward", func() bool {
		resp, err := client.Get("http://" + local + path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return body
}
