// Package server serves the Docker Engine API: the HTTP listener(s), version
// prefixes and negotiation, hijacked streams, and the one place where error
// categories become HTTP status codes.
package server
