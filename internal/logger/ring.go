package logger

import (
	"sync"
	"time"
)

// nonBlocking is mode=non-blocking: messages wait in a buffer of at most
// max bytes for a goroutine that hands them to the driver, so that a
// driver that cannot deliver (a syslog server that stops reading) never
// stops the container; a message that finds the buffer full is dropped.
type nonBlocking struct {
	d       Driver
	max     int64
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []Message
	size    int64
	closed  bool
	dropped int64
	done    chan struct{}
}

func newNonBlocking(d Driver, max int64) *nonBlocking {
	nb := &nonBlocking{d: d, max: max, done: make(chan struct{})}
	nb.cond = sync.NewCond(&nb.mu)
	go nb.drain()
	return nb
}

func (nb *nonBlocking) Append(m Message) error {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if nb.closed {
		return nil
	}
	n := int64(len(m.Line))
	if nb.size+n > nb.max && len(nb.queue) > 0 {
		nb.dropped++
		return nil
	}
	m.Line = append([]byte(nil), m.Line...)
	nb.queue = append(nb.queue, m)
	nb.size += n
	nb.cond.Signal()
	return nil
}

// Flush returns at once: the drain delivers.
func (nb *nonBlocking) Flush() error { return nil }

func (nb *nonBlocking) drain() {
	defer close(nb.done)
	for {
		nb.mu.Lock()
		for len(nb.queue) == 0 && !nb.closed {
			nb.cond.Wait()
		}
		batch := nb.queue
		nb.queue, nb.size = nil, 0
		closed := nb.closed
		nb.mu.Unlock()
		for _, m := range batch {
			_ = nb.d.Append(m)
		}
		_ = nb.d.Flush()
		if closed && len(batch) == 0 {
			return
		}
	}
}

// closeGrace is how long Close lets the buffer drain before it closes the
// driver under it (which ends a delivery that hangs).
const closeGrace = 2 * time.Second

func (nb *nonBlocking) Close() error {
	nb.mu.Lock()
	nb.closed = true
	nb.cond.Signal()
	nb.mu.Unlock()
	select {
	case <-nb.done:
		return nb.d.Close()
	case <-time.After(closeGrace):
	}
	err := nb.d.Close()
	<-nb.done
	return err
}
