// Package recovery keeps a panic in a request, or in a goroutine a request
// started, from ending the daemon: the panic is logged with its stack and
// becomes an error for whoever waits on that work. It is a leaf (stdlib
// only) that every engine package may use, as errdefs.
package recovery
