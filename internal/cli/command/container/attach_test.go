package container_test

import (
	"bufio"
	"io"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
)

func TestStartAttachExitCode(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /containers/web/json", clitest.JSON(container.InspectResponse{ID: ctrID, Config: &container.Config{}, State: &container.State{}}))
	afterStart := f.HandleStartWait(ctrID, 5, 0, "")
	f.Handle("POST /containers/"+ctrID+"/attach", clitest.Hijack(false, func(in *bufio.Reader, out io.Writer) {
		if afterStart() {
			clitest.Frame(out, 1, "again\n")
		}
	}))
	out, errOut, code := f.Run("", "start", "-a", "web")
	if code != 5 || out != "again\n" {
		t.Fatalf("start -a: exit %d out %q err %q", code, out, errOut)
	}
}

func TestAttachRefusesStoppedContainer(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /containers/web/json", clitest.JSON(container.InspectResponse{ID: ctrID, Config: &container.Config{}, State: &container.State{Status: "exited"}}))
	_, errOut, code := f.Run("", "attach", "web")
	if code != 1 || errOut != "You cannot attach to a stopped container, start it first\n" {
		t.Fatalf("attach: exit %d err %q", code, errOut)
	}
}
