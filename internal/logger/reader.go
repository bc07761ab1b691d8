package logger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
)

// ReadConfig selects what Read returns.
type ReadConfig struct {
	Tail   int       // only the last Tail matching messages of the history; < 0 means all
	Since  time.Time // skip messages before Since (zero: no bound)
	Until  time.Time // stop at messages after Until (zero: no bound)
	Follow bool      // after the history, wait for new messages
	Stdout bool      // select stdout; with Stderr false and Stdout false both are selected
	Stderr bool      // select stderr
	// Stop, when closed during Follow, makes Read return once it has read
	// everything written so far (the container exited).
	Stop <-chan struct{}
	// Driver is the log's driver: json-file ("" too) or local.
	Driver string
}

// FollowInterval is how often a following reader looks for new data when
// inotify is not available (with inotify, it is woken by changes).
var FollowInterval = 50 * time.Millisecond

// errUntil ends reading at the first message after Until.
var errUntil = errors.New("until reached")

// Read reads the log at path (json-file or local, cfg.Driver) and its
// rotated files, plain or gzipped, oldest first,
// and calls fn for each selected message. With cfg.Follow it keeps reading
// across rotations until ctx ends, cfg.Stop is closed or Until has passed.
// A missing log is an empty one. fn's error ends Read and is returned.
func Read(ctx context.Context, path string, cfg ReadConfig, fn func(Message) error) error {
	if !cfg.Stdout && !cfg.Stderr {
		cfg.Stdout, cfg.Stderr = true, true
	}
	r := &reader{cfg: cfg, fn: fn, format: formatOf(cfg.Driver)}
	var cur *os.File
	var err error
	if cfg.Tail >= 0 {
		cur, err = r.tailHistory(path)
	} else {
		cur, err = r.history(path)
	}
	if errors.Is(err, errUntil) {
		return nil
	}
	if err != nil {
		return err
	}
	if !cfg.Follow {
		closeFile(cur)
		return nil
	}
	err = r.follow(ctx, path, cur)
	if errors.Is(err, errUntil) {
		return nil
	}
	return err
}

func closeFile(f *os.File) {
	if f != nil {
		f.Close()
	}
}

type reader struct {
	cfg     ReadConfig
	fn      func(Message) error
	format  format
	pending []byte    // incomplete last entry of the current file
	sawOld  bool      // a message before Since was skipped
	last    time.Time // the time of the last entry read
	after   time.Time // when set, entries up to this time are skipped (read already)
}

// history reads the rotated files and the current one, and returns the
// current one open at its end (nil if missing): a catch-up from nothing.
func (r *reader) history(path string) (*os.File, error) { return r.catchUp(path, nil) }

// readOldestFirst reads the rotated files (newest first, as opened) from
// the oldest, then cur to its end, and closes the rotated files. Entries
// no newer than the last one read are skipped: a file that a rotation
// showed twice is read once.
func (r *reader) readOldestFirst(files []rotatedFile, cur *os.File) error {
	defer func() {
		for _, f := range files {
			f.Close()
		}
		r.after = time.Time{}
	}()
	for i := len(files) - 1; i >= 0; i-- {
		r.pending, r.after = r.pending[:0], r.last
		if err := r.readRotated(files[i]); err != nil {
			return err
		}
	}
	r.pending, r.after = r.pending[:0], r.last
	if cur == nil {
		return nil
	}
	return r.readAll(cur)
}

