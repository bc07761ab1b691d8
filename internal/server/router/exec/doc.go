// Package exec is the API router of exec instances: create in a container,
// start (hijacked stream or detached), resize and inspect.
package exec
