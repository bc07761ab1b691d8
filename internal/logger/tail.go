package logger

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// tailChunk is how much a backward scan reads at a time.
const tailChunk = 64 << 10

// tailHistory emits the last cfg.Tail selected messages, found by reading
// the files backwards from their ends, newest file first, so that a short
// tail of a large log costs little. It returns the current file positioned
// where following continues (after the last complete line).
func (r *reader) tailHistory(path string) (*os.File, error) {
	var found []Message // newest first
	cur, err := openLog(path)
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
		if done, follow, err = r.scanBack(cur, st.Size(), &found); err != nil {
			cur.Close()
			return nil, err
		}
	}
	for i := 1; !done; i++ {
		f, err := openLog(rotated(path, i))
		if err != nil {
			closeFile(cur)
			return nil, err
		}
		if f == nil {
			break
		}
		st, err := f.Stat()
		if err == nil {
			done, _, err = r.scanBack(f, st.Size(), &found)
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
	return cur, nil
}

// scanBack reads f[0:end) backwards, adding selected messages to found
// until it holds cfg.Tail of them. done reports that no older message is
// wanted; complete is the offset just after the last complete line.
func (r *reader) scanBack(f *os.File, end int64, found *[]Message) (done bool, complete int64, err error) {
	complete = end
	pos := end
	var rest []byte // the start of data already read: a line that began earlier
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
			// A last line without its newline is still being written.
			i := bytes.LastIndexByte(data, '\n')
			complete = pos + int64(i+1)
			data = data[:i+1]
		}
		if len(*found) >= r.cfg.Tail {
			return true, complete, nil
		}
		for len(data) > 0 {
			j := bytes.LastIndexByte(data[:len(data)-1], '\n')
			if j < 0 && pos > 0 {
				break // the line began in an earlier chunk
			}
			if r.back(data[j+1:len(data)-1], found) {
				return true, complete, nil
			}
			data = data[:j+1]
		}
		rest = append([]byte(nil), data...)
	}
	return false, complete, nil
}

// back handles one line met while scanning backwards; it reports whether
// the scan is over.
func (r *reader) back(line []byte, found *[]Message) bool {
	if len(bytes.TrimSpace(line)) == 0 {
		return false
	}
	m, err := parseEntry(line)
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
