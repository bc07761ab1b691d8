package contexts

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

func tarOf(t *testing.T, files map[string]string) io.Reader {
	return bytes.NewReader(testutil.TarFiles(t, files))
}

// A build holds its mirror: a second build of the same context gets a
// fresh one under its tmp; beyond eight idle mirrors the oldest go; Prune
// removes the idle ones and reports them.
func TestStoreKeepsEvictsPrunes(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "contexts"))
	ctx := map[string]string{"Dockerfile": "FROM scratch\n", "a": "hello"}
	src := Source{Dockerfile: "Dockerfile", Tags: []string{"x:0"}}
	bc, release, err := s.Receive(tarOf(t, ctx), src, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bc2, release2, err := s.Receive(tarOf(t, ctx), src, tmp)
	if err != nil {
		t.Fatal(err)
	}
	if bc.Dir == bc2.Dir || filepath.Dir(bc2.Dir) != tmp {
		t.Errorf("second build of a held context: %s, first %s", bc2.Dir, bc.Dir)
	}
	release2()
	if recs := s.Records(); len(recs) != 1 || !recs[0].InUse || recs[0].Size != int64(len("FROM scratch\n")+len("hello")) {
		t.Errorf("records while held: %+v", recs)
	}
	release()
	for i := 1; i <= maxMirrors; i++ {
		time.Sleep(10 * time.Millisecond) // distinct index times
		_, rel, err := s.Receive(tarOf(t, ctx), Source{Dockerfile: "Dockerfile", Tags: []string{fmt.Sprintf("x:%d", i)}}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		rel()
	}
	recs := s.Records()
	if len(recs) != maxMirrors {
		t.Fatalf("%d mirrors kept, want %d", len(recs), maxMirrors)
	}
	if _, err := os.Stat(bc.Dir); err == nil {
		t.Error("the least recently used mirror was kept")
	}
	if du := s.Usage(); du.TotalCount != maxMirrors || du.ActiveCount != 0 || du.Reclaimable != du.TotalSize {
		t.Errorf("usage %+v", du)
	}
	if gone := s.Prune(); len(gone) != maxMirrors || len(s.Records()) != 0 {
		t.Errorf("prune: %d gone, %d left", len(gone), len(s.Records()))
	}
}
