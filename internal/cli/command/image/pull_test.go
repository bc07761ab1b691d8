package image_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
)

func TestPull(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"Pulling from library/busybox","id":"latest"}`+"\n"+`{"status":"Status: Downloaded newer image for busybox:latest"}`+"\n")
	})
	out, errOut, code := f.Run("", "pull", "busybox")
	if code != 0 || !strings.HasSuffix(out, "Status: Downloaded newer image for busybox:latest\ndocker.io/library/busybox:latest\n") {
		t.Fatalf("pull: %d %q %q", code, out, errOut)
	}
	if q := f.Find("POST", "/images/create")[0].Query; !strings.Contains(q, "fromImage=docker.io%2Flibrary%2Fbusybox") || !strings.Contains(q, "tag=latest") {
		t.Fatalf("pull query %q", q)
	}
}
