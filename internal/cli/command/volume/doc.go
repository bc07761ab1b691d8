// Package volume holds the volume commands: volume create, ls, inspect, rm
// and prune.
package volume
