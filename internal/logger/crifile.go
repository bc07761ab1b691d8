package logger

import "time"

// NewCRIFile opens (appending) a log in the format of the kubelet's CRI
// logs, one line per message: `<RFC3339Nano time> <stream> <P|F> <line>`,
// P marking a partial line (a line split at MaxLine, or output without its
// newline yet), F a full one. Rotation is as NewJSONFile's.
func NewCRIFile(path string, maxSize int64, maxFiles int) (*JSONFile, error) {
	j, err := NewJSONFile(path, maxSize, maxFiles)
	if err != nil {
		return nil, err
	}
	j.encode = appendCRIEntry
	return j, nil
}

// appendCRIEntry appends m as one line of a CRI log.
func appendCRIEntry(buf []byte, m Message) []byte {
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
