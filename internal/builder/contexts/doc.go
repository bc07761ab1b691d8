// Package contexts keeps the build contexts of past builds, so that the
// next build of the same context copies and hashes only what changed. It
// owns the directory of the mirrors (one dockerfile.Mirror per context: a
// local directory, or a tar stream for the same tags and Dockerfile), which
// build holds which mirror, the eviction of the least recently used idle
// mirrors beyond eight, and the mirrors as build cache records ("source.local")
// for disk usage and prune.
package contexts
