package priority

import (
	"os"
	"runtime"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// TestSetEveryThread lowers the priority (no privilege needed) and checks
// every thread has it, those made afterwards too.
func TestSetEveryThread(t *testing.T) {
	old, err := Get()
	if err != nil {
		t.Fatal(err)
	}
	want := min(old+3, 19)
	if err := Set(want); err != nil {
		t.Fatal(err)
	}
	// Threads made after Set: each locked goroutine holds one.
	started, done := make(chan struct{}), make(chan struct{})
	for range 4 {
		go func() {
			runtime.LockOSThread()
			started <- struct{}{}
			<-done
		}()
		<-started
	}
	defer close(done)
	nices, err := testutil.ThreadNices(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for tid, got := range nices {
		if got != want {
			t.Errorf("thread %s has nice %d, want %d", tid, got, want)
		}
	}
	if got, _ := Get(); got != want {
		t.Errorf("Get = %d, want %d", got, want)
	}
}
