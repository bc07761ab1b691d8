// Package builder holds build and the "builder" group (builder prune): the
// build context (a directory with its .dockerignore, a tar, a URL or a
// Dockerfile on stdin) sent as a tar or, for a local daemon, named in place,
// and the build output.
package builder
