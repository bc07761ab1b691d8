// Package logger holds the log drivers: json-file (Docker on-disk format, with
// rotation) and none; readers for logs with follow, tail, since and until.
package logger
