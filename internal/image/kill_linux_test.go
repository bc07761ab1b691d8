package image

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

// stallReader yields data up to half, then touches marker and blocks.
type stallReader struct {
	data   []byte
	off    int
	marker string
}

func (r *stallReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data)/2 {
		os.WriteFile(r.marker, nil, 0o644)
		select {}
	}
	n := copy(p, r.data[r.off:len(r.data)/2])
	r.off += n
	return n, nil
}

// TestHelperStalledLoad is run as a child process by TestKilledMidLoad.
func TestHelperStalledLoad(t *testing.T) {
	s, r := stalledHelper(t, "archive.tar")
	s.Load(context.Background(), r, nil)
}

// TestKilledMidLoad SIGKILLs a process in the middle of a load (layers
// partly unpacked and ingested) and checks that reopening the store leaves
// no half-made image, layer, snapshot, blob or scratch file.
func TestKilledMidLoad(t *testing.T) {
	ctx := context.Background()
	src := newStore(t)
	if _, err := src.Import(ctx, bytes.NewReader(busyboxTar(t)), ImportOptions{Ref: "bt-im-kill"}); err != nil {
		t.Fatal(err)
	}
	archive := src.save(t, "bt-im-kill")
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "archive.tar"), archive, 0o644)
	// The store reads the whole archive before unpacking; a stalled load
	// therefore dies with a scratch dir and an ingest in flight. Also stall
	// an import (a layer half unpacked and half ingested) below.
	killMidway(t, root, "TestHelperStalledLoad", "load")
	scratch, _ := os.ReadDir(filepath.Join(root, "image", "tmp"))
	if len(scratch) == 0 {
		t.Fatal("the load left no scratch dir: it was not killed mid-way")
	}

	s := openStore(t, root, "")
	if imgs, _ := s.List(ctx); len(imgs) != 0 {
		t.Errorf("%d images after the killed load", len(imgs))
	}
	if n := countSnapshots(t, s.sn); n != 0 {
		t.Errorf("%d snapshots after the killed load", n)
	}
	for _, d := range []string{"image/tmp", "content/ingest", "content/blobs/sha256", "snapshots/snapshots"} {
		if ents, _ := os.ReadDir(filepath.Join(root, d)); len(ents) != 0 {
			t.Errorf("%s not empty after reopen: %d entries", d, len(ents))
		}
	}
	// And the archive loads cleanly afterwards.
	if _, err := s.Load(ctx, bytes.NewReader(archive), nil); err != nil {
		t.Fatal(err)
	}
}

// TestKilledMidImport kills a process while a layer is being unpacked and
// ingested in one pass (the same path commit and load use per layer).
func TestKilledMidImport(t *testing.T) {
	root := testutil.RootTempDir(t)
	os.WriteFile(filepath.Join(root, "layer.tar"), busyboxTar(t), 0o644)
	killMidway(t, root, "TestHelperStalledImport", "import")
	if ents, _ := os.ReadDir(filepath.Join(root, "content", "ingest")); len(ents) == 0 {
		t.Fatal("no ingest in flight: the import was not killed mid-way")
	}
	s := openStore(t, root, "")
	if n := countSnapshots(t, s.sn); n != 0 {
		t.Errorf("%d snapshots after the killed import", n)
	}
	for _, d := range []string{"content/ingest", "content/blobs/sha256", "snapshots/snapshots"} {
		if ents, _ := os.ReadDir(filepath.Join(root, d)); len(ents) != 0 {
			t.Errorf("%s not empty after reopen: %d entries", d, len(ents))
		}
	}
}

// TestHelperStalledImport is run as a child process by TestKilledMidImport.
func TestHelperStalledImport(t *testing.T) {
	s, r := stalledHelper(t, "layer.tar")
	s.Import(context.Background(), r, ImportOptions{Ref: "bt-im-half"})
}

// killMidway runs the test helper in a child process on root, waits until
// it marks the middle of its work with the file "half", and kills it there.
func killMidway(t *testing.T, root, helper, what string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.v")
	cmd.Env = append(os.Environ(), "BT_IM_KILL_ROOT="+root)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(root, "half")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("helper never reached the middle of the " + what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

// stalledHelper opens the store of a helper child process on
// $BT_IM_KILL_ROOT and a reader of the file there that stalls half-way
// (the helper's test is skipped outside a child process).
func stalledHelper(t *testing.T, file string) (*testStore, *stallReader) {
	root := os.Getenv("BT_IM_KILL_ROOT")
	if root == "" {
		t.Skip("helper process only")
	}
	s := openStore(t, root, "")
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	return s, &stallReader{data: data, marker: filepath.Join(root, "half")}
}
