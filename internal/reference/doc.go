// Package reference parses and normalises image references as Docker does
// (busybox = docker.io/library/busybox:latest), on top of
// github.com/distribution/reference, and matches reference= filters.
// Malformed references are errdefs.InvalidParameter.
package reference
