package logger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
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
}

// Partial reports whether m does not end a line.
func (m Message) Partial() bool { return len(m.Line) == 0 || m.Line[len(m.Line)-1] != '\n' }

// entry is the JSON shape of one line of a json-file log.
type entry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// appendEntry appends the JSON encoding of m and a newline to buf.
func appendEntry(buf []byte, m Message) []byte {
	buf = append(buf, `{"log":`...)
	buf = appendJSONString(buf, m.Line)
	buf = append(buf, `,"stream":`...)
	buf = appendJSONString(buf, []byte(m.Stream))
	buf = append(buf, `,"time":"`...)
	buf = m.Time.UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, "\"}\n"...)
	return buf
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as with encoding/json.
func appendJSONString(buf []byte, s []byte) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(s)) // a string always encodes
	out := b.Bytes()
	return append(buf, out[:len(out)-1]...) // drop Encode's newline
}

// parseEntry decodes one line of a json-file log.
func parseEntry(line []byte) (Message, error) {
	var e entry
	if err := json.Unmarshal(line, &e); err != nil {
		return Message{}, fmt.Errorf("decode log entry: %w", err)
	}
	return Message{Line: []byte(e.Log), Stream: e.Stream, Time: e.Time}, nil
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
