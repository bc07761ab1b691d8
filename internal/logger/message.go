package logger

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLine is the largest "log" value written as one entry; longer lines are
// split into several partial entries, like Docker does.
const MaxLine = 16 * 1024

// Stream names used in the "stream" field.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// Message is one log entry.
type Message struct {
	Line   []byte    // the bytes, including the trailing newline of a complete line
	Stream string    // Stdout or Stderr
	Time   time.Time // when the shim read it

	// PartialID and PartialOrdinal name the pieces of a line longer than
	// MaxLine (the local format records them; "" for a whole line).
	PartialID      string
	PartialOrdinal int
	// Attrs are the attributes a driver recorded with the entry (labels,
	// env, tag), shown by `logs --details`.
	Attrs map[string]string
}

// Partial reports whether m does not end a line.
func (m Message) Partial() bool { return len(m.Line) == 0 || m.Line[len(m.Line)-1] != '\n' }

// appendJSONString appends s as a JSON string, escaping like encoding/json
// without HTML escaping: invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are
// escaped.
func appendJSONString(buf []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// TimestampFormat is the fixed-width RFC 3339 format Docker prints with
// `logs --timestamps`.
const TimestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Format returns m as `logs` prints it: the line, preceded by its time and a
// space when timestamps is set.
func Format(m Message, timestamps bool) []byte {
	if !timestamps {
		return m.Line
	}
	b := m.Time.UTC().AppendFormat(nil, TimestampFormat)
	b = append(b, ' ')
	return append(b, m.Line...)
}

// Details returns the attributes as `logs --details` prints them before a
// line: key=value pairs, query-escaped, sorted by key, joined by commas.
func Details(attrs map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(attrs[k]))
	}
	return strings.Join(parts, ",")
}

// String is m's stream and line, for messages of errors and tests.
func (m Message) String() string { return m.Stream + ": " + string(m.Line) }
