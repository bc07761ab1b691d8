// Package logger holds the log drivers: json-file (Docker's on-disk format,
// with rotation by size) and readers for logs with follow, tail, since and
// until that follow across rotation.
//
// On-disk format (one JSON object per line, exactly as Docker's json-file):
//
//	{"log":"hello\n","stream":"stdout","time":"2024-01-02T03:04:05.123456789Z"}
//
// A "log" value without a trailing newline is a partial line: the output was
// split (lines longer than MaxLine bytes) or ended without a newline.
// Rotation keeps name.log (newest), name.log.1, … name.log.<max-file - 1>
// (oldest).
package logger
