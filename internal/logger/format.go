package logger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// format is an on-disk encoding of log entries: dockerd's json-file (one
// JSON object a line) or local (protobuf entries framed by their size
// before and after, so that they can be read backwards).
type format interface {
	// encode appends m's entry to buf.
	encode(buf []byte, m Message) []byte
	// next splits the first whole entry off data; n == 0 when data does
	// not hold one yet.
	next(data []byte) (entry []byte, n int)
	// last splits the last whole entry off data, which ends where an entry
	// ends; n == 0 when data does not reach back to its start. atStart
	// says that data begins at the start of the file. ok is false when
	// data does not end with a whole entry (it ends in a write under way).
	last(data []byte, atStart bool) (entry []byte, n int, ok bool)
	// decode reads one entry.
	decode(entry []byte) (Message, error)
}

// formatOf returns the on-disk format of a log driver that keeps files.
func formatOf(driver string) format {
	switch driver {
	case Local:
		return localFormat{}
	case CRI:
		return criFormat{}
	}
	return jsonFormat{}
}

// jsonFormat is json-file's: {"log":…,"stream":…,"attrs":{…},"time":…}\n.
type jsonFormat struct {
	attrs []byte // the "attrs" object, nil when there are none
}

// entry is the JSON shape of one line of a json-file log.
type entry struct {
	Log    string            `json:"log"`
	Stream string            `json:"stream"`
	Attrs  map[string]string `json:"attrs,omitempty"`
	Time   time.Time         `json:"time"`
}

func newJSONFormat(attrs map[string]string) jsonFormat {
	if len(attrs) == 0 {
		return jsonFormat{}
	}
	b, _ := json.Marshal(attrs) // map[string]string always encodes; keys sorted
	return jsonFormat{attrs: b}
}

func (f jsonFormat) encode(buf []byte, m Message) []byte {
	buf = append(buf, `{"log":`...)
	buf = appendJSONString(buf, m.Line)
	buf = append(buf, `,"stream":`...)
	buf = appendJSONString(buf, []byte(m.Stream))
	if f.attrs != nil {
		buf = append(buf, `,"attrs":`...)
		buf = append(buf, f.attrs...)
	}
	buf = append(buf, `,"time":"`...)
	buf = m.Time.UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, "\"}\n"...)
	return buf
}

func (jsonFormat) next(data []byte) ([]byte, int) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return nil, 0
	}
	return data[:i], i + 1
}

func (jsonFormat) last(data []byte, atStart bool) ([]byte, int, bool) {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, 0, false
	}
	j := bytes.LastIndexByte(data[:len(data)-1], '\n')
	if j < 0 && !atStart {
		return nil, 0, true
	}
	return data[j+1 : len(data)-1], len(data) - j - 1, true
}

func (jsonFormat) decode(line []byte) (Message, error) {
	var e entry
	if len(bytes.TrimSpace(line)) == 0 {
		return Message{}, errors.New("empty line")
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return Message{}, fmt.Errorf("decode log entry: %w", err)
	}
	return Message{Line: []byte(e.Log), Stream: e.Stream, Time: e.Time, Attrs: e.Attrs}, nil
}

// localFormat is the local driver's: each entry moby's logdriver.LogEntry
// in protobuf (source 1, time_nano 2, line 3, partial 4,
// partial_log_metadata 5 {last 1, id 2, ordinal 3}, attrs 6 {key 1,
// value 2}), its size before and after it (4 bytes, big-endian). The line
// is kept without its newline; a reader adds it back unless the entry is
// partial and not the last of its line.
type localFormat struct {
	attrs []byte // the encoded attrs fields, sorted by key
}

// maxLocalEntry bounds an entry's size when reading (dockerd's 1 MB).
const maxLocalEntry = 1 << 20

func newLocalFormat(attrs map[string]string) localFormat {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		var a []byte
		a = protowire.AppendTag(a, 1, protowire.BytesType)
		a = protowire.AppendString(a, k)
		a = protowire.AppendTag(a, 2, protowire.BytesType)
		a = protowire.AppendString(a, attrs[k])
		b = protowire.AppendTag(b, 6, protowire.BytesType)
		b = protowire.AppendBytes(b, a)
	}
	return localFormat{attrs: b}
}

