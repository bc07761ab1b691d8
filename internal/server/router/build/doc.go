// Package build is the API router for POST /build (the classic builder:
// the context as a tar stream in, Docker's JSON progress stream out) and
// POST /build/prune.
package build
