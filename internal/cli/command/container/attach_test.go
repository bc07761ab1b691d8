package container_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
)

func TestStartAttachExitCode(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /containers/web/json", clitest.JSON(container.InspectResponse{ID: ctrID, Config: &container.Config{}, State: &container.State{}}))
	started := make(chan struct{})
	f.Handle("POST /containers/"+ctrID+"/attach", clitest.Hijack(false, func(in *bufio.Reader, out io.Writer) {
		select {
		case <-started:
		case <-f.Closing:
			return
		}
		clitest.Frame(out, 1, "again\n")
	}))
	f.Handle("POST /containers/"+ctrID+"/wait", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-started:
		case <-f.Closing:
			return
		}
		json.NewEncoder(w).Encode(container.WaitResponse{StatusCode: 5})
	})
	f.Handle("POST /containers/"+ctrID+"/start", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		w.WriteHeader(http.StatusNoContent)
	})
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
