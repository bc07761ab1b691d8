package logger

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// File writes the entries of one on-disk format (json-file or local) to a
// log file, rotating it by size as dockerd does: name.log (newest),
// name.log.1, … name.log.<max-file - 1> (oldest); with compress, each
// rotated file is gzipped in the background to name.log.<i>.gz, its gzip
// header holding the time of its last entry ({"lastTime": …}, dockerd's).
type File struct {
	mu       sync.Mutex
	path     string
	format   format
	maxSize  int64 // 0 = never rotate
	maxFiles int   // files kept, including the current one (>= 1)
	compress bool
	f        *os.File
	size     int64
	buf      []byte
	entries  int // entries in buf
	last     time.Time
	zipping  chan struct{} // closed when the last rotation's compression is over
	closed   bool
	dropped  int64 // messages a failed write (a full disk) lost
}

// NewJSONFile opens (appending) a json-file log at path. With maxSize > 0
// the file is rotated before a write would make it larger than maxSize;
// maxFiles files are kept (name.log, name.log.1, …); maxFiles <= 1
// truncates instead.
func NewJSONFile(path string, maxSize int64, maxFiles int) (*File, error) {
	return newFile(path, jsonFormat{}, rotation{maxSize: maxSize, maxFiles: maxFiles})
}

// rotation is how a log file is rotated.
type rotation struct {
	maxSize  int64 // 0 = never
	maxFiles int
	compress bool
}

func newFile(path string, fm format, rot rotation) (*File, error) {
	if rot.maxFiles < 1 {
		rot.maxFiles = 1
	}
	f, size, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &File{path: path, format: fm, maxSize: rot.maxSize, maxFiles: rot.maxFiles, compress: rot.compress && rot.maxFiles > 1, f: f, size: size}, nil
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
func (j *File) Log(m Message) error {
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
func (j *File) Append(m Message) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appendLocked(m)
}

// Flush writes the buffered messages.
func (j *File) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.flushLocked()
}

func (j *File) appendLocked(m Message) error {
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
	j.buf = j.format.encode(j.buf, m)
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
	j.entries++
	j.last = m.Time
	if len(j.buf) >= 64<<10 {
		return j.flushLocked()
	}
	return nil
}

// flushLocked writes the buffer. When the write fails (ENOSPC) the
// buffered messages are dropped and counted, never retried: the
// container's output must not wait for space. A part written is cut off,
// so that the file holds whole entries only.
func (j *File) flushLocked() error {
	if len(j.buf) == 0 || j.f == nil {
		return nil
	}
	n, err := j.f.Write(j.buf)
	if err != nil {
		if n > 0 && j.f.Truncate(j.size) != nil {
			j.size += int64(n)
		}
		j.dropped += int64(j.entries)
		j.buf, j.entries = j.buf[:0], 0
		return fmt.Errorf("write log %s: %w", j.path, err)
	}
	j.size += int64(n)
	j.buf, j.entries = j.buf[:0], 0
	return nil
}

// Dropped returns how many messages failed writes have lost.
func (j *File) Dropped() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// rotate shifts name.log.i to name.log.i+1, drops the oldest and starts a
// fresh name.log. With one file it truncates. With compress, the file that
// became name.log.1 is gzipped in the background; the next rotation waits
// for it.
func (j *File) rotate() error {
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
	j.waitZip()
	ext := ""
	if j.compress {
		ext = ".gz"
	}
	if err := os.Remove(rotated(j.path, j.maxFiles-1) + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate log %s: %w", j.path, err)
	}
	for i := j.maxFiles - 1; i >= 1; i-- {
		from, to := rotated(j.path, i-1), rotated(j.path, i)
		if i > 1 {
			from, to = from+ext, to+ext
		}
		if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate log %s: %w", from, err)
		}
	}
	if j.compress {
		done := make(chan struct{})
		j.zipping = done
		name, last := rotated(j.path, 1), j.last
		go func() {
			defer close(done)
			_ = compressFile(name, last) // on failure the plain file stays: readers take either
		}()
	}
	f, size, err := openAppend(j.path)
	if err != nil {
		return err
	}
	j.f, j.size = f, size
	return nil
}

// waitZip waits for the compression of the last rotated file.
func (j *File) waitZip() {
	if j.zipping != nil {
		<-j.zipping
		j.zipping = nil
	}
}

// gzipMeta is the gzip header's extra field of a rotated file, as dockerd
// writes it.
type gzipMeta struct {
	LastTime time.Time `json:"lastTime,omitempty"`
}

// compressFile writes name.gz from name, then removes name. Readers that
// find both take name (the .gz may be incomplete).
func compressFile(name string, last time.Time) (err error) {
	src, err := os.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := name + ".gz.tmp"
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	zw := gzip.NewWriter(dst)
	zw.Header.Extra, _ = json.Marshal(gzipMeta{LastTime: last})
	_, err = io.Copy(zw, src)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name+".gz"); err != nil {
		return err
	}
	return os.Remove(name)
}

// rotated is the name of the i-th rotated file; 0 is the current one.
func rotated(path string, i int) string {
	if i == 0 {
		return path
	}
	return path + "." + strconv.Itoa(i)
}

// Reopen writes what is buffered and opens the log's path again, creating
// the file when another process renamed it away (the kubelet's rotation of
// a CRI log, then its ReopenContainerLog). When the open fails, the next
// write tries again.
func (j *File) Reopen() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return errors.New("reopen log: closed")
	}
	ferr := j.flushLocked()
	if j.f != nil {
		_ = j.f.Close()
		j.f = nil
	}
	f, size, err := openAppend(j.path)
	if err != nil {
		return err
	}
	j.f, j.size = f, size
	return ferr
}

// Close writes what is buffered, closes the file and waits for a
// compression under way.
func (j *File) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	defer j.waitZip()
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
