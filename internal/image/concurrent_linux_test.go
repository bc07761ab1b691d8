package image

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// TestConcurrentLoads loads the same archive four times at once while
// another image is deleted: every load succeeds, and the layer exists once.
func TestConcurrentLoads(t *testing.T) {
	ctx := context.Background()
	src := newStore(t)
	src.importFiles(t, map[string]string{"a": "1", "b": "2"}, ImportOptions{Ref: "bt-im-conc"})
	archive := src.save(t, "bt-im-conc")
	s := newStore(t)
	other := s.importFiles(t, map[string]string{"other": "x"}, ImportOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Load(ctx, bytes.NewReader(archive), nil)
			errs <- err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := s.Delete(ctx, other)
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GC(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countSnapshots(t, s.sn); n != 1 {
		t.Fatalf("%d snapshots, want 1", n)
	}
	if _, err := s.Get(ctx, "bt-im-conc"); err != nil {
		t.Fatal(err)
	}
}
