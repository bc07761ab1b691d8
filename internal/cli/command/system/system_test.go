package system_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
)

func TestSystemDfVersionInfo(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /system/df", clitest.JSON(map[string]any{
		"Images":     []image.Summary{{ID: "sha256:a", Size: 4_000_000, Containers: 1}, {ID: "sha256:b", Size: 1_000_000, Containers: 0}},
		"Containers": []container.Summary{{ID: "c1", SizeRw: 100, State: container.StateRunning}},
		"Volumes":    []any{},
		"BuildCache": []any{},
	}))
	out, errOut, code := f.Run("", "system", "df")
	if code != 0 {
		t.Fatalf("df: %d %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if lines[0] != "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" || !strings.HasPrefix(lines[1], "Images          2         1") {
		t.Fatalf("df output:\n%s", out)
	}
	f.Handle("GET /version", clitest.JSON(map[string]any{"Version": "0.9.0", "ApiVersion": "1.51", "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64"}))
	f.WantOut(t, "0.9.0 linux\n", "version", "--format", "{{.Server.Version}} {{.Client.Os}}")
	out, _, _ = f.Run("", "version")
	if !strings.Contains(out, "Server: \n") && !strings.Contains(out, "Server:\n") || !strings.Contains(out, "  Version:          0.9.0") {
		t.Fatalf("version output %q", out)
	}
	f.Handle("GET /info", clitest.JSON(map[string]any{"ServerVersion": "0.9.0", "Driver": "overlay2", "Containers": 3, "ContainersRunning": 1}))
	f.WantOut(t, "overlay2 3\n", "info", "--format", "{{.Driver}} {{.Containers}}")
	out, _, _ = f.Run("", "info")
	if !strings.Contains(out, " Containers: 3\n  Running: 1\n") || !strings.Contains(out, " Storage Driver: overlay2\n") {
		t.Fatalf("info output %q", out)
	}
}

func TestEvents(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web","image":"busybox"}},"time":1,"timeNano":1000000000}`+"\n")
	})
	out, _, code := f.Run("", "events", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
	if code != 0 || out != "container start web\n" {
		t.Fatalf("events: %d %q", code, out)
	}
	out, _, _ = f.Run("", "events")
	if !strings.HasSuffix(out, " container start abc (image=busybox, name=web)\n") {
		t.Fatalf("events default: %q", out)
	}
}