// openCurrent opens the current file. One missing while a rotated one
// exists is being rotated (renamed, not yet made again): it waits for
// it, a second at most.
func openCurrent(path string) (*os.File, error) {
	for i := 0; ; i++ {
		f, err := openLog(path)
		if f != nil || err != nil || i == 1000 {
			return f, err
		}
		if _, err := os.Stat(rotated(path, 1)); err != nil {
			if _, err := os.Stat(rotated(path, 1) + ".gz"); err != nil {
				return nil, nil
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// openRotatedSince opens the rotated files newest first, up to the one
// that is done (by inode, nil: none) or the first gzipped one whose last
// entry is no newer than last (a file read already, compressed since).
// A rotation under way (renaming from the oldest down) leaves one name
// missing at a time: the files end where two names in a row are missing.
func openRotatedSince(path string, done fs.FileInfo, last time.Time) ([]rotatedFile, error) {
	var files []rotatedFile
	missing := false
	for i := 1; ; i++ {
		f, err := openRotated(path, i)
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, err
		}
		if f.File == nil {
			if missing {
				return files, nil
			}
			missing = true
			continue
		}
		missing = false
		if !f.gz && done != nil {
			if st, err := f.Stat(); err == nil && sameFile(st, done) {
				f.Close()
				return files, nil
			}
		}
		if f.gz && !last.IsZero() {
			if t, ok := gzipLastTime(f.File); ok && !t.After(last) {
				f.Close()
				return files, nil
			}
		}
		files = append(files, f)
	}
}

// rotatedFile is a rotated file of a log, plain or gzipped.
type rotatedFile struct {
	*os.File
	gz bool
}

func (f rotatedFile) Close() { closeFile(f.File) }

// openRotated opens the i-th rotated file, name.i or, compressed,
// name.i.gz; the plain one first, since a .gz beside it is still being
// written. File is nil when neither exists.
func openRotated(path string, i int) (rotatedFile, error) {
	f, err := openLog(rotated(path, i))
	if f != nil || err != nil {
		return rotatedFile{File: f}, err
	}
	f, err = openLog(rotated(path, i) + ".gz")
	return rotatedFile{File: f, gz: f != nil}, err
}

// readRotated reads a rotated file from its start to its end.
func (r *reader) readRotated(f rotatedFile) error {
	if !f.gz {
		return r.readAll(f.File)
	}
	zr, err := gzip.NewReader(f.File)
	if err != nil {
		return nil // a file being compressed when it was opened, or damaged: nothing to read
	}
	defer zr.Close()
	return r.readAll(damagedIsEnd{zr})
}

// damagedIsEnd ends a gzipped file at its first error: a damaged file is
// read as far as it can be.
type damagedIsEnd struct{ r io.Reader }

func (d damagedIsEnd) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil {
		err = io.EOF
	}
	return n, err
}

// openLog opens path for reading; a missing file is (nil, nil).
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return f, nil
}

// readAll reads f from its offset to EOF and handles each complete entry.
func (r *reader) readAll(f io.Reader) error {
	var buf [32 * 1024]byte
	for {
		n, err := f.Read(buf[:])
		if n > 0 {
			r.pending = append(r.pending, buf[:n]...)
			if err := r.lines(); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read log: %w", err)
		}
	}
}

// lines handles the complete entries in r.pending and keeps the rest.
func (r *reader) lines() error {
	data := r.pending
	for {
		e, n := r.format.next(data)
		if n == 0 {
			break
		}
		data = data[n:]
		m, err := r.format.decode(e)
		if err != nil {
			continue // a torn or foreign entry: skip it like Docker does
		}
		if !r.after.IsZero() && !m.Time.After(r.after) {
			continue
		}
		r.last = m.Time
		if err := r.handle(m); err != nil {
			r.pending = append(r.pending[:0], data...)
			return err
		}
	}
	r.pending = append(r.pending[:0], data...)
	return nil
}

func (r *reader) handle(m Message) error {
	if !r.selected(m) {
		return nil
	}
	if !r.cfg.Since.IsZero() && m.Time.Before(r.cfg.Since) {
		r.sawOld = true
		return nil
	}
	if !r.cfg.Until.IsZero() && m.Time.After(r.cfg.Until) {
		return errUntil
	}
	return r.fn(m)
}

// selected applies the stream selection.
func (r *reader) selected(m Message) bool {
	switch m.Stream {
	case Stdout:
		return r.cfg.Stdout
	case Stderr:
		return r.cfg.Stderr
	}
	return true
}

// follow waits for new data in the current file, switching to the new file
// when the log is rotated and rewinding when it is truncated.
func (r *reader) follow(ctx context.Context, path string, cur *os.File) error {
	defer func() { closeFile(cur) }()
	w := newWatcher(path)
	defer w.close()
	var wake chan struct{}
	interval := FollowInterval
	if w != nil {
		// inotify wakes us; the timer is only a safety net.
		wake, interval = w.wake, 20*FollowInterval
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	var untilC <-chan time.Time
	if !r.cfg.Until.IsZero() {
		ut := time.NewTimer(time.Until(r.cfg.Until) + time.Millisecond)
		defer ut.Stop()
		untilC = ut.C
	}
	first := true
	for {
		stopping := false
		if first {
			// Whatever was written between the history and the watch.
			first = false
		} else {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-r.cfg.Stop:
				stopping = true
			case <-wake:
			case <-untilC:
				stopping = true
			case <-t.C:
				t.Reset(interval)
			}
		}
		for {
			if cur == nil {
				f, err := openLog(path)
				if err != nil {
					return err
				}
				if f == nil {
					break
				}
				cur = f
				r.pending = r.pending[:0]
			}
			if err := r.readAll(cur); err != nil {
				return err
			}
			st, err := os.Stat(path)
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if err != nil {
				return fmt.Errorf("stat log %s: %w", path, err)
			}
			cst, err := cur.Stat()
			if err != nil {
				return fmt.Errorf("stat log %s: %w", path, err)
			}
			if !sameFile(st, cst) {
				// Rotated: what the writer added to the old file before it
				// moved on came after the read above; read the old file to
				// its end (it grows no more), then the files rotated since
				// (a slow follower may see several rotations at once), then
				// go on with the new one.
				if err := r.readAll(cur); err != nil {
					return err
				}
				cur.Close()
				if cur, err = r.catchUp(path, cst); err != nil {
					return err
				}
				continue
			}
			if off, err := cur.Seek(0, io.SeekCurrent); err == nil && st.Size() < off {
				// Truncated (max-file 1): start over.
				if _, err := cur.Seek(0, io.SeekStart); err != nil {
					return fmt.Errorf("rewind log %s: %w", path, err)
				}
				r.pending = r.pending[:0]
				continue
			}
			break
		}
		if stopping {
			return nil
		}
		if !r.cfg.Until.IsZero() && time.Now().After(r.cfg.Until) {
			return nil
		}
	}
}

// catchUp, when the follower's file (done, read to its end) has been
// rotated away, reads the files rotated since (a slow follower may see
// several rotations at once) and the current one, and returns the
// current one open at its end. The current file is opened first, so
// that a rotation during the opening of the others at worst shows a file
// twice (read once: readOldestFirst) rather than losing one.
func (r *reader) catchUp(path string, done fs.FileInfo) (*os.File, error) {
	cur, err := openCurrent(path)
	if err != nil {
		return nil, err
	}
	files, err := openRotatedSince(path, done, r.last)
	if err == nil {
		err = r.readOldestFirst(files, cur)
	}
	if err != nil {
		closeFile(cur)
		return nil, err
	}
	return cur, nil
}

// gzipLastTime reads the time of the last entry of a rotated gzipped
// file from its header (dockerd's lastTime) and rewinds the file.
func gzipLastTime(f *os.File) (time.Time, bool) {
	defer f.Seek(0, io.SeekStart)
	zr, err := gzip.NewReader(f)
	if err != nil {
		return time.Time{}, false
	}
	var meta gzipMeta
	if json.Unmarshal(zr.Header.Extra, &meta) != nil || meta.LastTime.IsZero() {
		return time.Time{}, false
	}
	return meta.LastTime, true
}

func sameFile(a, b fs.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return os.SameFile(a, b)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}
