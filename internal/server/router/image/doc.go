// Package image is the API router for /images: import, load, save, list,
// tag, remove, history, inspect and prune, with Docker Engine API paths
// and JSON shapes (github.com/moby/moby/api/types/image). Image names may
// contain slashes, so per-image routes are dispatched from one wildcard
// pattern per method.
package image
