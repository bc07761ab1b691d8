package system_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/image"
)

func TestInspect(t *testing.T) {
	f := clitest.New(t)
	raw := `{"Id":"abc","Name":"/web","State":{"Status":"exited","Running":false,"ExitCode":3},"Config":{"Image":"busybox","Env":["A=1"],"Labels":{"k":"v"}},"HostConfig":{"Memory":67108864}}`
	f.Handle("GET /containers/web/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, raw)
	})
	f.Handle("GET /containers/nosuch/json", clitest.NotFound("No such container: nosuch"))
	f.Handle("GET /images/nosuch/json", clitest.NotFound("No such image: nosuch:latest"))
	f.Handle("GET /containers/busybox/json", clitest.NotFound("No such container: busybox"))
	f.Handle("GET /images/busybox/json", clitest.JSON(image.InspectResponse{ID: "sha256:1234", RepoTags: []string{"busybox:latest"}}))

	out, _, code := f.Run("", "inspect", "web")
	if code != 0 || !strings.HasPrefix(out, "[\n    {\n        \"Id\": \"abc\",\n        \"Name\": \"/web\",") || !strings.HasSuffix(out, "}\n]\n") {
		t.Fatalf("inspect default output %q", out)
	}
	f.WantOut(t, "3 busybox {\"k\":\"v\"} A=1\n", "inspect", "-f", "{{.State.ExitCode}} {{.Config.Image}} {{json .Config.Labels}} {{index .Config.Env 0}}", "web")
	f.WantOut(t, "67108864\n", "container", "inspect", "--format", "{{.HostConfig.Memory}}", "web")
	f.WantOut(t, "sha256:1234\n", "inspect", "--format", "{{.ID}}", "busybox")
	out, errOut, code := f.Run("", "inspect", "web", "nosuch")
	if code != 1 || errOut != "Error: No such object: nosuch\n" || !strings.HasPrefix(out, "[\n") {
		t.Fatalf("inspect missing: exit %d err %q", code, errOut)
	}
	_, errOut, code = f.Run("", "container", "inspect", "nosuch")
	if code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("container inspect missing: exit %d err %q", code, errOut)
	}
	_, errOut, code = f.Run("", "inspect", "-f", "{{.State.ExitCode", "web")
	if code != 64 || !strings.HasPrefix(errOut, "template parsing error") {
		t.Fatalf("bad template: exit %d err %q", code, errOut)
	}
}
