package testutil

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// SyncBuffer is a bytes.Buffer safe for a writer (a process's output
// copier) and a reader (the test polling it).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor polls until s has been written or timeout passes, and reports
// whether it came (a process's "ready" line, say).
func (b *SyncBuffer) WaitFor(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.String(), s) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