func (f localFormat) encode(buf []byte, m Message) []byte {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf = protowire.AppendTag(buf, 1, protowire.BytesType)
	buf = protowire.AppendString(buf, m.Stream)
	buf = protowire.AppendTag(buf, 2, protowire.VarintType)
	buf = protowire.AppendVarint(buf, uint64(m.Time.UnixNano()))
	line, partial := m.Line, m.Partial()
	if !partial {
		line = line[:len(line)-1]
	}
	buf = protowire.AppendTag(buf, 3, protowire.BytesType)
	buf = protowire.AppendBytes(buf, line)
	if partial || m.PartialID != "" {
		// A piece of a long line (the last one ends with its newline).
		var md []byte
		if !partial {
			md = protowire.AppendTag(md, 1, protowire.VarintType)
			md = protowire.AppendVarint(md, 1)
		}
		md = protowire.AppendTag(md, 2, protowire.BytesType)
		md = protowire.AppendString(md, m.PartialID)
		md = protowire.AppendTag(md, 3, protowire.VarintType)
		md = protowire.AppendVarint(md, uint64(m.PartialOrdinal))
		buf = protowire.AppendTag(buf, 4, protowire.VarintType)
		buf = protowire.AppendVarint(buf, 1)
		buf = protowire.AppendTag(buf, 5, protowire.BytesType)
		buf = protowire.AppendBytes(buf, md)
	}
	buf = append(buf, f.attrs...)
	size := uint32(len(buf) - start - 4)
	binary.BigEndian.PutUint32(buf[start:], size)
	return binary.BigEndian.AppendUint32(buf, size)
}

func (localFormat) next(data []byte) ([]byte, int) {
	if len(data) < 4 {
		return nil, 0
	}
	size := int(binary.BigEndian.Uint32(data))
	if len(data) < size+8 {
		return nil, 0
	}
	return data[4 : 4+size], size + 8
}

func (localFormat) last(data []byte, atStart bool) ([]byte, int, bool) {
	if len(data) < 4 {
		return nil, 0, len(data) == 0 || !atStart
	}
	size := int(binary.BigEndian.Uint32(data[len(data)-4:]))
	if size > maxLocalEntry {
		return nil, 0, false
	}
	if len(data) < size+8 {
		return nil, 0, !atStart
	}
	start := len(data) - size - 8
	if int(binary.BigEndian.Uint32(data[start:])) != size {
		return nil, 0, false
	}
	return data[start+4 : len(data)-4], size + 8, true
}

func (localFormat) decode(b []byte) (Message, error) {
	var m Message
	partial, last := false, false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return m, errors.New("decode local log entry: bad tag")
		}
		b = b[n:]
		var v []byte
		var u uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			u, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return m, errors.New("decode local log entry: bad field")
		}
		b = b[n:]
		switch num {
		case 1:
			m.Stream = string(v)
		case 2:
			m.Time = time.Unix(0, int64(u)).UTC()
		case 3:
			m.Line = append([]byte(nil), v...)
		case 4:
			partial = u != 0
		case 5:
			last = partialLast(v)
		case 6:
			k, val := localAttr(v)
			if m.Attrs == nil {
				m.Attrs = map[string]string{}
			}
			m.Attrs[k] = val
		}
	}
	if !partial || last {
		m.Line = append(m.Line, '\n')
	}
	return m, nil
}

// partialLast reads the "last" field of a PartialLogEntryMetadata.
func partialLast(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		if num == 1 && typ == protowire.VarintType {
			u, _ := protowire.ConsumeVarint(b)
			return u != 0
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return false
		}
		b = b[n:]
	}
	return false
}

// localAttr reads a LogAttr.
func localAttr(b []byte) (key, value string) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return key, value
		}
		v, m := protowire.ConsumeBytes(b[n:])
		if m < 0 {
			return key, value
		}
		b = b[n+m:]
		if num == 1 {
			key = string(v)
		} else if num == 2 {
			value = string(v)
		}
	}
	return key, value
}
