// Package streams owns the local end of an attached container or exec:
// whether a stream is a terminal, raw mode and its restoration, the
// terminal size and its changes, and the copy of stdin, stdout and stderr
// to and from a hijacked API connection, with the detach keys.
package streams
