// Package format renders command output the way the docker CLI does: Go
// templates with docker's template functions, "table" formats written through
// a tab writer with docker's column padding, and docker's short IDs, ellipses,
// human durations and sizes.
package format
