// Package container is the API router of containers: create, start, stop,
// wait, logs, attach, inspect, list and the rest of /containers, plus
// POST /commit. Its Backend is the narrow set of use cases it needs.
package container
