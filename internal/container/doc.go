// Package container holds the container record, its state machine and its
// persistence.
package container
