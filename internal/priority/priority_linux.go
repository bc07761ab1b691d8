// Package priority sets the CPU priority (nice value) of a whole process.
// Linux keeps a nice value per thread, and a thread starts with the value
// of the thread that made it; a Go program has threads before main runs.
package priority

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Daemon is the daemon's nice value: its threads are served before the
// containers' and the runtime's processes (nice 0), so that the API
// answers while container starts keep every core busy. The monitor
// resets itself to Container, and with it everything it starts.
const (
	Daemon    = -5
	Container = 0
)

// Set gives every thread of this process the nice value n. The threads are
// walked twice, for one made from a thread the first walk had not reached.
func Set(n int) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, n); err != nil && !errors.Is(err, unix.ESRCH) {
				return err
			}
		}
	}
	return nil
}

// Get returns the nice value of the calling thread.
func Get() (int, error) {
	// The raw syscall returns 20 - nice, never negative.
	p, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	return 20 - p, err
}
