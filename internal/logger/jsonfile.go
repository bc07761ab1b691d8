package logger

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/docker/go-units"
)

// Rotation reads json-file's rotation from a container's log options:
// max-size (0, never rotate, when absent or not a size) and max-file (the
// files kept, at least 1).
func Rotation(opts map[string]string) (maxSize int64, maxFiles int) {
	if n, err := units.RAMInBytes(opts["max-size"]); err == nil && opts["max-size"] != "" {
		maxSize = n
	}
	if _, err := fmt.Sscan(opts["max-file"], &maxFiles); err != nil || maxFiles < 1 {
		maxFiles = 1
	}
	return maxSize, maxFiles
}

// JSONFile writes messages to a json-file log, rotating it by size.
type JSONFile struct {
	mu       sync.Mutex
	path     string
	maxSize  int64 // 0 = never rotate
	maxFiles int   // files kept, including the current one (>= 1)
	f        *os.File
	size     int64
	buf      []byte
	closed   bool
	dropped  int64 // messages a failed write (a full disk) lost
	// encode appends one message in the file's format (appendEntry, or
	// appendCRIEntry for a CRI log).
	encode func([]byte, Message) []byte
}

// NewJSONFile opens (appending) the log at path. With maxSize > 0 the file is
// rotated before a write would make it larger than maxSize; maxFiles files are
// kept (name.log, name.log.1, …); maxFiles <= 1 truncates instead.
func NewJSONFile(path string, maxSize int64, maxFiles int) (*JSONFile, error) {
	if maxFiles < 1 {
		maxFiles = 1
	}
	f, size, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &JSONFile{path: path, maxSize: maxSize, maxFiles: maxFiles, f: f, size: size, encode: appendEntry}, nil
}

// openAppend opens (creating) the log at path for appending and returns
// its size.
func openAppend(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, 0, fmt.Errorf("open log %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("stat log %s: %w", path, err)
	}
	return f, st.Size(), nil
}

// Log writes one message.
func (j *JSONFile) Log(m Message) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.appendLocked(m); err != nil {
		return err
	}
	return j.flushLocked()
}

// Append buffers one message; Flush writes the buffered messages. A writer
// that gets many lines at once (one read of a pipe) appends them all and
// flushes once: one write(2) instead of one per line.
func (j *JSONFile) Append(m Message) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appendLocked(m)
}

// Flush writes the buffered messages.
func (j *JSONFile) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.flushLocked()
}

func (j *JSONFile) appendLocked(m Message) error {
	if j.closed {
		return errors.New("write log: closed")
	}
	if j.f == nil { // a rotation that failed (a full disk): try again
		f, size, err := openAppend(j.path)
		if err != nil {
			j.dropped++
			return err
		}
		j.f, j.size = f, size
	}
	n := len(j.buf)
	j.buf = j.encode(j.buf, m)
	if j.maxSize > 0 && j.size+int64(len(j.buf)) > j.maxSize && j.size+int64(n) > 0 {
		// The new entry does not fit: write what came before, rotate, and
		// start the new file with it.
		entry := append([]byte(nil), j.buf[n:]...)
		j.buf = j.buf[:n]
		if err := j.flushLocked(); err != nil {
			return err
		}
		if err := j.rotate(); err != nil {
			return err
		}
		j.buf = append(j.buf, entry...)
	}
	if len(j.buf) >= 64<<10 {
		return j.flushLocked()
	}
	return nil
}

// flushLocked writes the buffer. When the write fails (ENOSPC) the
// buffered messages are dropped and counted, never retried: the
// container's output must not wait for space. A part written is cut off,
// so that the file holds whole entries only.
func (j *JSONFile) flushLocked() error {
	if len(j.buf) == 0 || j.f == nil {
		return nil
	}
	n, err := j.f.Write(j.buf)
	if err != nil {
		if n > 0 && j.f.Truncate(j.size) != nil {
			j.size += int64(n)
		}
		j.dropped += int64(bytes.Count(j.buf, []byte{'\n'}))
		j.buf = j.buf[:0]
		return fmt.Errorf("write log %s: %w", j.path, err)
	}
	j.size += int64(n)
	j.buf = j.buf[:0]
	return nil
}

// Dropped returns how many messages failed writes have lost.
func (j *JSONFile) Dropped() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// rotate shifts name.log.i to name.log.i+1, drops the oldest and starts a
// fresh name.log. With one file it truncates.
func (j *JSONFile) rotate() error {
	if j.maxFiles <= 1 {
		if err := j.f.Truncate(0); err != nil {
			return fmt.Errorf("truncate log %s: %w", j.path, err)
		}
		j.size = 0
		return nil
	}
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("close log %s: %w", j.path, err)
	}
	j.f = nil
	for i := j.maxFiles - 1; i >= 1; i-- {
		from := rotated(j.path, i-1)
		if err := os.Rename(from, rotated(j.path, i)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate log %s: %w", from, err)
		}
	}
	f, size, err := openAppend(j.path)
	if err != nil {
		return err
	}
	j.f, j.size = f, size
	return nil
}

// rotated is the name of the i-th rotated file; 0 is the current one.
func rotated(path string, i int) string {
	if i == 0 {
		return path
	}
	return path + "." + strconv.Itoa(i)
}

// Close closes the file.
func (j *JSONFile) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	if j.f == nil {
		return nil
	}
	ferr := j.flushLocked()
	err := j.f.Close()
	if err == nil {
		err = ferr
	}
	j.f = nil
	return err
}
