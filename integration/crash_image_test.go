package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/snapshot"
)

// storeState is what a crash must leave unchanged: the image list, the
// blobs, every snapshot (committed or not), and no scratch files.
func storeState(t *testing.T, d *testDaemon) string {
	t.Helper()
	imgs, code := d.docker("", "images", "-a", "-q", "--no-trunc")
	if code != 0 {
		t.Fatalf("images: %s", imgs)
	}
	return fmt.Sprintf("images=%q blobs=%v", imgs, dirEntries(filepath.Join(d.root, "content", "blobs", "sha256")))
}

func snapshotKeys(t *testing.T, root string) []string {
	t.Helper()
	sn, _, err := snapshot.New(filepath.Join(root, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	var keys []string
	_ = sn.Walk(context.Background(), func(i snapshot.Info) error {
		keys = append(keys, i.Key)
		return nil
	})
	return keys
}

func scratchLeft(root string) []string {
	var left []string
	for _, dir := range []string{"image/tmp", "content/ingest"} {
		for _, n := range dirEntries(filepath.Join(root, dir)) {
			left = append(left, dir+"/"+n)
		}
	}
	return left
}

// TestCrashDuringCommitAndLoad SIGKILLs the daemon in the middle of a
// commit (layer stored, image not yet recorded) and in the middle of a load
// (half of the archive received): after a restart there is no half-made
// image, layer, blob, snapshot or scratch file.
func TestCrashDuringCommitAndLoad(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	if out, code := d.docker("", "run", "--name", "bt-en-cm", "busybox", "sh", "-c", "head -c 4000000 /dev/urandom > /big"); code != 0 {
		t.Fatalf("run: %d %q", code, out)
	}
	before := storeState(t, d)
	d.stop()
	snapsBefore := snapshotKeys(t, d.root)

	// commit, killed after the layer is stored.
	d.startExpectCrash("commit-after-layer")
	if out, code := d.docker("", "commit", "bt-en-cm", "bt-en-committed"); code == 0 {
		t.Fatalf("commit succeeded despite the crash point: %q", out)
	}
	d.waitExit(10 * time.Second)
	d.start(nil)
	if after := storeState(t, d); after != before {
		t.Fatalf("commit crash left a change:\n%s\n%s", before, after)
	}
	d.stop()
	if after := snapshotKeys(t, d.root); strings.Join(after, ",") != strings.Join(snapsBefore, ",") {
		t.Fatalf("commit crash left snapshots: %v, before %v", after, snapsBefore)
	}
	if left := scratchLeft(d.root); len(left) != 0 {
		t.Fatalf("commit crash left scratch files: %v", left)
	}

	// The same commit works after the restart; save it, remove it.
	d.start(nil)
	if out, code := d.docker("", "commit", "bt-en-cm", "bt-en-committed"); code != 0 {
		t.Fatalf("commit after restart: %d %q", code, out)
	}
	archive := filepath.Join(t.TempDir(), "img.tar")
	if out, code := d.docker("", "save", "-o", archive, "bt-en-committed"); code != 0 {
		t.Fatalf("save: %d %q", code, out)
	}
	if out, code := d.docker("", "rmi", "bt-en-committed"); code != 0 {
		t.Fatalf("rmi: %d %q", code, out)
	}
	before = storeState(t, d)
	d.stop()
	snapsBefore = snapshotKeys(t, d.root)

	// load, killed with half of the archive received.
	d.start(nil)
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", d.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /images/load?quiet=1 HTTP/1.1\r\nHost: berth\r\nContent-Type: application/x-tar\r\nContent-Length: %d\r\n\r\n", len(data))
	if _, err := conn.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the daemon to start the load", func() bool { return len(scratchLeft(d.root)) > 0 })
	d.kill9()
	d.start(nil)
	if after := storeState(t, d); after != before {
		t.Fatalf("load crash left a change:\n%s\n%s", before, after)
	}
	d.stop()
	if after := snapshotKeys(t, d.root); strings.Join(after, ",") != strings.Join(snapsBefore, ",") {
		t.Fatalf("load crash left snapshots: %v, before %v", after, snapsBefore)
	}
	if left := scratchLeft(d.root); len(left) != 0 {
		t.Fatalf("load crash left scratch files: %v", left)
	}
	d.start(nil)
	if out, code := d.docker("", "load", "-i", archive); code != 0 || !strings.Contains(out, "bt-en-committed") {
		t.Fatalf("load after restart: %d %q", code, out)
	}
}
