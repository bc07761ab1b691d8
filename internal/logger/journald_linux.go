package logger

import (
	"encoding/binary"
	"net"
	"strings"
	"unicode"
)

// journalSocket is journald's native protocol socket.
const journalSocket = "/run/systemd/journal/socket"

// journald sends each line to journald over its native protocol, with
// dockerd's fields: MESSAGE, PRIORITY (6 stdout, 3 stderr),
// CONTAINER_ID (short), CONTAINER_ID_FULL, CONTAINER_NAME, CONTAINER_TAG,
// SYSLOG_IDENTIFIER (the tag), IMAGE_NAME, CONTAINER_PARTIAL_MESSAGE for
// a piece of a long line, and the attributes, their names made journal
// field names.
type journald struct {
	conn   *net.UnixConn
	fields []byte // the fields every entry has
	buf    []byte
}

func newJournald(cfg Config) (*journald, error) {
	// Connecting fails at start, as dockerd does, when no journald listens.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: journalSocket, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	j := &journald{conn: conn}
	add := func(k, v string) { j.fields = appendJournalField(j.fields, k, v) }
	add("CONTAINER_ID", short(cfg.ID))
	add("CONTAINER_ID_FULL", cfg.ID)
	add("CONTAINER_NAME", cfg.Name)
	add("CONTAINER_TAG", cfg.Tag)
	add("IMAGE_NAME", cfg.ImageName)
	add("SYSLOG_IDENTIFIER", cfg.Tag)
	for k, v := range cfg.Attrs {
		if name := journalFieldName(k); name != "" {
			add(name, v)
		}
	}
	return j, nil
}

func (j *journald) Append(m Message) error {
	prio := "6"
	if m.Stream == Stderr {
		prio = "3"
	}
	line := m.Line
	partial := m.Partial()
	if !partial {
		line = line[:len(line)-1]
	}
	b := append(j.buf[:0], j.fields...)
	b = appendJournalField(b, "PRIORITY", prio)
	if partial {
		b = appendJournalField(b, "CONTAINER_PARTIAL_MESSAGE", "true")
	}
	b = appendJournalField(b, "MESSAGE", string(line))
	j.buf = b
	_, err := j.conn.Write(b)
	return err
}

// appendJournalField appends KEY=value\n, or the binary form (KEY\n,
// little-endian length, value, \n) when value holds a newline.
func appendJournalField(b []byte, k, v string) []byte {
	if !strings.Contains(v, "\n") {
		return append(append(append(append(b, k...), '='), v...), '\n')
	}
	b = append(append(b, k...), '\n')
	b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
	return append(append(b, v...), '\n')
}

// journalFieldName makes an attribute's name a journal field name, as
// dockerd does: upper case, characters other than letters, digits and _
// dropped, no leading _ or digit.
func journalFieldName(k string) string {
	k = strings.ToUpper(k)
	k = strings.Map(func(r rune) rune {
		if r == '_' || (r < unicode.MaxASCII && (unicode.IsUpper(r) || unicode.IsDigit(r))) {
			return r
		}
		return -1
	}, k)
	return strings.TrimLeft(k, "_0123456789")
}

func (j *journald) Flush() error { return nil }

func (j *journald) Close() error { return j.conn.Close() }
