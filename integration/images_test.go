package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

// TestImageCommands drives the image commands (import, images, tag, save,
// load in every compression, history, image inspect, rmi, image prune) and
// the remaining container commands (top, container prune, system df, system
// prune) through both CLIs, including bad input that must leave nothing.
func TestImageCommands(t *testing.T) { forEachCLI(t, testImageCommands) }

func testImageCommands(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	testutil.BusyboxRootfs(t, rootfs)
	tarball := filepath.Join(dir, "busybox.tar")
	if out, err := exec.Command("tar", "-C", rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, code := d.docker(stdin, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, out)
		}
		return out
	}

	// import from a file with --change and -m; from stdin.
	id := strings.TrimSpace(must("", "import", "-c", `CMD ["sh"]`, "-c", "ENV FOO=bar", "-m", "from busybox-static", tarball, "bt-im:one"))
	if !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
		t.Fatalf("import printed %q, want sha256:<64 hex>", id)
	}
	data, err := os.ReadFile(tarball)
	if err != nil {
		t.Fatal(err)
	}
	id2 := strings.TrimSpace(must(string(data), "import", "-", "bt-im:stdin"))
	if got := must("", "image", "inspect", "-f", "{{.Config.Env}} {{.Config.Cmd}} {{.Comment}}", "bt-im:one"); !strings.Contains(got, "FOO=bar") || !strings.Contains(got, "[sh]") || !strings.Contains(got, "from busybox-static") {
		t.Fatalf("import --change/-m not applied: %q", got)
	}
	if out := must("", "run", "--rm", "bt-im:one", "sh", "-c", "echo $FOO"); out != "bar\n" {
		t.Fatalf("run of the imported image: %q", out)
	}

	// images: table, -q, --format, filters; tag; short-ID lookup.
	must("", "tag", "bt-im:one", "bt-im:two")
	must("", "tag", id[7:19], "example.com/bt/im:three")
	table := must("", "images")
	if !strings.HasPrefix(table, "REPOSITORY") || !strings.Contains(table, "IMAGE ID") || !strings.Contains(table, "bt-im ") || !strings.Contains(table, id[7:19]) {
		t.Fatalf("images table:\n%s", table)
	}
	if q := must("", "images", "-q", "--filter", "reference=bt-im:two"); strings.TrimSpace(q) != id[7:19] {
		t.Fatalf("images -q --filter reference: %q", q)
	}
	if f := must("", "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=example.com/*/*"); strings.TrimSpace(f) != "example.com/bt/im:three" {
		t.Fatalf("images --format with reference filter: %q", f)
	}
	if hist := must("", "history", "bt-im:one"); !strings.Contains(hist, "IMAGE") || !strings.Contains(hist, "CREATED BY") {
		t.Fatalf("history:\n%s", hist)
	}
	if got := strings.Fields(must("", "image", "inspect", "-f", "{{.Id}}", "bt-im:stdin", "bt-im:two")); len(got) != 2 || got[0] != id2 || got[1] != id {
		t.Fatalf("image inspect of two images: %q", got)
	}
	if out, code := d.docker("", "image", "inspect", "bt-im:nosuch"); code != 1 || !strings.Contains(out, "No such image") {
		t.Fatalf("inspect of an unknown image: %d %q", code, out)
	}

	// save two images into one archive, remove them, load them back in
	// every compression; IDs and tags survive.
	archive := filepath.Join(dir, "two.tar")
	must("", "save", "-o", archive, "bt-im:one", "bt-im:stdin")
	for _, comp := range []string{"", "gzip", "bzip2", "xz"} {
		must("", "rmi", "-f", "bt-im:one", "bt-im:two", "example.com/bt/im:three", "bt-im:stdin")
		if out, code := d.docker("", "image", "inspect", id); code == 0 {
			t.Fatalf("image still there after rmi: %s", out)
		}
		in := archive
		if comp != "" {
			in = archive + "." + comp
			if out, err := exec.Command("sh", "-c", comp+" -c "+archive+" > "+in).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v %s", comp, err, out)
			}
		}
		out := must("", "load", "-i", in)
		if !strings.Contains(out, "Loaded image: bt-im:one") || !strings.Contains(out, "Loaded image: bt-im:stdin") {
			t.Fatalf("load %s: %q", comp, out)
		}
		if got := strings.TrimSpace(must("", "image", "inspect", "-f", "{{.Id}}", "bt-im:one")); got != id {
			t.Fatalf("load %s: ID %s, want %s", comp, got, id)
		}
	}
	if got := strings.TrimSpace(must("", "image", "inspect", "-f", "{{.Id}}", "bt-im:stdin")); got != id2 {
		t.Fatalf("second image of the archive: %s, want %s", got, id2)
	}

	// Bad input: a truncated archive and garbage are refused and add nothing.
	before := must("", "images", "-a", "-q", "--no-trunc")
	trunc := filepath.Join(dir, "trunc.tar")
	if err := os.WriteFile(trunc, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := d.docker("", "load", "-i", trunc); code == 0 {
		t.Fatalf("load of a truncated archive succeeded: %s", out)
	}
	if out, code := d.docker("this is not a tar archive\n", "import", "-", "bt-im:garbage"); code == 0 {
		t.Fatalf("import of garbage succeeded: %s", out)
	}
	if out, code := d.docker("", "tag", "bt-im:one", "Bad:Ref:x"); code == 0 || !strings.Contains(strings.ToLower(out), "invalid reference format") {
		t.Fatalf("tag with a malformed reference: %d %q", code, out)
	}
	if out, code := d.docker("", "images", "--format", "{{.Nope"); code == 0 {
		t.Fatalf("invalid --format accepted: %s", out)
	}
	if after := must("", "images", "-a", "-q", "--no-trunc"); after != before {
		t.Fatalf("failed commands changed the image list:\n%s\nthen\n%s", before, after)
	}

	// rmi untags first; the image goes with its last tag.
	out := must("", "rmi", "bt-im:stdin")
	if !strings.Contains(out, "Untagged: bt-im:stdin") || !strings.Contains(out, "Deleted: "+id2) {
		t.Fatalf("rmi of the last tag: %q", out)
	}

	// top, container prune, system df, system prune.
	must("", "run", "-d", "--name", "bt-en-top", "busybox", "sleep", "100")
	waitFor(t, 5*time.Second, "sleep in top", func() bool {
		o, _ := d.docker("", "top", "bt-en-top")
		return strings.Contains(o, "PID") && strings.Contains(o, "sleep 100")
	})
	must("", "run", "--name", "bt-en-done", "busybox", "true")
	if df := must("", "system", "df"); !strings.Contains(df, "TYPE") || !strings.Contains(df, "Images") || !strings.Contains(df, "Containers") {
		t.Fatalf("system df:\n%s", df)
	}
	if out := must("", "container", "prune", "-f"); !strings.Contains(out, "Deleted Containers:") {
		t.Fatalf("container prune: %q", out)
	}
	if _, code := d.docker("", "inspect", "bt-en-done"); code == 0 {
		t.Fatal("container prune left the stopped container")
	}
	if _, code := d.docker("", "inspect", "bt-en-top"); code != 0 {
		t.Fatal("container prune removed the running container")
	}
	must("", "rm", "-f", "bt-en-top")
	must("", "system", "prune", "-a", "-f")
	if left := strings.TrimSpace(must("", "images", "-a", "-q")); left != "" {
		t.Fatalf("system prune -a left images: %q", left)
	}
}
