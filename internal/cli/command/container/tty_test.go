package container_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/berth/berth/internal/testutil"
	"github.com/creack/pty"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/term"
)

// TestRunTTY runs "run -it" with a pseudo-terminal as the CLI's stdin and
// stdout: the console size goes into create and resize, the stream is raw
// (not multiplexed), the terminal is raw during the run and restored after.
func TestRunTTY(t *testing.T) {
	ptm, pts, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	defer ptm.Close()
	defer pts.Close()
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 33, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	before, err := term.SaveState(pts.Fd())
	if err != nil {
		t.Fatal(err)
	}

	f := clitest.New(t)
	f.Handle("POST /containers/create", clitest.JSON(container.CreateResponse{ID: ctrID}))
	afterStart := f.HandleStartWait(ctrID, 0, 50*time.Millisecond, "")
	rawDuringRun := make(chan bool, 1)
	f.Handle("POST /containers/"+ctrID+"/attach", clitest.Hijack(true, func(in *bufio.Reader, out io.Writer) {
		if !afterStart() {
			return
		}
		st, _ := term.SaveState(pts.Fd())
		rawDuringRun <- st != nil && *st != *before
		io.WriteString(out, "tty-hello\r\n")
	}))
	f.Handle("POST /containers/"+ctrID+"/resize", clitest.NoContent)

	got := make(chan string, 1)
	go func() {
		b := make([]byte, 256)
		var acc strings.Builder
		for !strings.Contains(acc.String(), "tty-hello") {
			n, err := ptm.Read(b)
			if err != nil {
				break
			}
			acc.Write(b[:n])
		}
		got <- acc.String()
	}()

	c := f.CLI(pts, pts, pts)
	code := c.Run(context.Background(), []string{"run", "-it", "busybox", "sh"})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if s := testutil.Receive(t, got, 5*time.Second, "output on the terminal"); !strings.Contains(s, "tty-hello") {
		t.Fatalf("terminal got %q", s)
	}
	if !<-rawDuringRun {
		t.Error("terminal was not in raw mode during the run")
	}
	after, _ := term.SaveState(pts.Fd())
	if *after != *before {
		t.Error("terminal state not restored")
	}
	var body struct {
		container.Config
		HostConfig container.HostConfig
	}
	json.Unmarshal(f.Find("POST", "/containers/create")[0].Body, &body)
	if !body.Tty || body.HostConfig.ConsoleSize != [2]uint{33, 101} {
		t.Errorf("create: tty %v console %v", body.Tty, body.HostConfig.ConsoleSize)
	}
	rs := f.Find("POST", "/containers/"+ctrID+"/resize")
	if len(rs) == 0 || !strings.Contains(rs[0].Query, "h=33") || !strings.Contains(rs[0].Query, "w=101") {
		t.Errorf("resize requests %+v", rs)
	}
}

func TestRunTTYNeedsTerminal(t *testing.T) {
	f := clitest.New(t)
	_, errOut, code := f.Run("", "run", "-it", "busybox")
	if code != 1 || errOut != "the input device is not a TTY\n" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}
