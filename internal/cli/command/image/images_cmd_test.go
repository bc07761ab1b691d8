package image_test

import (
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/image"
)

func TestImagesTable(t *testing.T) {
	f := clitest.New(t)
	now := time.Now().Unix()
	f.Handle("GET /images/json", clitest.JSON([]image.Summary{
		{ID: "sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", RepoTags: []string{"busybox:latest", "busybox:1.36"},
			Created: now - 3*24*3600, Size: 4_272_193},
		{ID: "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", Created: now - 3600, Size: 1234},
	}))
	f.WantOut(t, "REPOSITORY   TAG       IMAGE ID       CREATED             SIZE\n"+
		"busybox      latest    9a1b2c3d4e5f   3 days ago          4.27MB\n"+
		"busybox      1.36      9a1b2c3d4e5f   3 days ago          4.27MB\n"+
		"<none>       <none>    001122334455   About an hour ago   1.23kB\n", "images")
	f.WantOut(t, "9a1b2c3d4e5f\n9a1b2c3d4e5f\n001122334455\n", "images", "-q")
	out, _, _ := f.Run("", "image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
	if !strings.HasPrefix(out, "busybox:latest sha256:9a1b2c3d") {
		t.Fatalf("image ls --no-trunc %q", out)
	}
	f.Run("", "images", "busybox")
	reqs := f.Find("GET", "/images/json")
	if q := reqs[len(reqs)-1].Query; !strings.Contains(q, "reference") || !strings.Contains(q, "busybox") {
		t.Fatalf("images busybox query %q", q)
	}
}

func TestRmiOutputAndErrors(t *testing.T) {
	f := clitest.New(t)
	f.Handle("DELETE /images/busybox", clitest.JSON([]image.DeleteResponse{
		{Untagged: "busybox:latest"}, {Deleted: "sha256:abc"},
	}))
	f.Handle("DELETE /images/nosuch", clitest.NotFound("No such image: nosuch:latest"))
	out, errOut, code := f.Run("", "rmi", "busybox", "nosuch")
	if out != "Untagged: busybox:latest\nDeleted: sha256:abc\n" {
		t.Fatalf("rmi stdout %q", out)
	}
	if code != 1 || errOut != "Error response from daemon: No such image: nosuch:latest\n" {
		t.Fatalf("rmi exit %d stderr %q", code, errOut)
	}
	if q := f.Find("DELETE", "/images/busybox")[0].Query; strings.Contains(q, "force=1") {
		t.Fatalf("rmi without -f sent force: %q", q)
	}
	f.Run("", "image", "rm", "-f", "busybox")
	if q := f.Find("DELETE", "/images/busybox")[1].Query; !strings.Contains(q, "force=1") {
		t.Fatalf("image rm -f did not send force: %q", q)
	}
	// with -f a missing image is reported but is no failure, as docker does
	out, errOut, code = f.Run("", "rmi", "-f", "nosuch", "busybox")
	if code != 0 || errOut != "Error response from daemon: No such image: nosuch:latest\n" || out != "Untagged: busybox:latest\nDeleted: sha256:abc\n" {
		t.Fatalf("rmi -f nosuch busybox: exit %d stdout %q stderr %q", code, out, errOut)
	}
}

func TestHistory(t *testing.T) {
	f := clitest.New(t)
	now := time.Now().Unix()
	f.Handle("GET /images/busybox/history", clitest.JSON([]image.HistoryResponseItem{
		{ID: "sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f9", Created: now - 7200, CreatedBy: "/bin/sh -c #(nop)  CMD [\"sh\"]", Size: 0},
		{ID: "<missing>", Created: now - 7200, CreatedBy: "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ", Size: 4272193, Comment: "imported"},
	}))
	out, _, code := f.Run("", "history", "busybox")
	want := "IMAGE          CREATED       CREATED BY                                      SIZE      COMMENT\n" +
		"9a1b2c3d4e5f   2 hours ago   /bin/sh -c #(nop)  CMD [\"sh\"]                   0B        \n" +
		"<missing>      2 hours ago   /bin/sh -c #(nop) ADD file:0123456789abcdef0…   4.27MB    imported\n"
	if code != 0 || out != want {
		t.Fatalf("history:\n%q\nwant\n%q", out, want)
	}
	f.WantOut(t, "9a1b2c3d4e5f\n<missing>\n", "history", "-q", "busybox")
	f.WantOut(t, "0\n4272193\n", "history", "-H=false", "--format", "{{.Size}}", "busybox")
}
