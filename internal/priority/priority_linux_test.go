package priority

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// niceOf reads a thread's nice value from /proc (field 19 of stat); false
// for a thread that has ended.
func niceOf(t *testing.T, tid string) (int, bool) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/task/" + tid + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	n, err := strconv.Atoi(f[16])
	if err != nil {
		t.Fatal(err)
	}
	return n, true
}

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
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if got, ok := niceOf(t, task.Name()); ok && got != want {
			t.Errorf("thread %s has nice %d, want %d", task.Name(), got, want)
		}
	}
	if got, _ := Get(); got != want {
		t.Errorf("Get = %d, want %d", got, want)
	}
}
