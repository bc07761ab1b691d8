package logger

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/recovery"
)

// watcher wakes a following reader when the log's directory changes
// (writes, rotation), through inotify.
type watcher struct {
	f    *os.File
	wake chan struct{}
}

// newWatcher watches the directory of path; nil when inotify is unavailable
// (the reader then polls).
func newWatcher(path string) *watcher {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil
	}
	const mask = unix.IN_MODIFY | unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE | unix.IN_CLOSE_WRITE
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), mask); err != nil {
		unix.Close(fd)
		return nil
	}
	w := &watcher{f: os.NewFile(uintptr(fd), "inotify"), wake: make(chan struct{}, 1)}
	recovery.Go(nil, "watch log file", func() {
		buf := make([]byte, 4096)
		for {
			if _, err := w.f.Read(buf); err != nil {
				return
			}
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}, nil)
	return w
}

func (w *watcher) close() {
	if w != nil {
		w.f.Close()
	}
}
