// Package logger holds the log drivers the containers' monitor writes a
// container's output through (one Driver interface): json-file and local
// (files in Docker's formats, rotated by size, rotated files gzipped with
// compress), syslog (unix, udp, tcp; dockerd's message formats), journald
// (its native protocol), and mode=non-blocking's buffer in front of any of
// them; the checks of their options with dockerd's words; and the readers
// of json-file and local logs, with follow, tail, since and until, across
// rotated and compressed files.
//
// json-file's format (one JSON object per line, exactly as Docker's):
//
//	{"log":"hello\n","stream":"stdout","attrs":{"tag":"web"},"time":"2024-01-02T03:04:05.123456789Z"}
//
// A "log" value without a trailing newline is a partial line: the output was
// split (lines longer than MaxLine bytes) or ended without a newline.
// local's format is moby's logdriver.LogEntry in protobuf, framed by its
// size before and after. Rotation keeps name.log (newest), name.log.1, …
// name.log.<max-file - 1> (oldest), each rotated file name.log.<i>.gz
// with compress. Unless told otherwise both rotate at 20 MB and keep 5
// files; dockerd's json-file keeps one file that grows without bound.
package logger
