package container_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
)

const ctrID = "c0ffee0000000000000000000000000000000000000000000000000000000001"

// runFake wires create, attach, wait and start for one container whose
// process writes to stdout and stderr, echoes stdin, and exits with code.
func runFake(t *testing.T, code int64, startErr string) *clitest.FakeDaemon {
	f := clitest.New(t)
	f.Handle("POST /containers/create", clitest.JSON(container.CreateResponse{ID: ctrID}))
	afterStart := f.HandleStartWait(ctrID, code, 0, startErr)
	f.Handle("POST /containers/"+ctrID+"/attach", clitest.Hijack(false, func(in *bufio.Reader, out io.Writer) {
		if !afterStart() {
			return
		}
		clitest.Frame(out, 1, "hello\n")
		clitest.Frame(out, 2, "oops\n")
		if line, err := in.ReadString('\n'); err == nil {
			clitest.Frame(out, 1, "echo:"+line)
		}
	}))
	f.Handle("DELETE /containers/"+ctrID, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return f
}

func TestRunAttachesAndExitsWithContainerCode(t *testing.T) {
	f := runFake(t, 3, "")
	out, errOut, code := f.Run("ping\n", "run", "-i", "--name", "web", "-e", "A=1", "busybox", "sh", "-c", "exit 3")
	if code != 3 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != "hello\necho:ping\n" || errOut != "oops\n" {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
	creates := f.Find("POST", "/containers/create")
	if len(creates) != 1 || !strings.Contains(creates[0].Query, "name=web") {
		t.Fatalf("create requests %+v", creates)
	}
	var body struct {
		container.Config
		HostConfig container.HostConfig
	}
	if err := json.Unmarshal(creates[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Image != "busybox" || strings.Join(body.Cmd, " ") != "sh -c exit 3" || !body.AttachStdin || !body.OpenStdin || !body.StdinOnce || body.Env[0] != "A=1" {
		t.Fatalf("create config %+v", body.Config)
	}
	attach := f.Find("POST", "/containers/"+ctrID+"/attach")[0].Query
	for _, p := range []string{"stdin=1", "stdout=1", "stderr=1", "stream=1"} {
		if !strings.Contains(attach, p) {
			t.Fatalf("attach query %q lacks %s", attach, p)
		}
	}
	if q := f.Find("POST", "/containers/"+ctrID+"/wait")[0].Query; !strings.Contains(q, "next-exit") {
		t.Fatalf("wait condition %q", q)
	}
}

func TestRunDetachPrintsID(t *testing.T) {
	f := runFake(t, 0, "")
	out, errOut, code := f.Run("", "run", "-d", "busybox", "sleep", "1000")
	if code != 0 || out != ctrID+"\n" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	if n := len(f.Find("POST", "/containers/"+ctrID+"/attach")); n != 0 {
		t.Fatalf("run -d attached %d times", n)
	}
}

func TestRunRmWaitsForRemoval(t *testing.T) {
	f := runFake(t, 0, "")
	_, errOut, code := f.Run("", "run", "--rm", "busybox", "true")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if q := f.Find("POST", "/containers/"+ctrID+"/wait")[0].Query; !strings.Contains(q, "removed") {
		t.Fatalf("wait condition %q", q)
	}
}

func TestRunStartErrorExitCodes(t *testing.T) {
	for _, c := range []struct {
		msg  string
		code int
	}{
		{`failed to create task: exec: "nosuch": executable file not found in $PATH`, 127},
		{"exec /etc/passwd: permission denied", 126},
		{"cgroup setup failed", 125},
	} {
		f := runFake(t, 0, c.msg)
		_, errOut, code := f.Run("", "run", "busybox", "nosuch")
		if code != c.code {
			t.Errorf("%q: exit %d, want %d", c.msg, code, c.code)
		}
		if !strings.HasPrefix(errOut, "berth: Error response from daemon: "+c.msg) || !strings.Contains(errOut, "Run 'berth run --help' for more information") {
			t.Errorf("stderr %q", errOut)
		}
	}
}

func TestRunUnknownImageAndBadFlag(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /containers/create", clitest.NotFound("No such image: nosuch:latest"))
	f.Handle("POST /images/create", clitest.NotFound("pull access denied for nosuch, repository does not exist"))
	_, errOut, code := f.Run("", "run", "nosuch")
	if code != 125 || !strings.HasPrefix(errOut, "Unable to find image 'nosuch:latest' locally\n") ||
		!strings.Contains(errOut, "berth: Error response from daemon: pull access denied") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	_, errOut, code = f.Run("", "run", "--x", "busybox")
	if code != 125 || errOut != "unknown flag: --x\nSee 'berth run --help'.\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth run --help' for more information\n" {
		t.Fatalf("bad flag: exit %d stderr %q", code, errOut)
	}
	_, errOut, code = f.Run("", "run", "--restart", "always", "--rm", "busybox")
	if code != 125 || !strings.Contains(errOut, "conflicting options: cannot specify both --restart and --rm") {
		t.Fatalf("--rm --restart: exit %d stderr %q", code, errOut)
	}
}

func TestCreateCidfileAndDetachKeys(t *testing.T) {
	f := runFake(t, 0, "")
	cid := filepath.Join(t.TempDir(), "cid")
	out, errOut, code := f.Run("", "create", "--cidfile", cid, "--name", "c1", "busybox")
	if code != 0 || out != ctrID+"\n" {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	if b, _ := os.ReadFile(cid); string(b) != ctrID {
		t.Fatalf("cidfile %q", b)
	}
	// An existing cidfile is refused before anything is created.
	_, errOut, code = f.Run("", "create", "--cidfile", cid, "busybox")
	if code != 125 || !strings.Contains(errOut, "container ID file found") || len(f.Find("POST", "/containers/create")) != 1 {
		t.Fatalf("second create: %d %q", code, errOut)
	}
	_, errOut, code = f.Run("", "run", "--detach-keys", "ctrl-1", "busybox")
	if code != 125 || !strings.Contains(errOut, "invalid detach keys (ctrl-1) provided") {
		t.Fatalf("bad detach keys: %d %q", code, errOut)
	}
}
