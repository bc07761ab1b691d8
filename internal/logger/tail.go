package logger

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/gzip"
)

// tailChunk is how much a backward scan reads at a time.
const tailChunk = 64 << 10

// tailHistory emits the last cfg.Tail selected messages, found by reading
// the files backwards from their ends, newest file first, so that a short
// tail of a large log costs little (a gzipped file is read forwards). It
// returns the current file positioned where following continues (after the
// last complete entry).
func (r *reader) tailHistory(path string) (*os.File, error) {
	var found []Message // newest first
	start := time.Now()
	cur, err := openCurrent(path)
	if err != nil {
		return nil, err
	}
	follow := int64(0)
	done := false
	if cur != nil {
		st, err := cur.Stat()
		if err != nil {
			cur.Close()
			return nil, fmt.Errorf("stat log %s: %w", path, err)
		}
		if done, follow, err = r.scanFile(cur, st.Size(), &found); err != nil {
			cur.Close()
			return nil, err
		}
	}
	for i := 1; !done; i++ {
		f, err := openRotated(path, i)
		if err != nil {
			closeFile(cur)
			return nil, err
		}
		if f.File == nil {
			break
		}
		if f.gz {
			done, err = r.scanGzip(f.File, &found)
		} else {
			var st os.FileInfo
			if st, err = f.Stat(); err == nil {
				done, _, err = r.scanFile(f.File, st.Size(), &found)
			}
		}
		f.Close()
		if err != nil {
			closeFile(cur)
			return nil, err
		}
	}
	if cur != nil {
		if _, err := cur.Seek(follow, io.SeekStart); err != nil {
			cur.Close()
			return nil, fmt.Errorf("seek log %s: %w", path, err)
		}
	}
	for i := len(found) - 1; i >= 0; i-- {
		if err := r.fn(found[i]); err != nil {
			closeFile(cur)
			return nil, err
		}
	}
	// Where a follower's catch-up starts: the newest entry emitted, or,
	// with none, the time the tail was taken.
	r.last = start
	if len(found) > 0 {
		r.last = found[0].Time
	}
	return cur, nil
}

// scanFile scans a plain file backwards (scanBack), or forwards when its
// end is not an entry's end (a local entry being written).
func (r *reader) scanFile(f *os.File, end int64, found *[]Message) (done bool, complete int64, err error) {
	done, complete, err = r.scanBack(f, end, found)
	if err != errTorn {
		return done, complete, err
	}
	return r.scanForward(io.NewSectionReader(f, 0, end), found)
}

// scanGzip scans a gzipped file forwards; a damaged one is read as far as
// it can be.
func (r *reader) scanGzip(f *os.File, found *[]Message) (bool, error) {
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false, nil
	}
	defer zr.Close()
	done, _, err := r.scanForward(damagedIsEnd{zr}, found)
	return done, err
}

// scanForward reads all of rd and adds its last selected messages to
// found (newest first) until found holds cfg.Tail. done reports that no
// older message is wanted; complete is the offset after the last whole
// entry.
func (r *reader) scanForward(rd io.Reader, found *[]Message) (done bool, complete int64, err error) {
	want := r.cfg.Tail - len(*found)
	var ring []Message
	sub := &reader{cfg: r.cfg, format: r.format, fn: func(m Message) error {
		ring = append(ring, m)
		if len(ring) > 2*want+16 {
			ring = append(ring[:0], ring[len(ring)-want:]...)
		}
		return nil
	}}
	var n int64
	err = sub.readAll(&countingReader{rd, &n})
	if err != nil && err != errUntil {
		return false, 0, err
	}
	complete = n - int64(len(sub.pending))
	if len(ring) > want {
		ring = ring[len(ring)-want:]
	}
	for i := len(ring) - 1; i >= 0; i-- {
		*found = append(*found, ring[i])
	}
	// A message older than Since was skipped here: older files are older still.
	return len(*found) >= r.cfg.Tail || sub.sawOld, complete, nil
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// errTorn is scanBack's answer when the file does not end with a whole
// entry it can find backwards.
var errTorn = fmt.Errorf("log ends in an entry being written")

// scanBack reads f[0:end) backwards, adding selected messages to found
// until it holds cfg.Tail of them. done reports that no older message is
// wanted; complete is the offset just after the last complete entry.
func (r *reader) scanBack(f *os.File, end int64, found *[]Message) (done bool, complete int64, err error) {
	complete = end
	pos := end
	var rest []byte // the start of data already read: an entry that began earlier
	first := true
	for pos > 0 {
		n := int64(tailChunk)
		if n > pos {
			n = pos
		}
		pos -= n
		data := make([]byte, n, n+int64(len(rest)))
		if _, err := f.ReadAt(data, pos); err != nil && err != io.EOF {
			return false, 0, fmt.Errorf("read log %s: %w", f.Name(), err)
		}
		data = append(data, rest...)
		if first {
			first = false
			// A json-file line without its newline is still being written.
			if _, ok := r.format.(jsonFormat); ok {
				i := lastNewline(data)
				complete = pos + int64(i+1)
				data = data[:i+1]
			}
		}
		if len(*found) >= r.cfg.Tail {
			return true, complete, nil
		}
		for len(data) > 0 {
			e, n, ok := r.format.last(data, pos == 0)
			if !ok {
				return false, 0, errTorn
			}
			if n == 0 {
				break // the entry began in an earlier chunk
			}
			if r.back(e, found) {
				return true, complete, nil
			}
			data = data[:len(data)-n]
		}
		rest = append([]byte(nil), data...)
	}
	return false, complete, nil
}

func lastNewline(data []byte) int {
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == '\n' {
			return i
		}
	}
	return -1
}

// back handles one entry met while scanning backwards; it reports whether
// the scan is over.
func (r *reader) back(e []byte, found *[]Message) bool {
	m, err := r.format.decode(e)
	if err != nil {
		return false
	}
	if !r.selected(m) {
		return false
	}
	if !r.cfg.Since.IsZero() && m.Time.Before(r.cfg.Since) {
		return true // everything older is older still
	}
	if !r.cfg.Until.IsZero() && m.Time.After(r.cfg.Until) {
		return false
	}
	*found = append(*found, m)
	return len(*found) >= r.cfg.Tail
}
