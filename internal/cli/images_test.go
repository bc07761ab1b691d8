package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/image"
)

func TestImagesTable(t *testing.T) {
	f := newFakeDaemon(t)
	now := time.Now().Unix()
	f.handle("GET /images/json", jsonHandler([]image.Summary{
		{ID: "sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", RepoTags: []string{"busybox:latest", "busybox:1.36"},
			Created: now - 3*24*3600, Size: 4_272_193},
		{ID: "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", Created: now - 3600, Size: 1234},
	}))
	out, errOut, code := f.run("", "images")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n" +
		"busybox      latest    9a1b2c3d4e5f   3 days ago    4.27MB\n" +
		"busybox      1.36      9a1b2c3d4e5f   3 days ago    4.27MB\n" +
		"<none>       <none>    001122334455   About an hour ago   1.23kB\n"
	// tabwriter aligns all rows; recompute the expected alignment.
	want = "REPOSITORY   TAG       IMAGE ID       CREATED             SIZE\n" +
		"busybox      latest    9a1b2c3d4e5f   3 days ago          4.27MB\n" +
		"busybox      1.36      9a1b2c3d4e5f   3 days ago          4.27MB\n" +
		"<none>       <none>    001122334455   About an hour ago   1.23kB\n"
	if out != want {
		t.Fatalf("images output:\n%s\nwant:\n%s", out, want)
	}
	out, _, _ = f.run("", "images", "-q")
	if out != "9a1b2c3d4e5f\n9a1b2c3d4e5f\n001122334455\n" {
		t.Fatalf("images -q %q", out)
	}
	out, _, _ = f.run("", "image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
	if !strings.HasPrefix(out, "busybox:latest sha256:9a1b2c3d") {
		t.Fatalf("image ls --no-trunc %q", out)
	}
	f.run("", "images", "busybox")
	reqs := f.find("GET", "/images/json")
	if q := reqs[len(reqs)-1].Query; !strings.Contains(q, "reference") || !strings.Contains(q, "busybox") {
		t.Fatalf("images busybox query %q", q)
	}
}

func TestImagesDigests(t *testing.T) {
	rows := imageRows(image.Summary{
		RepoTags:    []string{"reg.local/app:v1"},
		RepoDigests: []string{"reg.local/app@sha256:1111111111111111111111111111111111111111111111111111111111111111"},
	}, true)
	if len(rows) != 1 || rows[0].Repository() != "reg.local/app" || rows[0].Tag() != "v1" || !strings.HasPrefix(rows[0].Digest(), "sha256:1111") {
		t.Fatalf("rows %+v", rows[0])
	}
	rows = imageRows(image.Summary{RepoDigests: []string{"app@sha256:1111111111111111111111111111111111111111111111111111111111111111"}}, false)
	if len(rows) != 1 || rows[0].Repository() != "app" || rows[0].Tag() != "<none>" {
		t.Fatalf("digest-only rows %+v", rows)
	}
}

func TestRmiOutputAndErrors(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("DELETE /images/busybox", jsonHandler([]image.DeleteResponse{
		{Untagged: "busybox:latest"}, {Deleted: "sha256:abc"},
	}))
	f.handle("DELETE /images/nosuch", notFound("No such image: nosuch:latest"))
	out, errOut, code := f.run("", "rmi", "busybox", "nosuch")
	if out != "Untagged: busybox:latest\nDeleted: sha256:abc\n" {
		t.Fatalf("rmi stdout %q", out)
	}
	if code != 1 || errOut != "Error response from daemon: No such image: nosuch:latest\n" {
		t.Fatalf("rmi exit %d stderr %q", code, errOut)
	}
	if q := f.find("DELETE", "/images/busybox")[0].Query; strings.Contains(q, "force=1") {
		t.Fatalf("rmi without -f sent force: %q", q)
	}
	f.run("", "image", "rm", "-f", "busybox")
	if q := f.find("DELETE", "/images/busybox")[1].Query; !strings.Contains(q, "force=1") {
		t.Fatalf("image rm -f did not send force: %q", q)
	}
}

func TestHistory(t *testing.T) {
	f := newFakeDaemon(t)
	now := time.Now().Unix()
	f.handle("GET /images/busybox/history", jsonHandler([]image.HistoryResponseItem{
		{ID: "sha256:9a1b2c3d4e5f60718293a4b5c6d7e8f9", Created: now - 7200, CreatedBy: "/bin/sh -c #(nop)  CMD [\"sh\"]", Size: 0},
		{ID: "<missing>", Created: now - 7200, CreatedBy: "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ", Size: 4272193, Comment: "imported"},
	}))
	out, _, code := f.run("", "history", "busybox")
	want := "IMAGE          CREATED       CREATED BY                                      SIZE      COMMENT\n" +
		"9a1b2c3d4e5f   2 hours ago   /bin/sh -c #(nop)  CMD [\"sh\"]                   0B        \n" +
		"<missing>      2 hours ago   /bin/sh -c #(nop) ADD file:0123456789abcdef0…   4.27MB    imported\n"
	if code != 0 || out != want {
		t.Fatalf("history:\n%q\nwant\n%q", out, want)
	}
	out, _, _ = f.run("", "history", "-q", "busybox")
	if out != "9a1b2c3d4e5f\n<missing>\n" {
		t.Fatalf("history -q %q", out)
	}
	out, _, _ = f.run("", "history", "-H=false", "--format", "{{.Size}}", "busybox")
	if out != "0\n4272193\n" {
		t.Fatalf("history -H=false %q", out)
	}
}
