// Package daemon holds berth's use cases: one file per use case (create.go,
// start.go, stop.go, image_load.go, ...). It is the only package that combines
// the domain packages, and *Daemon implements the Backend interface of every
// API router.
package daemon
