package logger

import (
	"bytes"
	"errors"
	"time"
)

// CRI is the kubelet's log format, which the CRI server asks for: not a
// driver a container can name (Validate refuses it), and never rotated by
// berth (the kubelet rotates CRI logs itself).
const CRI = "cri"

// criFormat is the CRI's: one line per message, `<RFC3339Nano time>
// <stream> <P|F> <line>`, P marking a partial line (a line split at
// MaxLine, or output without its newline yet), F a full one.
type criFormat struct{}

func (criFormat) encode(buf []byte, m Message) []byte {
	buf = m.Time.UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, ' ')
	buf = append(buf, m.Stream...)
	line, tag := m.Line, " P "
	if !m.Partial() {
		line, tag = line[:len(line)-1], " F "
	}
	buf = append(buf, tag...)
	buf = append(buf, line...)
	return append(buf, '\n')
}

// Lines split as json-file's do.
func (criFormat) next(data []byte) ([]byte, int) { return jsonFormat{}.next(data) }

func (criFormat) last(data []byte, atStart bool) ([]byte, int, bool) {
	return jsonFormat{}.last(data, atStart)
}

func (criFormat) decode(line []byte) (Message, error) {
	f := bytes.SplitN(line, []byte(" "), 4)
	if len(f) != 4 || len(f[2]) != 1 {
		return Message{}, errors.New("decode log entry: not a CRI log line")
	}
	t, err := time.Parse(time.RFC3339Nano, string(f[0]))
	if err != nil {
		return Message{}, err
	}
	m := Message{Line: f[3], Stream: string(f[1]), Time: t}
	if f[2][0] == 'F' {
		m.Line = append(m.Line, '\n')
	}
	return m, nil
}
